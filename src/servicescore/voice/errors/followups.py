"""The error codes of customer voice, followups (core/errors.py)."""

from servicescore.core.errors import Conflict, Invalid, NotFound, Refused, declare

AREA = "customer voice"

FOLLOWUP_ROLE = declare(
    "followup_role_not_allowed",
    Refused,
    "The caller's role may not work the follow-up queue, add an order to it or change the "
    "customer-voice settings (voice.policy).",
    area=AREA,
)
FOLLOWUP_NO_EMPLOYEE = declare(
    "followup_no_employee",
    Refused,
    "A follow-up call is recorded for an agent: the caller's account has no active employee record.",
    area=AREA,
)
FOLLOWUP_NOT_FOUND = declare(
    "followup_not_found",
    NotFound,
    "No such follow-up task or work order in the caller's scope (voice/scope_followups.py).",
    area=AREA,
)
FOLLOWUP_TASK_NOT_OPEN = declare(
    "followup_task_not_open",
    Conflict,
    "The follow-up task is no longer open (reached, unreachable or cancelled): nothing was written.",
    area=AREA,
)
FOLLOWUP_TASK_TAKEN = declare(
    "followup_task_taken",
    Conflict,
    "Another agent has taken the follow-up task.",
    area=AREA,
)
FOLLOWUP_ALREADY_QUEUED = declare(
    "followup_already_queued",
    Conflict,
    "The work order already has an open follow-up task.",
    area=AREA,
)
FOLLOWUP_ORDER_NOT_CLOSED = declare(
    "followup_order_not_closed",
    Invalid,
    "Only a closed work order can be added to the follow-up queue.",
    area=AREA,
)
FOLLOWUP_SATISFACTION_RANGE = declare(
    "followup_satisfaction_out_of_range",
    Invalid,
    "The satisfaction of a follow-up call is a whole number from 1 to 5.",
    area=AREA,
)
FOLLOWUP_SATISFACTION_NOT_REACHED = declare(
    "followup_satisfaction_not_reached",
    Invalid,
    "A satisfaction, issues or a complaint were given for a call that did not reach the customer.",
    area=AREA,
)
FOLLOWUP_ISSUES_REQUIRED = declare(
    "followup_issues_required",
    Invalid,
    "Opening a complaint from a follow-up call needs the issues the customer raised.",
    area=AREA,
)
FOLLOWUP_TEXT_TOO_LONG = declare(
    "followup_text_too_long",
    Invalid,
    "A follow-up call's note or issues exceed 5,000 characters.",
    area=AREA,
)
VOICE_SETTINGS_INVALID = declare(
    "voice_settings_invalid",
    Invalid,
    "A customer-voice setting is unknown or out of its range; the field says which. Nothing was written.",
    area=AREA,
)
