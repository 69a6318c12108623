"""The channels a delivery goes out on, one class per kind with one method:
`send(delivery)` returns when the far end accepted the message and raises DeliveryFailed
otherwise, saying whether trying again later may help. The in-app inbox is no channel
here: services write it directly, as nothing can fail on the way."""

import json
import smtplib
import time

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .robots import ROBOTS
from .sms import SmsGatewayError, sms_gateway

# A robot's answer is a few dozen bytes; a longer one is not read past this.
MAX_ANSWER_BYTES = 64 * 1024


class DeliveryFailed(Exception):
    """The message did not get through. `retryable`: a later attempt may succeed (the far
    end was down, busy or slow); False when it never will (an address refused for good)."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


def absolute_link(link: str) -> str:
    """A path in ServiceScore made a full URL with NOTIFY_SITE_URL, for mail and robots."""
    if not link or "://" in link or not settings.NOTIFY_SITE_URL:
        return link
    return settings.NOTIFY_SITE_URL.rstrip("/") + "/" + link.lstrip("/")


class EmailChannel:
    """Django mail (EMAIL_BACKEND, EMAIL_HOST...) to `delivery.address`."""

    kind = "email"

    def send(self, delivery) -> None:
        notification = delivery.notification
        link = absolute_link(notification.link)
        body = f"{notification.body}\n\n{link}" if link else notification.body
        message = EmailMessage(
            subject=notification.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[delivery.address],
            connection=get_connection(timeout=settings.NOTIFY_TIMEOUT_SECONDS),
        )
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            raise DeliveryFailed(
                f"SMTP refused the recipient: {_smtp_text(error.recipients)}",
                retryable=all(code < 500 for code in codes),
            ) from error
        except smtplib.SMTPResponseException as error:
            raise DeliveryFailed(
                f"SMTP {error.smtp_code}: {_decode(error.smtp_error)}", retryable=error.smtp_code < 500
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"SMTP: {error!r}") from error


class RobotChannel:
    """A group robot's webhook (robots.py): POST the platform's JSON, signed when the robot
    has a secret; redirects are never followed (the URL carries the key)."""

    def __init__(self, robot):
        self.robot = robot
        self.kind = robot.kind

    def send(self, delivery) -> None:
        notification = delivery.notification
        payload = self.robot.payload(
            subject=notification.subject, body=notification.body, link=absolute_link(notification.link)
        )
        url, payload = self.robot.sign(
            url=delivery.target_url, payload=payload, secret=delivery.target_secret, now=time.time()
        )
        try:
            response = requests.post(
                url,
                json=payload,
                timeout=settings.NOTIFY_TIMEOUT_SECONDS,
                allow_redirects=False,
                stream=True,
            )
        except requests.Timeout as error:
            raise DeliveryFailed(f"no answer within {settings.NOTIFY_TIMEOUT_SECONDS} s") from error
        except requests.RequestException as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
        with response:
            raw = response.raw.read(MAX_ANSWER_BYTES, decode_content=True)
        text = raw.decode("utf-8", errors="replace")
        status = response.status_code
        if 300 <= status < 400:
            raise DeliveryFailed(f"HTTP {status}: redirects are not followed", retryable=False)
        if status >= 400:
            # Too many requests and server errors pass; another 4xx is the address's fault.
            raise DeliveryFailed(f"HTTP {status}: {text[:500]}", retryable=status == 429 or status >= 500)
        try:
            answer = json.loads(raw)
        except ValueError as error:
            raise DeliveryFailed(f"HTTP {status}, answer is not JSON: {text[:500]}") from error
        refusal = self.robot.refusal(answer) if isinstance(answer, dict) else "the answer is not an object"
        if refusal:
            # Rate limits (WeCom 45009, DingTalk 130101) are refusals too: retried like an outage.
            raise DeliveryFailed(refusal)


class SmsChannel:
    """A text message to a customer's phone through settings.SMS_GATEWAY (sms.py). The
    phone waits in `delivery.target_url` while the delivery is pending (the log shows it
    masked) and is cleared with the robots' keys once it is sent or given up."""

    kind = "sms"

    def send(self, delivery) -> None:
        notification = delivery.notification
        parts = [notification.subject, notification.body, absolute_link(notification.link)]
        text = "\n".join(part for part in parts if part)
        try:
            sms_gateway().send(delivery.target_url, text)
        except SmsGatewayError as error:
            raise DeliveryFailed(f"SMS gateway: {error}", retryable=error.retryable) from error


def _decode(value) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def _smtp_text(recipients: dict) -> str:
    return "; ".join(f"{address} {code} {_decode(text)}" for address, (code, text) in recipients.items())


CHANNELS = {
    "email": EmailChannel(),
    "sms": SmsChannel(),
    **{kind: RobotChannel(robot) for kind, robot in ROBOTS.items()},
}


def channel_for(kind: str):
    return CHANNELS[kind]
