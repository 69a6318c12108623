"""A cycle's turns in the units' group channels (services/cycle_notices.py post_stage and
post_late): one message per group robot when a stage opens or results are published,
and the newly late people listed in their group."""

import datetime

import pytest

from servicescore.appraisal.models import Evaluation
from servicescore.appraisal.services.cycle_notices import post_stage, send_due_reminders
from servicescore.appraisal.services.cycles import cycle_create, cycle_open
from servicescore.core.models import Delivery
from servicescore.core.periods import day_start
from servicescore.org.models import Employee, UnitChannel
from servicescore.org.notify import channel_owners

from ..core.notify_receivers import HttpReceiver
from .cycles_setup import create_args, technician_scheme

pytestmark = pytest.mark.django_db

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=73febdcb-1b38-4d1b-a994-790f21fc8d30"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef"


def _robot(unit, kind="wecom", address=WECOM):
    return UnitChannel.objects.create(org_unit=unit, kind=kind, address=address)


def _posts(address=None):
    rows = Delivery.objects.exclude(channel=Delivery.Channel.EMAIL)
    if address:
        rows = rows.filter(target_url=address)
    return list(rows.select_related("notification").order_by("pk"))


@pytest.fixture
def draft(network):
    technician_scheme()
    return cycle_create(**create_args(network))


def test_opening_posts_once_to_the_centres_group(network, draft):
    _robot(network.sc1)
    cycle_open(cycle=draft, by=network.hr.user)
    [post] = _posts()
    assert draft.name in post.notification.subject
    assert "3" in post.notification.body and "2026-11-03" in post.notification.body
    assert post.notification.link == "/appraisal/todo/"


def test_a_team_with_its_own_robot_gets_its_own_message(network, draft):
    _robot(network.sc1)
    _robot(network.t11, kind="dingtalk", address=DINGTALK)
    cycle_open(cycle=draft, by=network.hr.user)
    team, centre = _posts(DINGTALK), _posts(WECOM)
    assert len(team) == 1 and "2" in team[0].notification.body  # T1 and T2
    assert len(centre) == 1 and "1" in centre[0].notification.body  # T3 of the other team


def test_nothing_is_posted_where_no_unit_has_a_robot(network, draft):
    cycle_open(cycle=draft, by=network.hr.user)
    assert _posts() == []


def test_leavers_are_not_counted_in_the_group_message(network, draft):
    _robot(network.sc1)
    Employee.objects.filter(pk=network.tech_colleague.pk).update(status=Employee.Status.LEFT)
    evaluations = list(Evaluation.objects.filter(cycle=draft).select_related("employee", "cycle"))
    assert post_stage(draft, "targets", evaluations) == 1
    [post] = _posts()
    assert "2" in post.notification.body


def test_the_newly_late_are_listed_in_their_group_once(network, draft):
    _robot(network.sc1)
    cycle_open(cycle=draft, by=network.hr.user)
    late = day_start(datetime.date(2026, 11, 4)) + datetime.timedelta(hours=9)
    assert send_due_reminders(now=late)["groups"] == 1
    post = _posts()[-1]
    assert network.tech.name in post.notification.body
    assert send_due_reminders(now=late + datetime.timedelta(hours=1))["groups"] == 0


def test_the_robot_receives_the_message(network, draft, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_ALLOW_HTTP_LOOPBACK = True
    with HttpReceiver() as receiver:
        _robot(network.sc1, address=receiver.url("/send?key=k"))
        with django_capture_on_commit_callbacks(execute=True):
            cycle_open(cycle=draft, by=network.hr.user)
    [request] = receiver.requests
    assert draft.name in request.json["markdown"]["content"]


def test_channel_owners_answers_for_many_units_in_two_queries(network, django_assert_num_queries):
    _robot(network.sc1)
    units = [network.t11, network.t12, network.t21, network.sc1]
    with django_assert_num_queries(2):
        owners = channel_owners(units)
    assert owners[network.t11.pk] == network.sc1 and owners[network.t21.pk] is None
