"""The error codes of customer voice, invitations (core/errors.py)."""

from servicescore.core.errors import Conflict, Refused, declare

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
