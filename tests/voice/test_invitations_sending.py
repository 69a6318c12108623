"""Sending the survey invitations that are due (voice/services/invitations.py): an SMS to
the customer's phone through settings.SMS_GATEWAY and a real e-mail through a loopback
SMTP server, each delivery logged; once only, even when two runs meet; one reminder;
expiry. Tasks run inline."""

import datetime
import email
import logging
import threading

import pytest
from django.db import connection
from django.utils import timezone, translation

from servicescore.core.audit import history_of
from servicescore.core.models import Delivery
from servicescore.core.notify.sms import SmsGatewayError
from servicescore.org.models import UnitChannel
from servicescore.org.notify import notify_unit
from servicescore.voice.models import SurveyInvitation, SurveyResponse, VoicePolicy
from servicescore.voice.services.invitations import (
    expire_invitations,
    process_invitations,
    remind_unanswered_invitations,
    send_due_invitations,
)

from ..core.notify_receivers import HttpReceiver, SmtpServer
from .invitations_support import closed_order

SITE = "https://ss.acme.example"


class RecordingGateway:
    """An SMS gateway that keeps what it was given (settings.SMS_GATEWAY in these tests)."""

    sent: list = []
    fail_with: SmsGatewayError | None = None

    def send(self, phone, text):
        if RecordingGateway.fail_with is not None:
            raise RecordingGateway.fail_with
        RecordingGateway.sent.append((phone, text))


@pytest.fixture(autouse=True)
def site(settings):
    settings.NOTIFY_SITE_URL = SITE
    settings.SMS_GATEWAY = "tests.voice.test_invitations_sending.RecordingGateway"
    RecordingGateway.sent = []
    RecordingGateway.fail_with = None
    with translation.override("en"):
        yield


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.DEFAULT_FROM_EMAIL = "servicescore@acme.example"
        yield server


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """send(now) runs the periodic job's sending step and its deliveries (after commit)."""

    def run(now=None, step=send_due_invitations):
        with django_capture_on_commit_callbacks(execute=True):
            return step(now=now or later(hours=3))

    return run


def later(**delta):
    return timezone.now() + datetime.timedelta(**delta)


def invitation_of(order):
    return SurveyInvitation.objects.get(work_order=order)


@pytest.mark.django_db
def test_a_due_invitation_goes_to_the_customers_phone_through_the_gateway(network, send):
    order = closed_order(network, phone="13812345678", language="en")
    assert send() == 1
    [(phone, text)] = RecordingGateway.sent
    invitation = invitation_of(order)
    assert phone == "13812345678"
    assert f"{SITE}/s/{invitation.token}/" in text
    assert "上海浦东服务中心" in text


@pytest.mark.django_db
def test_a_sent_invitation_records_when_where_and_the_masked_phone(network, send):
    order = closed_order(network, phone="13812345678")
    now = later(hours=3)
    send(now)
    invitation = invitation_of(order)
    assert (invitation.state, invitation.sent_at, invitation.channel) == ("sent", now, "sms")
    assert invitation.recipient == "138****5678"
    assert history_of(invitation).get(action="send").changes["state"] == ["scheduled", "sent"]


@pytest.mark.django_db
def test_the_sms_delivery_is_logged_sent_with_the_phone_masked_and_not_kept(network, send):
    order = closed_order(network, phone="13812345678")
    send()
    delivery = invitation_of(order).notification.deliveries.get()
    assert (delivery.channel, delivery.address, delivery.state, delivery.target_url) == (
        "sms",
        "138****5678",
        "sent",
        "",
    )


@pytest.mark.django_db
def test_the_default_gateway_logs_the_message_and_the_delivery_counts_as_sent(
    network, send, settings, caplog
):
    settings.SMS_GATEWAY = "servicescore.core.notify.sms.LoggingSmsGateway"
    order = closed_order(network, phone="13812345678")
    with caplog.at_level(logging.INFO, logger="servicescore.core.notify.sms"):
        send()
    [record] = [r for r in caplog.records if r.name == "servicescore.core.notify.sms"]
    assert "138****5678" in record.getMessage() and invitation_of(order).token in record.getMessage()
    assert "13812345678" not in record.getMessage()
    assert invitation_of(order).notification.deliveries.get().state == "sent"


