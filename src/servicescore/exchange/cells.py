"""Cell parsers for the exchange formats (import-formats.md, General rules).

Each parser takes the cell's text (already stripped; never empty — empty cells are "not
given" and handled by the caller) and returns a Python value or raises `CellError` with a
message that names what is wrong and what is expected.
"""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _

from servicescore.core.periods import MONTH_RE, company_zone


class CellError(ValueError):
    """A cell that cannot be read; the message is shown as `row N, column C: message`."""


TRUE_WORDS = {"true", "1", "yes", "是", "y", "t"}
FALSE_WORDS = {"false", "0", "no", "否", "n", "f"}


def text(value: str, max_length: int | None = None) -> str:
    if max_length is not None and len(value) > max_length:
        raise CellError(
            _("too long: %(length)d characters, at most %(max)d")
            % {
                "length": len(value),
                "max": max_length,
            }
        )
    return value


# The languages whose labels a choice column accepts, whatever the reader's language.
LABEL_LANGUAGES = ("en", "zh-hans")
_CHOICE_LOOKUPS: dict = {}


def _normal(value: str) -> str:
    """How a choice is compared: full-width forms folded (NFKC), inner spaces collapsed,
    case ignored."""
    return " ".join(unicodedata.normalize("NFKC", value).split()).casefold()


def _pairs(choices) -> list[tuple[str, object]]:
    return list(choices.choices) if isinstance(choices, type) else list(choices)


def _choice_lookup(choices) -> dict[str, str]:
    """{normalised code or label: code}, built once per set of choices (a TextChoices class,
    or a list of (code, lazy label) pairs, told apart by its codes). A code wins over a
    label that spells another code; the English label over the Chinese one."""
    key = choices if isinstance(choices, type) else tuple(code for code, _label in choices)
    found = _CHOICE_LOOKUPS.get(key)
    if found is None:
        pairs = _pairs(choices)
        found = {}
        for code, _label in pairs:
            found.setdefault(_normal(code), code)
        for language in LABEL_LANGUAGES:
            with translation.override(language):
                for code, label in pairs:
                    found.setdefault(_normal(str(label)), code)
        _CHOICE_LOOKUPS[key] = found
    return found


def choice_labels(choices) -> list[tuple[str, str, str]]:
    """(code, English label, Chinese label) of every choice, in their order."""
    pairs = _pairs(choices)
    labels = {}
    for language in LABEL_LANGUAGES:
        with translation.override(language):
            labels[language] = [str(label) for _code, label in pairs]
    return [(code, en, zh) for (code, _label), en, zh in zip(pairs, *labels.values(), strict=True)]


def choice(value: str, choices) -> str:
    """One of the allowed codes, e.g. `maintenance`, given as the code or its label in
    English or Chinese (`Maintenance`, `保养`), in any case; the message lists them."""
    code = _choice_lookup(choices).get(_normal(value))
    if code is not None:
        return code
    raise CellError(
        _("unknown value %(value)s; use one of %(allowed)s")
        % {
            "value": value,
            "allowed": ", ".join(f"{code} ({label})" for code, label in _pairs(choices)),
        }
    )


def choice_parser(choices):
    """The parser of a choice column (kinds/base.py choice_column)."""

    def parse(value: str) -> str:
        return choice(value, choices)

    return parse


def boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise CellError(
        _("not a yes/no value: %(value)s; use true/false, 1/0, yes/no or 是/否") % {"value": value}
    )


def decimal(
    value: str, *, minimum=None, exclusive_minimum=None, maximum=None, places=2, digits=12
) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(
            _("not a number: %(value)s (use '.' as the decimal point)") % {"value": value}
        ) from None
    if not number.is_finite():
        raise CellError(_("not a number: %(value)s (use '.' as the decimal point)") % {"value": value})
    if exclusive_minimum is not None and number <= exclusive_minimum:
        raise CellError(
            _("must be greater than %(min)s, got %(value)s") % {"min": exclusive_minimum, "value": value}
        )
    if minimum is not None and number < minimum:
        if minimum == 0:
            raise CellError(_("must not be negative, got %(value)s") % {"value": value})
        raise CellError(_("must be at least %(min)s, got %(value)s") % {"min": minimum, "value": value})
    if maximum is not None and number > maximum:
        raise CellError(_("must be at most %(max)s, got %(value)s") % {"max": maximum, "value": value})
    if number.adjusted() >= digits - places:
        raise CellError(_("too large: %(value)s") % {"value": value})
    rounded = number.quantize(Decimal(1).scaleb(-places))
    if rounded != number:
        raise CellError(
            _("too many decimal places in %(value)s (at most %(places)d)")
            % {
                "value": value,
                "places": places,
            }
        )
    return rounded


def integer(value: str, *, minimum=None, maximum=None) -> int:
    try:
        number = Decimal(value)
        if number != number.to_integral_value():
            raise InvalidOperation
        result = int(number)
    except (InvalidOperation, ValueError):
        raise CellError(_("not a whole number: %(value)s") % {"value": value}) from None
    if minimum is not None and maximum is not None and not minimum <= result <= maximum:
        raise CellError(
            _("must be between %(min)d and %(max)d, got %(value)s")
            % {
                "min": minimum,
                "max": maximum,
                "value": value,
            }
        )
    if minimum is not None and result < minimum:
        raise CellError(_("must be at least %(min)d, got %(value)s") % {"min": minimum, "value": value})
    return result


