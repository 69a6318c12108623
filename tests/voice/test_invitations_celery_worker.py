"""A real Celery worker on Redis (scripts/services-up.sh redis; skipped without it) runs
beat's survey-invitation job, and its delivery task sends the invitation to a real SMTP
server on loopback and to the SMS gateway (tests/core/test_notify_celery_worker.py)."""

import email
import threading

import pytest
from celery.signals import task_postrun

from servicescore.voice.models import SurveyInvitation, VoicePolicy
from servicescore.voice.tasks import send_survey_invitations_task

from ..celery_worker import worker_on_redis
from ..core.notify_receivers import SmtpServer
from .invitations_support import closed_order
from .test_invitations_sending import RecordingGateway

REDIS = "redis://127.0.0.1:6379/13"
WAIT_SECONDS = 60


@pytest.fixture
def worker():
    with worker_on_redis(REDIS, purge=True):
        yield


@pytest.fixture
def finished():
    """finished(name, count) waits until the worker has finished `count` tasks `name`."""
    done: dict[str, list] = {}
    changed = threading.Condition()

    def record(sender=None, retval=None, **kwargs):
        if sender is not None:
            with changed:
                done.setdefault(sender.name, []).append(retval)
                changed.notify_all()

    task_postrun.connect(record, weak=False)

    def wait(name, count=1):
        with changed:
            assert changed.wait_for(lambda: len(done.get(name, [])) >= count, timeout=WAIT_SECONDS), done
        return done[name]

    yield wait
    task_postrun.disconnect(record)


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.NOTIFY_SITE_URL = "https://ss.acme.example"
        settings.SMS_GATEWAY = "tests.voice.test_invitations_sending.RecordingGateway"
        RecordingGateway.sent = []
        RecordingGateway.fail_with = None
        yield server


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_sends_a_due_invitation_by_email_and_sms(network, smtp, worker, finished):
    VoicePolicy.objects.create(survey_delay_minutes=0)
    order = closed_order(network, phone="13812345678", email="wang@example.com")
    send_survey_invitations_task.delay()
    assert finished("voice.send_survey_invitations") == [{"expired": 0, "sent": 1, "reminded": 0}]
    assert sorted(finished("core.deliver_notification", 2)) == ["sent", "sent"]
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert invitation.state == "sent"
    [envelope] = smtp.messages
    message = email.message_from_bytes(envelope.content)
    text = message.get_payload(decode=True).decode(message.get_content_charset())
    assert f"https://ss.acme.example/s/{invitation.token}/" in text
    assert RecordingGateway.sent[0][0] == "13812345678"
