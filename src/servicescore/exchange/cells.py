"""Cell parsers for the exchange formats (import-formats.md, General rules).

Each parser takes the cell's text (already stripped; never empty — empty cells are "not
given" and handled by the caller) and returns a Python value or raises `CellError` with a
message that names what is wrong and what is expected.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from servicescore.core.periods import MONTH_RE, company_zone


class CellError(ValueError):
    """A cell that cannot be read; the message is shown as `row N, column C: message`."""


TRUE_WORDS = {"true", "1", "yes", "是", "y", "t"}
FALSE_WORDS = {"false", "0", "no", "否", "n", "f"}
DATE_ONLY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


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


def choice(value: str, choices) -> str:
    """One of the allowed codes, e.g. `repair`; the message lists them."""
    allowed = [c for c, _label in choices]
    if value in allowed:
        return value
    lowered = value.lower()
    if lowered in allowed:
        return lowered
    raise CellError(
        _("unknown value %(value)s; use one of %(allowed)s")
        % {
            "value": value,
            "allowed": "|".join(allowed),
        }
    )


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


def timestamp(value: str) -> datetime.datetime:
    """ISO 8601; with an offset it is exact, without one it is company-local time."""
    if DATE_ONLY_RE.fullmatch(value):
        raise CellError(
            _("%(value)s is a date without a time; give a timestamp such as 2026-10-03T09:15:00+08:00")
            % {"value": value}
        )
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CellError(
            _("not an ISO 8601 timestamp: %(value)s (expected e.g. 2026-10-03T09:15:00+08:00)")
            % {
                "value": value,
            }
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=company_zone())
    return moment.astimezone(datetime.UTC)


def date(value: str) -> datetime.date:
    match = DATE_RE.fullmatch(value)
    if match is None:
        raise CellError(_("not a date in the form YYYY-MM-DD: %(value)s") % {"value": value})
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
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
