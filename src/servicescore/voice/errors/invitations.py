"""The error codes of customer voice, invitations (core/errors.py)."""

from servicescore.core.errors import Conflict, Invalid, Refused, declare

AREA = "customer voice"

SURVEY_SEND_NOT_ALLOWED = declare(
    "survey_send_not_allowed",
    Refused,
    "Only service advisors, service managers and administrators send a work order's survey by hand.",
    area=AREA,
)
SURVEY_ORDER_NOT_FINISHED = declare(
    "survey_order_not_finished",
    Conflict,
    "A survey is sent for a completed or closed work order only (not an open or cancelled one).",
    area=AREA,
)
SURVEY_INVITATION_OVER = declare(
    "survey_invitation_over",
    Conflict,
    "The work order's survey was already answered, has expired or was cancelled: it cannot be sent again.",
    area=AREA,
)
SURVEY_SEND_ANSWERED = declare(
    "survey_send_already_answered",
    Conflict,
    "The customer already answered the work order's survey: it is not sent again.",
    area=AREA,
)
SURVEY_SEND_NO_CONTACT = declare(
    "survey_send_no_contact",
    Conflict,
    "The customer has no phone number (SMS) or no e-mail address (e-mail) to send the survey to.",
    area=AREA,
)
SURVEY_SEND_CHANNEL_UNKNOWN = declare(
    "survey_send_channel_unknown",
    Invalid,
    "A survey is sent by hand as a WeCom card (`wecom`), a QR code (`qr`), an SMS (`sms`) "
    "or an e-mail (`email`).",
    area=AREA,
)
