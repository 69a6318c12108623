"""The error codes of kpi (core/errors.py): what a company's own indicators and their
figures are refused for, each declared once with its status and meaning."""

from servicescore.core.errors import Conflict, Invalid, NotFound, Refused, declare

AREA = "kpi"

INDICATOR_CODE = declare(
    "indicator_code",
    Invalid,
    "An indicator code is capital letters, digits and '_', from a letter.",
    area=AREA,
)
FORMULA_SYNTAX = declare("formula_syntax", Invalid, "The formula does not parse.", area=AREA)
FORMULA_NOT_ALLOWED = declare(
    "formula_not_allowed",
    Invalid,
    "The formula uses a name, a call or a value a formula may not (only numbers, indicator codes, "
    "+ - * / ( ), comparisons, min, max, round, abs and if).",
    area=AREA,
)
FORMULA_UNKNOWN_INDICATOR = declare(
    "formula_unknown_indicator",
    Invalid,
    "The formula names an indicator the company does not have.",
    area=AREA,
)
FORMULA_CYCLE = declare(
    "formula_cycle",
    Invalid,
    "The formula makes a cycle with the company's other derived indicators.",
    area=AREA,
)
PERIOD_FORMAT = declare("period_format", Invalid, "A month is written YYYY-MM.", area=AREA)
RATING_COMMENT = declare(
    "rating_comment", Invalid, "A manual rating below 3 or of 5 needs a comment.", area=AREA
)
RECOMPUTE_RUNNING = declare(
    "recompute_running",
    Conflict,
    "A recompute is already queued or running (one runs at a time); nothing was queued.",
    area=AREA,
)
RECOMPUTE_NOT_ALLOWED = declare(
    "recompute_not_allowed",
    Refused,
    "Only HR and administrators recompute the company's figures.",
    area=AREA,
)
PERIOD_NOT_BEGUN = declare(
    "period_not_begun", Invalid, "The period has not begun: there is nothing to compute yet.", area=AREA
)
# Facts recorded on the facts page (kpi/services/facts.py)
FACT_NOT_ALLOWED = declare(
    "fact_not_allowed",
    Refused,
    "Only service managers (within their subtree), HR and administrators record facts, and nobody "
    "records a fact about themselves.",
    area=AREA,
)
FACT_UNKNOWN_INDICATOR = declare(
    "fact_unknown_indicator", Invalid, "The indicator is not one of the company's fact indicators.", area=AREA
)
FACT_SUBJECT = declare(
    "fact_subject",
    Invalid,
    "A fact belongs to exactly one employee or one org unit, not both, not neither.",
    area=AREA,
)
FACT_SUBJECT_NOT_FOUND = declare(
    "fact_subject_not_found",
    NotFound,
    "No such employee or org unit that the caller may record facts for (never says whether it exists).",
    area=AREA,
)
FACT_VALUE = declare(
    "fact_value",
    Invalid,
    "A fact's value is a number with at most 12 digits before the point and 4 after.",
    area=AREA,
)
FACT_TEXT_TOO_LONG = declare(
    "fact_text_too_long",
    Invalid,
    "A fact's note is at most 300 characters and its reference at most 100.",
    area=AREA,
)
FACT_ATTACHMENT = declare(
    "fact_attachment",
    Invalid,
    "A fact's attachment is a PDF or an image (JPEG, PNG, WebP, GIF) of at most 20 MB, judged by "
    "its content.",
    area=AREA,
)
FACT_EXISTS = declare(
    "fact_exists",
    Conflict,
    "A fact of this indicator, month and employee or org unit is already recorded; edit that one.",
    area=AREA,
)
