"""Text messages to a customer's phone, behind one small interface: a gateway is a class
with `send(phone, text)` that returns when the provider accepted the message and raises
SmsGatewayError otherwise. settings.SMS_GATEWAY names it by its dotted path.

The default gateway only writes the message to the log (and the delivery counts as sent):
ServiceScore ships with no SMS provider's account. A company that has one (阿里云短信,
腾讯云短信…) writes a class of a few lines and points SMS_GATEWAY at it.
"""

import logging
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from ..phones import mask_phone

logger = logging.getLogger(__name__)


class SmsGatewayError(Exception):
    """The provider did not take the message. `retryable`: a later attempt may succeed
    (the provider was down or busy); False when it never will (a number refused for good)."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class LoggingSmsGateway:
    """Logs each message (the phone masked) instead of sending it: the default."""

    def send(self, phone: str, text: str) -> None:
        logger.info(
            "SMS to %s (logged, not sent: SMS_GATEWAY is the logging gateway): %s", mask_phone(phone), text
        )


@cache
def _gateway_class(path: str):
    return import_string(path)


def sms_gateway():
    """A gateway instance of the class settings.SMS_GATEWAY names."""
    return _gateway_class(settings.SMS_GATEWAY)()