@pytest.mark.django_db
def test_a_gateway_outage_is_retried_later_like_any_delivery(network, send):
    RecordingGateway.fail_with = SmsGatewayError("provider busy")
    order = closed_order(network)
    send()
    delivery = invitation_of(order).notification.deliveries.get()
    assert (delivery.state, delivery.last_error) == ("failed", "SMS gateway: provider busy")
    assert delivery.target_url == "13812341234"


@pytest.mark.django_db
def test_a_customer_with_an_email_address_gets_a_real_email(network, send, smtp):
    order = closed_order(network, phone="", email="wang@example.com", language="en")
    assert send() == 1
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["wang@example.com"]
    message = email.message_from_bytes(envelope.content)
    text = message.get_payload(decode=True).decode(message.get_content_charset())
    assert "Thank you for choosing 上海浦东服务中心" in text
    assert f"{SITE}/s/{invitation_of(order).token}/" in text
    invitation = invitation_of(order)
    assert (invitation.channel, invitation.recipient) == ("email", "w***@example.com")


@pytest.mark.django_db
def test_a_customer_with_phone_and_email_gets_both(network, send, smtp):
    order = closed_order(network, phone="13812345678", email="wang@example.com")
    send()
    deliveries = invitation_of(order).notification.deliveries.order_by("channel")
    assert [(d.channel, d.state) for d in deliveries] == [("email", "sent"), ("sms", "sent")]
    assert len(smtp.messages) == 1 and len(RecordingGateway.sent) == 1
    assert invitation_of(order).recipient == "138****5678, w***@example.com"


@pytest.mark.django_db
def test_an_invitation_is_not_sent_before_its_time(network, send):
    order = closed_order(network)
    assert send(now=later(minutes=60)) == 0
    assert invitation_of(order).state == "scheduled" and RecordingGateway.sent == []


@pytest.mark.django_db
def test_running_the_job_twice_sends_the_invitation_once(network, send):
    order = closed_order(network)
    assert send() == 1
    assert send() == 0
    assert len(RecordingGateway.sent) == 1
    assert Delivery.objects.filter(notification=invitation_of(order).notification).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_each_invitation_once(network):
    orders = [closed_order(network, phone=f"1381234{n:04d}") for n in range(4)]
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def run():
        try:
            barrier.wait()
            counts.append(send_due_invitations(now=later(hours=3)))
        except Exception as error:  # reported below, with the other thread's count
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and sum(counts) == 4, (counts, errors)
    assert sorted(phone for phone, _text in RecordingGateway.sent) == [f"1381234{n:04d}" for n in range(4)]
    assert {invitation_of(o).state for o in orders} == {"sent"}
    assert Delivery.objects.count() == 4


@pytest.mark.django_db
def test_a_customer_who_lost_phone_and_email_before_sending_is_undeliverable(network, send):
    order = closed_order(network)
    order.customer.phone = ""
    order.customer.save()
    assert send() == 0
    assert invitation_of(order).state == "undeliverable"
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_an_undeliverable_invitation_is_never_sent(network, send):
    order = closed_order(network, phone="", email="")
    assert send() == 0
    assert invitation_of(order).state == "undeliverable"


@pytest.mark.django_db
def test_an_unanswered_invitation_gets_one_reminder_after_the_reminder_hours(network, send):
    order = closed_order(network, language="en")
    send(later(hours=3))
    assert send(later(hours=40), step=remind_unanswered_invitations) == 0
    assert send(later(hours=52), step=remind_unanswered_invitations) == 1
    assert send(later(hours=60), step=remind_unanswered_invitations) == 0
    first, reminder = RecordingGateway.sent
    assert "reminder" in reminder[1] and invitation_of(order).token in reminder[1]
    assert invitation_of(order).reminded_at is not None


@pytest.mark.django_db
def test_an_answered_invitation_gets_no_reminder(network, send):
    order = closed_order(network)
    send(later(hours=3))
    invitation = invitation_of(order)
    invitation.response = SurveyResponse.objects.create(
        work_order=order, submitted_at=later(hours=4), overall=5
    )
    invitation.state = "answered"
    invitation.save()
    assert send(later(hours=52), step=remind_unanswered_invitations) == 0
    assert len(RecordingGateway.sent) == 1


