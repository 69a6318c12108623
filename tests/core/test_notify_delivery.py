"""Robot messages over real HTTP on loopback: what the receiver gets, how failures are
retried and logged, and that nothing is dropped silently. Tasks run inline (no broker);
tests/core/test_notify_celery_worker.py runs the same through a worker on Redis."""

import base64
import datetime
import hashlib
import hmac
import logging

import pytest
from django.utils import timezone, translation

from servicescore.core.errors import Invalid
from servicescore.core.models import Delivery
from servicescore.core.notify import Target, notify_targets
from servicescore.core.notify.services import deliver, retry_due_deliveries

from .notify_receivers import HttpReceiver, closed_port_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.NOTIFY_ALLOW_HTTP_LOOPBACK = True
    settings.NOTIFY_RETRY_DELAYS = [60, 300]
    with HttpReceiver() as running:
        yield running


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """notify_targets in a transaction that commits, so the deliveries go out (inline)."""

    def send_to(*targets, subject="工单超时", body="SC1 有 2 张超时工单", link=""):
        with django_capture_on_commit_callbacks(execute=True):
            notification = notify_targets(targets=list(targets), subject=subject, body=body, link=link)
        return notification

    return send_to


def make_due(delivery):
    """Move a failed delivery's next attempt into the past, as if its delay had passed."""
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_a_wecom_message_reaches_the_receiver_as_markdown_json(receiver, send):
    send(Target("wecom", receiver.url("/cgi-bin/webhook/send?key=k1")))
    [request] = receiver.requests
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": ["k1"]}
    assert request.json["msgtype"] == "markdown"
    assert "工单超时" in request.json["markdown"]["content"]


def test_a_delivered_message_is_logged_as_sent_after_one_attempt(receiver, send):
    notification = send(Target("wecom", receiver.url()))
    delivery = notification.deliveries.get()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.sent_at is not None


def test_a_signed_dingtalk_message_carries_a_valid_signature(receiver, send):
    send(Target("dingtalk", receiver.url("/robot/send?access_token=t"), secret="SECabc"))
    [request] = receiver.requests
    timestamp, sign = request.query["timestamp"][0], request.query["sign"][0]
    expected = hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()
    assert base64.b64decode(sign) == expected
    assert request.json["msgtype"] == "markdown"


def test_a_signed_feishu_message_carries_its_signature_in_the_body(receiver, send):
    receiver.default = (200, {"code": 0, "msg": "success", "data": {}}, {})
    notification = send(Target("feishu", receiver.url("/open-apis/bot/v2/hook/h"), secret="fs"))
    [request] = receiver.requests
    expected = hmac.new(f"{request.json['timestamp']}\nfs".encode(), b"", hashlib.sha256).digest()
    assert base64.b64decode(request.json["sign"]) == expected
    assert request.json["msg_type"] == "post"
    assert notification.deliveries.get().state == "sent"


def test_the_log_keeps_a_masked_address_and_forgets_the_key_once_sent(receiver, send):
    url = receiver.url("/robot/send?access_token=secret-token-1234")
    notification = send(Target("dingtalk", url, secret="SECabc"))
    delivery = notification.deliveries.get()
    assert delivery.address.endswith("/…1234")
    assert "secret-token" not in delivery.address
    assert (delivery.target_url, delivery.target_secret) == ("", "")


