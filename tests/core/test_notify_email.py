"""E-mail notifications through Django's SMTP backend to a real SMTP server on loopback
(aiosmtpd); tasks run inline."""

import email
import logging

import pytest

from servicescore.core.models import Delivery, InboxMessage
from servicescore.core.notify import notify

from ..factories import UserFactory
from .notify_receivers import SmtpServer, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.DEFAULT_FROM_EMAIL = "servicescore@acme.example"
        settings.NOTIFY_SITE_URL = "https://ss.acme.example"
        yield server


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def send_to(*users, channels=("inbox", "email")):
        with django_capture_on_commit_callbacks(execute=True):
            return notify(
                recipients=users,
                subject="请完成本月自评",
                body="截止 11 月 5 日。",
                link="/scores/",
                kind="review_reminder",
                channels=channels,
            )

    return send_to


def test_a_user_gets_the_email_on_the_smtp_server(smtp, send):
    user = UserFactory(email="t1@acme.example")
    send(user, channels=("email",))
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["t1@acme.example"]
    assert envelope.mail_from == "servicescore@acme.example"
    message = email.message_from_bytes(envelope.content)
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == "请完成本月自评"


def test_the_email_carries_the_text_and_an_absolute_link(smtp, send):
    send(UserFactory(email="t1@acme.example"), channels=("email",))
    message = email.message_from_bytes(smtp.messages[0].content)
    text = message.get_payload(decode=True).decode(message.get_content_charset())
    # SMTP carries lines ending in CRLF.
    assert text.replace("\r\n", "\n").strip() == "截止 11 月 5 日。\n\nhttps://ss.acme.example/scores/"


def test_a_sent_email_is_logged_with_the_address(smtp, send):
    notification = send(UserFactory(email="t1@acme.example"), channels=("email",))
    delivery = notification.deliveries.get()
    assert (delivery.channel, delivery.address, delivery.state, delivery.attempts) == (
        "email",
        "t1@acme.example",
        "sent",
        1,
    )


def test_a_refused_recipient_is_given_up_at_once_with_the_servers_answer(smtp, send, caplog):
    smtp.handler.refused.add("gone@acme.example")
    notification = send(UserFactory(email="gone@acme.example"), channels=("email",))
    delivery = notification.deliveries.get()
    assert (delivery.state, delivery.attempts) == ("gave_up", 1)
    assert "550" in delivery.last_error and "mailbox unavailable" in delivery.last_error
    assert any(r.levelno == logging.WARNING and "gave up" in r.getMessage() for r in caplog.records)


def test_an_smtp_server_that_is_down_is_a_failure_to_retry(settings, send):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    delivery = send(UserFactory(email="t1@acme.example"), channels=("email",)).deliveries.get()
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert delivery.last_error.startswith("SMTP: ConnectionRefusedError")


def test_a_user_without_an_address_is_logged_as_not_mailed(smtp, send):
    delivery = send(UserFactory(email=""), channels=("email",)).deliveries.get()
    assert smtp.messages == []
    assert (delivery.state, delivery.attempts) == ("gave_up", 0)
    assert delivery.last_error


def test_the_inbox_is_written_at_once_without_a_delivery(send, django_capture_on_commit_callbacks):
    user = UserFactory(email="")
    notification = send(user, channels=("inbox",))
    assert InboxMessage.objects.get().user == user
    assert not Delivery.objects.filter(notification=notification).exists()


def test_an_inactive_account_is_not_notified(smtp, send):
    send(UserFactory(email="left@acme.example", is_active=False))
    assert smtp.messages == []
    assert not InboxMessage.objects.exists()
    assert not Delivery.objects.exists()


def test_each_recipient_is_notified_once(smtp, send):
    user = UserFactory(email="t1@acme.example")
    send(user, user)
    assert len(smtp.messages) == 1
    assert InboxMessage.objects.count() == 1


def test_users_are_not_notified_over_robot_channels():
    with pytest.raises(ValueError, match="inbox or by e-mail"):
        notify(recipients=[], subject="S", channels=("wecom",))
