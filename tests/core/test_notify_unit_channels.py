"""An org unit's group robots (org.UnitChannel): the nearest configured unit up the tree is
used, the admin refuses a webhook that is not https and never shows a secret again."""

import pytest
from django.urls import reverse

from servicescore.core.models import AuditEntry, Delivery
from servicescore.org.models import UnitChannel
from servicescore.org.notify import notify_unit, unit_channels

from ..conftest import login
from .notify_receivers import HttpReceiver

pytestmark = pytest.mark.django_db

WECOM_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=73febdcb-1b38-4d1b-a994-790f21fc8d30"
DINGTALK_URL = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef"


def channel(unit, kind="wecom", address=WECOM_URL, **fields):
    return UnitChannel.objects.create(org_unit=unit, kind=kind, address=address, **fields)


def staff(employee):
    employee.user.is_staff = True
    employee.user.save()
    return employee.user


def test_a_team_without_a_robot_uses_its_service_centres(network):
    centre_robot = channel(network.sc1)
    channel(network.region, kind="dingtalk", address=DINGTALK_URL)
    assert unit_channels(network.t11) == [centre_robot]


def test_a_units_own_robots_win_over_its_ancestors(network):
    channel(network.sc1)
    own = [channel(network.t11), channel(network.t11, kind="dingtalk", address=DINGTALK_URL)]
    assert unit_channels(network.t11) == own


def test_an_inactive_robot_is_skipped(network):
    channel(network.t11, active=False)
    company_robot = channel(network.company)
    assert unit_channels(network.t11) == [company_robot]


def test_a_unit_with_no_robot_up_the_tree_gets_none(network, django_assert_num_queries):
    channel(network.sc2)
    with django_assert_num_queries(1):
        assert unit_channels(network.t11) == []
    assert notify_unit(unit=network.t11, subject="S") is None


def test_notify_unit_posts_to_the_units_robot(network, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_ALLOW_HTTP_LOOPBACK = True
    with HttpReceiver() as receiver:
        channel(network.sc1, address=receiver.url("/send?key=k"))
        with django_capture_on_commit_callbacks(execute=True):
            notification = notify_unit(unit=network.t11, subject="机电一组超时 2 张", kind="alert")
    [request] = receiver.requests
    assert "机电一组超时 2 张" in request.json["markdown"]["content"]
    assert notification.deliveries.get().state == Delivery.State.SENT


def test_the_admin_refuses_a_plain_http_webhook(client, network):
    login(client, staff(network.hr))
    response = client.post(
        reverse("admin:org_unitchannel_add"),
        {
            "org_unit": network.sc1.pk,
            "kind": "wecom",
            "address": "http://qyapi.weixin.qq.com/send?key=k",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "请使用 https:// 地址" in str(response.context["adminform"].form.errors["address"])
    assert not UnitChannel.objects.exists()


def test_the_admin_accepts_a_loopback_http_webhook_where_allowed(client, network, settings):
    settings.NOTIFY_ALLOW_HTTP_LOOPBACK = True
    login(client, staff(network.hr))
    response = client.post(
        reverse("admin:org_unitchannel_add"),
        {"org_unit": network.sc1.pk, "kind": "wecom", "address": "http://127.0.0.1:9/send", "active": "on"},
    )
    assert response.status_code == 302
    assert UnitChannel.objects.get().address == "http://127.0.0.1:9/send"


def test_the_admin_refuses_a_secret_for_a_wecom_robot(client, network):
    login(client, staff(network.hr))
    response = client.post(
        reverse("admin:org_unitchannel_add"),
        {"org_unit": network.sc1.pk, "kind": "wecom", "address": WECOM_URL, "secret": "x", "active": "on"},
    )
    assert "secret" in response.context["adminform"].form.errors


def test_the_admin_list_masks_the_webhook_and_never_shows_the_secret(client, network):
    channel(network.sc1, kind="dingtalk", address=DINGTALK_URL, secret="SECtopsecret")
    login(client, staff(network.hr))
    content = client.get(reverse("admin:org_unitchannel_changelist")).content.decode()
    assert "oapi.dingtalk.com/…cdef" in content
    assert "0123456789abcdef" not in content
    assert "SECtopsecret" not in content


def test_the_change_form_never_shows_the_stored_secret(client, network):
    robot = channel(network.sc1, kind="dingtalk", address=DINGTALK_URL, secret="SECtopsecret")
    login(client, staff(network.hr))
    content = client.get(reverse("admin:org_unitchannel_change", args=[robot.pk])).content.decode()
    assert "SECtopsecret" not in content


def test_saving_with_an_empty_secret_keeps_the_stored_one(client, network):
    robot = channel(network.sc1, kind="dingtalk", address=DINGTALK_URL, secret="SECtopsecret")
    login(client, staff(network.hr))
    client.post(
        reverse("admin:org_unitchannel_change", args=[robot.pk]),
        {
            "org_unit": network.sc1.pk,
            "kind": "dingtalk",
            "address": DINGTALK_URL,
            "secret": "",
            "note": "华东群",
        },
    )
    robot.refresh_from_db()
    assert (robot.secret, robot.note, robot.active) == ("SECtopsecret", "华东群", False)


def test_the_audit_trail_masks_the_webhook_and_omits_the_secret(client, network):
    login(client, staff(network.hr))
    client.post(
        reverse("admin:org_unitchannel_add"),
        {
            "org_unit": network.sc1.pk,
            "kind": "dingtalk",
            "address": DINGTALK_URL,
            "secret": "SECtopsecret",
            "active": "on",
        },
    )
    entry = AuditEntry.objects.get(action="create")
    assert entry.changes["address"] == [None, "https://oapi.dingtalk.com/…cdef"]
    assert entry.changes["secret"] == [None, "set"]
    assert "SECtopsecret" not in str(entry.changes) and "0123456789abcdef" not in str(entry.changes)


def test_a_service_manager_cannot_open_the_robots_even_with_permissions(client, network):
    from django.contrib.auth.models import Permission

    user = staff(network.manager)
    user.user_permissions.add(*Permission.objects.filter(codename__endswith="unitchannel"))
    login(client, user)
    assert client.get(reverse("admin:org_unitchannel_changelist")).status_code == 403


def test_hr_sees_the_delivery_log_filtered_by_state(client, network):
    from servicescore.core.notify import Target, notify_targets

    notify_targets(targets=[Target("wecom", WECOM_URL)], subject="排队中")
    login(client, staff(network.hr))
    response = client.get(reverse("admin:core_delivery_changelist"), {"state__exact": "queued"})
    assert response.status_code == 200
    assert [d.notification.subject for d in response.context["cl"].result_list] == ["排队中"]
    assert "73febdcb" not in response.content.decode()


def test_a_technician_cannot_read_the_delivery_log(client, network):
    login(client, staff(network.tech))
    assert client.get(reverse("admin:core_delivery_changelist")).status_code == 403
