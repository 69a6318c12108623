"""Notifications through a real Celery worker with Redis as broker (scripts/services-up.sh
redis starts it) to a real SMTP server and a real webhook receiver on loopback: a message
gets through, and a failing receiver is retried by the worker and then given up, logged."""

import threading

import pytest
from celery.signals import task_postrun
from django.db import transaction

from servicescore.core.models import Delivery
from servicescore.core.notify import notify
from servicescore.org.models import UnitChannel
from servicescore.org.notify import notify_unit

from ..celery_worker import worker_on_redis
from .notify_receivers import HttpReceiver, SmtpServer

REDIS = "redis://127.0.0.1:6379/13"
WAIT_SECONDS = 60


@pytest.fixture
def worker():
    with worker_on_redis(REDIS, purge=True):
        yield


@pytest.fixture
def finished():
    """finished(ids) waits until the worker has left each delivery sent or given up."""
    done: dict[int, str] = {}
    changed = threading.Condition()

    def record(sender=None, args=None, retval=None, **kwargs):
        if (
            sender is not None
            and sender.name == "core.deliver_notification"
            and retval in ("sent", "gave_up")
        ):
            with changed:
                done[args[0]] = retval
                changed.notify_all()

    task_postrun.connect(record, weak=False)

    def wait(ids):
        with changed:
            assert changed.wait_for(lambda: set(ids) <= set(done), timeout=WAIT_SECONDS), done
        return {pk: done[pk] for pk in ids}

    yield wait
    task_postrun.disconnect(record)


@pytest.fixture
def receivers(settings):
    settings.NOTIFY_ALLOW_HTTP_LOOPBACK = True
    with HttpReceiver() as http, SmtpServer() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = smtp.port
        yield http, smtp


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_delivers_to_smtp_and_to_a_group_robot(network, receivers, worker, finished):
    http, smtp = receivers
    network.tech.user.email = "t1@acme.example"
    network.tech.user.save()
    UnitChannel.objects.create(org_unit=network.sc1, kind="wecom", address=http.url("/send?key=k"))
    with transaction.atomic():
        to_user = notify(recipients=[network.tech.user], subject="请完成自评", link="/scores/")
        to_unit = notify_unit(unit=network.t11, subject="机电一组超时 2 张")
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert finished(ids) == {pk: "sent" for pk in ids}
    assert smtp.messages[0].rcpt_tos == ["t1@acme.example"]
    assert "机电一组超时 2 张" in http.requests[0].json["markdown"]["content"]
    assert to_user.inbox_messages.get().user == network.tech.user
    assert to_unit.deliveries.get().state == "sent"


@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_a_failing_receiver_and_then_gives_up(
    network, receivers, worker, finished, settings
):
    http, _smtp = receivers
    settings.NOTIFY_RETRY_DELAYS = [0, 0]
    http.default = (500, b"down", {})
    UnitChannel.objects.create(org_unit=network.sc1, kind="wecom", address=http.url("/send?key=k"))
    with transaction.atomic():
        notification = notify_unit(unit=network.sc1, subject="告警")
    delivery = notification.deliveries.get()
    assert finished([delivery.pk]) == {delivery.pk: "gave_up"}
    delivery.refresh_from_db()
    assert len(http.requests) == 3
    assert (delivery.attempts, delivery.last_error) == (3, "HTTP 500: down")
