"""The error codes of customer voice, complaints (core/errors.py)."""

from servicescore.core.errors import Invalid, NotFound, Refused, declare

AREA = "customer voice"

COMPLAINT_ROLE = declare(
    "complaint_role_not_allowed",
    Refused,
    "The caller's role may not register or handle complaints (voice.policy).",
    area=AREA,
)
COMPLAINT_NOT_FOUND = declare(
    "complaint_not_found",
    NotFound,
    "No such complaint, attachment or employee the caller can see.",
    area=AREA,
)
COMPLAINT_WRONG_STATE = declare(
    "complaint_wrong_state",
    Invalid,
    "The complaint's state does not allow this step (e.g. closing one not yet resolved).",
    area=AREA,
)
COMPLAINT_REASON_REQUIRED = declare(
    "complaint_reason_required",
    Invalid,
    "Determining the responsible people or declaring a complaint not valid needs a reason.",
    area=AREA,
)
COMPLAINT_SUMMARY_REQUIRED = declare(
    "complaint_summary_required", Invalid, "A complaint needs a summary.", area=AREA
)
COMPLAINT_BAD_INPUT = declare(
    "complaint_bad_input",
    Invalid,
    "A field of the complaint is invalid (an unknown source, a date in the future, an empty note).",
    area=AREA,
)
COMPLAINT_NO_PEOPLE = declare(
    "complaint_no_responsible",
    Invalid,
    "Determining responsibility needs at least one responsible employee.",
    area=AREA,
)
COMPLAINT_DECIDER_CONCERNED = declare(
    "complaint_decider_concerned",
    Refused,
    "The caller is among the people the complaint concerns and may not decide it.",
    area=AREA,
)
COMPLAINT_BAD_HANDLER = declare(
    "complaint_bad_handler",
    Invalid,
    "The handler must be an active customer-service agent or manager the caller can see.",
    area=AREA,
)
COMPLAINT_BAD_FILE = declare(
    "complaint_bad_file",
    Invalid,
    "The evidence file is not an accepted document or image, or is too large.",
    area=AREA,
)
PRAISE_ROLE = declare(
    "praise_role_not_allowed", Refused, "The caller's role may not record praise (voice.policy).", area=AREA
)
PRAISE_BAD_INPUT = declare(
    "praise_bad_input",
    Invalid,
    "A field of the praise is invalid (an unknown kind, a future date, an employee out of scope).",
    area=AREA,
)
