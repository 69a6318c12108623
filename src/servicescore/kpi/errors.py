"""The error codes of kpi (core/errors.py): what a company's own indicators and their
figures are refused for, each declared once with its status and meaning."""

from servicescore.core.errors import Invalid, declare

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