def test_nothing_is_sent_before_the_transaction_commits(receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify_targets(targets=[Target("wecom", receiver.url())], subject="S")
    assert receiver.requests == []
    assert len(callbacks) == 1
    assert notification.deliveries.get().state == "queued"


def test_a_receiver_answering_500_leaves_the_delivery_failed_for_a_retry(receiver, send):
    receiver.answer(500, b"upstream down")
    before = timezone.now()
    delivery = send(Target("wecom", receiver.url())).deliveries.get()
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == "HTTP 500: upstream down"
    assert (
        before + datetime.timedelta(seconds=59)
        < delivery.next_attempt_at
        < timezone.now() + datetime.timedelta(seconds=61)
    )


def test_a_platform_error_code_counts_as_a_failure(receiver, send):
    receiver.answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
    delivery = send(Target("wecom", receiver.url())).deliveries.get()
    assert delivery.state == "failed"
    assert delivery.last_error == "errcode 45009: api freq out of limit"


def test_a_failing_receiver_is_retried_then_given_up_with_the_error_logged(receiver, send, caplog):
    for _ in range(3):
        receiver.answer(500, b"still down")
    delivery = send(Target("wecom", receiver.url())).deliveries.get()
    for _ in range(2):
        make_due(delivery)
        assert retry_due_deliveries() == 1
    delivery.refresh_from_db()
    assert len(receiver.requests) == 3
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("gave_up", 3, None)
    assert delivery.last_error == "HTTP 500: still down"
    assert any("gave up" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_a_retry_that_succeeds_marks_the_delivery_sent(receiver, send):
    receiver.answer(503, b"busy")
    delivery = send(Target("wecom", receiver.url())).deliveries.get()
    make_due(delivery)
    retry_due_deliveries()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 2, "")


def test_a_failed_delivery_is_not_retried_before_it_is_due(receiver, send):
    receiver.answer(500)
    delivery = send(Target("wecom", receiver.url())).deliveries.get()
    assert retry_due_deliveries() == 0
    assert deliver(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1


def test_a_sent_delivery_is_never_sent_again(receiver, send):
    delivery = send(Target("wecom", receiver.url())).deliveries.get()
    assert deliver(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1


def test_a_client_error_from_the_receiver_is_given_up_at_once(receiver, send):
    receiver.answer(404, b"no such robot")
    delivery = send(Target("wecom", receiver.url())).deliveries.get()
    assert (delivery.state, delivery.attempts) == ("gave_up", 1)
    assert delivery.last_error == "HTTP 404: no such robot"


def test_a_redirect_is_not_followed(receiver, send):
    receiver.answer(302, b"", {"Location": "https://elsewhere.example/steal"})
    delivery = send(Target("wecom", receiver.url())).deliveries.get()
    assert len(receiver.requests) == 1
    assert delivery.state == "gave_up"
    assert "redirects are not followed" in delivery.last_error


def test_an_unreachable_receiver_is_a_failure_to_retry(settings, send):
    settings.NOTIFY_ALLOW_HTTP_LOOPBACK = True
    delivery = send(Target("wecom", closed_port_url())).deliveries.get()
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert "ConnectionError" in delivery.last_error


def test_an_answer_that_is_not_json_is_a_failure(receiver, send):
    receiver.answer(200, b"<html>proxy login</html>")
    delivery = send(Target("wecom", receiver.url())).deliveries.get()
    assert delivery.state == "failed"
    assert "not JSON" in delivery.last_error


def test_when_celery_cannot_take_the_task_the_delivery_waits_for_the_periodic_job(
    receiver, send, monkeypatch, caplog
):
    from servicescore.core import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliver_task, "delay", broker_down)
    delivery = send(Target("wecom", receiver.url())).deliveries.get()
    assert (delivery.state, receiver.requests) == ("queued", [])
    assert "retry_due_deliveries will send it" in caplog.text
    monkeypatch.undo()
    make_due(delivery)
    retry_due_deliveries()
    delivery.refresh_from_db()
    assert delivery.state == "sent"


def test_a_plain_http_webhook_elsewhere_is_refused_with_a_clear_message(settings):
    settings.NOTIFY_ALLOW_HTTP_LOOPBACK = True
    with pytest.raises(Invalid) as refused, translation.override("en"):
        notify_targets(targets=[Target("wecom", "http://qyapi.weixin.qq.com/send?key=k")], subject="S")
    assert refused.value.domain_code == "webhook_address"
    assert "Use an https:// address" in str(refused.value)
    assert not Delivery.objects.exists()


def test_the_retry_command_sends_the_due_deliveries(receiver, send):
    from io import StringIO

    from django.core.management import call_command

    receiver.answer(500)
    delivery = send(Target("wecom", receiver.url())).deliveries.get()
    make_due(delivery)
    out = StringIO()
    call_command("retry_due_deliveries", stdout=out)
    delivery.refresh_from_db()
    assert delivery.state == "sent"
    assert out.getvalue().startswith("1 ")
