"""The error codes of customer voice, fraud (core/errors.py): the review of flagged survey
responses."""

from servicescore.core.errors import Conflict, Invalid, NotFound, Refused, declare

AREA = "customer voice"

REVIEW_ROLE = declare(
    "response_review_not_allowed",
    Refused,
    "The caller's role may not review flagged survey responses (voice.policy.may_review_responses).",
    area=AREA,
)
REVIEW_NOT_FOUND = declare(
    "response_review_not_found",
    NotFound,
    "No such survey response on a work order the caller can see.",
    area=AREA,
)
REVIEW_DECISION = declare(
    "response_review_bad_decision",
    Invalid,
    "The decision on a flagged survey response is neither `confirmed` nor `excluded`.",
    area=AREA,
)
REVIEW_REASON_REQUIRED = declare(
    "response_review_reason_required",
    Invalid,
    "Confirming or excluding a flagged survey response needs a reason (kept in the audit trail).",
    area=AREA,
)
REVIEW_NOT_PENDING = declare(
    "response_review_not_pending",
    Conflict,
    "The survey response is not waiting for review: it was never flagged or was already decided.",
    area=AREA,
)