# Year first, then month and day (one or two digits) with the same separator, '-' or '/';
# then, for a moment, the time ('T' or spaces before it; seconds and their fraction
# optional) and an optional offset. Year first is what makes them unambiguous.
MOMENT_RE = re.compile(
    r"(?P<year>\d{4})(?P<sep>[-/])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    r"(?:(?:T|\s+)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6}))?)?"
    r"\s*(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
# Day and month first (03/10/2026, 12/01/26): which is which cannot be told.
AMBIGUOUS_RE = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?:(?:T|\s+).*)?")
# An Excel date cell saved as a number in a CSV (or a cell not formatted as a date).
SERIAL_RE = re.compile(r"\d{5}(?:\.\d+)?")
EXAMPLE_MOMENT = "2026-10-03 09:15"


def accepted_moments() -> str:
    """The spellings a timestamp may take, for messages and the blank templates."""
    return _(
        "2026-10-03 09:15, 2026/10/03 09:15[:00], 2026-10-03T09:15:00+08:00 (ISO 8601) or an "
        "Excel date-time cell; without an offset the time is the company's local time"
    )


def accepted_dates() -> str:
    return _("2026-10-03, 2026/10/03 or an Excel date cell")


def _ambiguous(value: str, accepted: str) -> CellError:
    return CellError(
        _(
            "%(value)s is ambiguous: the day and the month cannot be told apart; write the year "
            "first: %(accepted)s"
        )
        % {"value": value, "accepted": accepted}
    )


def _not_a_moment(value: str) -> CellError:
    accepted = accepted_moments()
    if AMBIGUOUS_RE.fullmatch(value):
        return _ambiguous(value, accepted)
    if SERIAL_RE.fullmatch(value):
        return CellError(
            _(
                "%(value)s looks like an Excel date serial number; format the cell as a date and "
                "time. Accepted: %(accepted)s"
            )
            % {"value": value, "accepted": accepted}
        )
    return CellError(
        _("not a date and time: %(value)s; accepted: %(accepted)s") % {"value": value, "accepted": accepted}
    )


def _offset(text: str | None) -> datetime.tzinfo:
    if text is None:
        return company_zone()
    if text == "Z":
        return datetime.UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(text)
    delta = datetime.timedelta(hours=hours, minutes=minutes)
    return datetime.timezone(-delta if text[0] == "-" else delta)


def timestamp(value: str) -> datetime.datetime:
    """A moment: ISO 8601, or the spellings of Chinese spreadsheets (2026/10/03 09:15);
    with an offset it is exact, without one it is company-local time. A date alone is
    refused, and so is a day-first date (03/10/2026), which is ambiguous."""
    match = MOMENT_RE.fullmatch(value)
    if match is not None and match["hour"] is None:
        raise CellError(
            _("%(value)s is a date without a time; give a date and time: %(accepted)s")
            % {"value": value, "accepted": accepted_moments()}
        )
    if match is None:
        try:
            # The rest of ISO 8601 (basic format 20261003T0915, ...).
            if "T" not in value:
                raise ValueError(value)
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise _not_a_moment(value) from None
    else:
        try:
            moment = datetime.datetime(
                int(match["year"]),
                int(match["month"]),
                int(match["day"]),
                int(match["hour"]),
                int(match["minute"]),
                int(match["second"] or 0),
                int((match["fraction"] or "0").ljust(6, "0")),
                tzinfo=_offset(match["offset"]),
            )
        except ValueError:
            raise CellError(_("no such date or time: %(value)s") % {"value": value}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=company_zone())
    return moment.astimezone(datetime.UTC)


def date(value: str) -> datetime.date:
    """A day: 2026-10-03 or 2026/10/03 (month and day may have one digit), or an Excel
    date cell (read at midnight); a day-first date is refused as ambiguous."""
    match = MOMENT_RE.fullmatch(value)
    midnight = match is not None and (
        match["hour"] is None
        or (
            match["offset"] is None
            and int(match["hour"]) == int(match["minute"]) == int(match["second"] or 0) == 0
            and not int(match["fraction"] or 0)
        )
    )
    if not midnight:
        accepted = accepted_dates()
        if AMBIGUOUS_RE.fullmatch(value):
            raise _ambiguous(value, accepted)
        raise CellError(
            _("not a date: %(value)s; accepted: %(accepted)s") % {"value": value, "accepted": accepted}
        )
    try:
        return datetime.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise CellError(_("no such date: %(value)s") % {"value": value}) from None


def month(value: str) -> str:
    if not MONTH_RE.fullmatch(value):
        raise CellError(_("not a month in the form YYYY-MM: %(value)s") % {"value": value})
    return value


# --- writing cells back (export) ------------------------------------------------------


def format_timestamp(moment: datetime.datetime | None) -> str:
    """Company-local ISO 8601 with the offset, seconds precision unless there are more."""
    if moment is None:
        return ""
    local = moment.astimezone(company_zone())
    return local.isoformat(timespec="microseconds" if local.microsecond else "seconds")


def format_decimal(number: Decimal | None) -> str:
    if number is None:
        return ""
    normal = number.normalize()
    # normalize() turns 100 into 1E+2; write plain digits.
    return format(normal, "f")


def format_bool(value: bool | None) -> str:
    if value is None:
        return ""
    return "true" if value else "false"
