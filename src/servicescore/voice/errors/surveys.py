"""The error codes of customer voice, surveys (core/errors.py)."""

from servicescore.core.errors import Conflict, DomainError, Invalid, NotFound, Refused, declare

AREA = "customer voice"


class Gone(DomainError):
    """The link existed but can no longer be answered (expired, cancelled)."""

    status = 410
    default_code = "gone"


# Templates (HR and administrators).
SURVEY_ADMIN_ONLY = declare(
    "survey_admin_only", Refused, "Only HR and administrators manage survey templates.", area=AREA
)
SURVEY_TEMPLATE_NAME_MISSING = declare(
    "survey_template_name_missing", Invalid, "A survey template needs a name.", area=AREA
)
SURVEY_TEMPLATE_TYPE_UNKNOWN = declare(
    "survey_template_type_unknown", Invalid, "The work-order type is not one of the known types.", area=AREA
)
SURVEY_TEMPLATE_NO_QUESTIONS = declare(
    "survey_template_no_questions", Invalid, "A survey template needs at least one question.", area=AREA
)
SURVEY_TEMPLATE_NEEDS_OVERALL = declare(
    "survey_template_needs_overall",
    Invalid,
    "A survey template needs a required rating question with the code `overall` (every response has one).",
    area=AREA,
)
SURVEY_QUESTION_CODE_INVALID = declare(
    "survey_question_code_invalid",
    Invalid,
    "A question code is empty or not a slug (letters, digits, - and _), at most 40 characters.",
    area=AREA,
)
SURVEY_QUESTION_CODE_TAKEN = declare(
    "survey_question_code_taken", Invalid, "Two questions of the template have the same code.", area=AREA
)
SURVEY_QUESTION_KIND_UNKNOWN = declare(
    "survey_question_kind_unknown",
    Invalid,
    "A question's kind is not rating, nps, text or choice.",
    area=AREA,
)
SURVEY_QUESTION_KIND_MISMATCH = declare(
    "survey_question_kind_mismatch",
    Invalid,
    "A reserved code has the wrong kind: overall, attitude, quality and speed are ratings, "
    "nps is NPS, comment is text.",
    area=AREA,
)
SURVEY_QUESTION_TEXT_MISSING = declare(
    "survey_question_text_missing", Invalid, "A question needs its Chinese wording.", area=AREA
)
SURVEY_QUESTION_TEXT_TOO_LONG = declare(
    "survey_question_text_too_long", Invalid, "A question's wording is longer than 300 characters.", area=AREA
)
SURVEY_CHOICE_WITHOUT_CHOICES = declare(
    "survey_choice_without_choices",
    Invalid,
    "A single-choice question needs at least two choices, each with a value and a label.",
    area=AREA,
)
SURVEY_TEMPLATE_DEFAULT_STAYS = declare(
    "survey_template_default_stays",
    Invalid,
    "The active default template cannot be switched off; activate another default instead.",
    area=AREA,
)

# The customer's answer (the public page, and the API later).
SURVEY_TOKEN_UNKNOWN = declare(
    "survey_token_unknown", NotFound, "No survey invitation has this token.", area=AREA
)
SURVEY_ALREADY_ANSWERED = declare(
    "survey_already_answered",
    Conflict,
    "The invitation was answered already; a token takes one answer.",
    area=AREA,
)
SURVEY_EXPIRED = declare(
    "survey_expired", Gone, "The invitation expired (its expiry passed, or it was marked expired).", area=AREA
)
SURVEY_CANCELLED = declare(
    "survey_cancelled", Gone, "The invitation or its work order was cancelled.", area=AREA
)
SURVEY_ANSWER_REQUIRED = declare(
    "survey_answer_required", Invalid, "A required question was not answered.", area=AREA
)
SURVEY_RATING_OUT_OF_RANGE = declare(
    "survey_rating_out_of_range", Invalid, "A rating is not a whole number from 1 to 5.", area=AREA
)
SURVEY_NPS_OUT_OF_RANGE = declare(
    "survey_nps_out_of_range",
    Invalid,
    "A recommendation score is not a whole number from 0 to 10.",
    area=AREA,
)
SURVEY_CHOICE_UNKNOWN = declare(
    "survey_choice_unknown",
    Invalid,
    "A single-choice answer is not one of the question's choices.",
    area=AREA,
)
SURVEY_TEXT_TOO_LONG = declare(
    "survey_text_too_long", Invalid, "A free-text answer is longer than 2,000 characters.", area=AREA
)
SURVEY_QUESTION_UNKNOWN = declare(
    "survey_question_unknown", Invalid, "An answer names a question the survey does not ask.", area=AREA
)
SURVEY_RATE_LIMITED = declare(
    "survey_rate_limited",
    429,
    "Too many requests for this survey link or from this address; try again later.",
    area=AREA,
)