@pytest.mark.django_db
def test_no_reminder_when_the_settings_say_zero_hours(network, send):
    VoicePolicy.objects.create(survey_reminder_hours=0)
    closed_order(network)
    send(later(hours=3))
    assert send(later(days=6), step=remind_unanswered_invitations) == 0


@pytest.mark.django_db
def test_an_unanswered_invitation_past_its_expiry_expires(network, send):
    order = closed_order(network)
    send(later(hours=3))
    assert expire_invitations(now=later(days=6)) == 0
    assert expire_invitations(now=later(days=8)) == 1
    invitation = invitation_of(order)
    assert invitation.state == "expired"
    assert history_of(invitation).get(action="expire").changes == {"state": ["sent", "expired"]}
    assert expire_invitations(now=later(days=9)) == 0


@pytest.mark.django_db
def test_an_answered_invitation_does_not_expire(network, send):
    order = closed_order(network)
    send(later(hours=3))
    invitation = invitation_of(order)
    invitation.response = SurveyResponse.objects.create(
        work_order=order, submitted_at=later(hours=4), overall=4
    )
    invitation.state = "answered"
    invitation.save()
    assert expire_invitations(now=later(days=8)) == 0
    assert invitation_of(order).state == "answered"


@pytest.mark.django_db
def test_a_scheduled_invitation_found_after_its_expiry_expires_unsent(network, send):
    order = closed_order(network)
    counts = send(later(days=8), step=process_invitations)
    assert counts == {"expired": 1, "sent": 0, "reminded": 0}
    assert invitation_of(order).state == "expired" and RecordingGateway.sent == []


@pytest.mark.django_db
def test_a_cancelled_invitation_is_not_sent(network, send):
    order = closed_order(network)
    SurveyInvitation.objects.filter(work_order=order).update(state="cancelled")
    assert send() == 0 and RecordingGateway.sent == []


@pytest.mark.django_db
def test_a_units_robot_still_gets_its_webhook_beside_the_customers_sms(network, send, settings):
    """The customer's messages add the SMS channel; the group robots' real webhook is
    unaffected (the customers' channels hold no robot)."""
    settings.NOTIFY_ALLOW_HTTP_LOOPBACK = True
    closed_order(network)
    with HttpReceiver() as http:
        UnitChannel.objects.create(org_unit=network.sc1, kind="wecom", address=http.url("/send?key=k"))
        send()
        with translation.override("zh-hans"):
            send(step=lambda now: notify_unit(unit=network.sc1, subject="本周满意度 4.8") and 0)
        assert "本周满意度 4.8" in http.requests[0].json["markdown"]["content"]
    assert sorted(Delivery.objects.values_list("channel", "state")) == [("sms", "sent"), ("wecom", "sent")]


@pytest.mark.django_db
def test_the_message_is_in_the_customers_language_whatever_the_active_one(network, send):
    closed_order(network, language="en")
    with translation.override("zh-hans"):
        send()
    assert "Thank you for choosing 上海浦东服务中心" in RecordingGateway.sent[0][1]


@pytest.mark.django_db
def test_without_a_broker_the_task_runs_the_job_in_process(network, django_capture_on_commit_callbacks):
    from servicescore.voice.tasks import send_survey_invitations_task

    VoicePolicy.objects.create(survey_delay_minutes=0)
    order = closed_order(network)
    with django_capture_on_commit_callbacks(execute=True):
        result = send_survey_invitations_task.delay().get()
    assert result == {"expired": 0, "sent": 1, "reminded": 0}
    assert invitation_of(order).notification.deliveries.get().state == "sent"


@pytest.mark.django_db
def test_the_command_for_cron_runs_the_job_and_prints_its_counts(network, django_capture_on_commit_callbacks):
    import io

    from django.core.management import call_command

    VoicePolicy.objects.create(survey_delay_minutes=0)
    closed_order(network)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_survey_invitations", stdout=out)
    assert out.getvalue().strip() == '{"expired": 0, "sent": 1, "reminded": 0}'
    assert len(RecordingGateway.sent) == 1


def test_beat_runs_the_job_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["voice-send-survey-invitations"]
    assert (entry["task"], entry["schedule"]) == ("voice.send_survey_invitations", 300.0)
