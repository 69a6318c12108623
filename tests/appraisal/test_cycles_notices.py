"""The cycle's messages (services/cycle_notices.py): "your turn", and the scheduled
"due tomorrow" and "late" reminders, each sent once, in the inbox and queued by e-mail."""

import datetime

import pytest
from django.core.management import call_command

from servicescore.appraisal.models import CycleReminder, Evaluation
from servicescore.appraisal.services.cycle_notices import notify_turn, send_due_reminders
from servicescore.appraisal.services.cycles import cycle_create, cycle_open
from servicescore.core.models import Delivery, InboxMessage
from servicescore.core.periods import day_start

from .cycles_setup import create_args, technician_scheme

pytestmark = pytest.mark.django_db

TARGETS_DUE = datetime.date(2026, 11, 3)


def at(day: datetime.date, hour=9):
    return day_start(day) + datetime.timedelta(hours=hour)


@pytest.fixture
def cycle(network):
    technician_scheme()
    return cycle_open(cycle=cycle_create(**create_args(network)), by=network.hr.user)


def _inbox(user):
    return list(InboxMessage.objects.filter(user=user).values_list("notification__subject", flat=True))


def test_your_turn_goes_to_the_inbox_and_by_e_mail(network, cycle):
    assert len(_inbox(network.tech.user)) == 1
    assert Delivery.objects.filter(recipient=network.tech.user, channel=Delivery.Channel.EMAIL).count() == 1


def test_your_turn_is_sent_once(network, cycle):
    assert notify_turn(Evaluation.objects.filter(cycle=cycle), "targets") == 0
    assert len(_inbox(network.tech.user)) == 1


def test_due_tomorrow_reminds_the_person_who_must_act(network, cycle):
    counts = send_due_reminders(now=at(TARGETS_DUE - datetime.timedelta(days=1)))
    assert counts["due"] == 3
    assert len(_inbox(network.tech.user)) == 2


def test_nothing_is_due_two_days_before(network, cycle):
    assert send_due_reminders(now=at(TARGETS_DUE - datetime.timedelta(days=2))) == {
        "due": 0,
        "late": 0,
        "creator": 0,
        "groups": 0,
    }


def test_a_signed_target_is_not_reminded(network, cycle):
    Evaluation.objects.filter(cycle=cycle, employee=network.tech).update(state=Evaluation.State.SIGNED)
    send_due_reminders(now=at(TARGETS_DUE - datetime.timedelta(days=1)))
    assert len(_inbox(network.tech.user)) == 1


def test_reminders_are_sent_once_however_often_the_job_runs(network, cycle):
    day_before = at(TARGETS_DUE - datetime.timedelta(days=1))
    send_due_reminders(now=day_before)
    assert send_due_reminders(now=day_before + datetime.timedelta(hours=1))["due"] == 0
    assert len(_inbox(network.tech.user)) == 2


def test_late_notices_go_to_the_person_and_the_list_to_the_creator(network, cycle):
    counts = send_due_reminders(now=at(TARGETS_DUE + datetime.timedelta(days=1)))
    assert counts == {"due": 0, "late": 3, "creator": 1, "groups": 0}
    [listing] = _inbox(network.hr.user)
    assert "3" in listing
    again = send_due_reminders(now=at(TARGETS_DUE + datetime.timedelta(days=2)))
    assert again == {"due": 0, "late": 0, "creator": 0, "groups": 0}


def test_the_late_review_reminds_the_reviewer(network, cycle):
    Evaluation.objects.filter(cycle=cycle).update(state=Evaluation.State.MANAGER_REVIEW)
    send_due_reminders(now=at(datetime.date(2026, 11, 11)))
    reminded = set(
        CycleReminder.objects.filter(kind="late", step="manager_review").values_list("recipient", flat=True)
    )
    assert reminded == {network.foreman.user.pk, network.manager.user.pk, network.hr.user.pk}


def test_the_command_runs_the_job(network, cycle, capsys):
    call_command("cycle_reminders")
    assert '"due"' in capsys.readouterr().out


def test_the_hourly_task_is_scheduled_and_runs_the_job(network, cycle, settings):
    from servicescore.appraisal.tasks import send_cycle_reminders_task

    entry = settings.CELERY_BEAT_SCHEDULE["appraisal-send-cycle-reminders"]
    assert (entry["task"], entry["schedule"]) == ("appraisal.send_cycle_reminders", 3600.0)
    assert send_cycle_reminders_task()["late"] == 3
