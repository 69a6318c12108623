"""What every router shares: the error shape, the formats of the values a request sends
(limit, cursor, period, date, datetime, decimal) — stated in the OpenAPI document and
enforced by the same annotation, so the two cannot drift —, keyset cursors and small
converters."""

import base64
import datetime
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.parser import Parser
from ninja.schema import DjangoGetter
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from servicescore.core.errors import declare, error_items

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

# --- the error shape -----------------------------------------------------------------------

# The `code` of an error answer when no more specific one applies.
STATUS_CODES = {
    400: declare(
        "malformed_body",
        400,
        "The body is not JSON (or not multipart for a file upload); the message says where it breaks.",
        area="API",
    ),
    401: declare(
        "unauthenticated",
        401,
        "No credentials, or a wrong, expired or revoked token; the message says which.",
        area="API",
    ),
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: declare("too_large", 413, "The body or the file is over the size limit.", area="API"),
    422: "invalid",
    429: declare(
        "rate_limited", 429, "The rate limit is reached; `Retry-After` says in how many seconds.", area="API"
    ),
}

# The codes of a parameter or body field the API itself refuses (its formats below, and
# the schema's checks that main.py names).
for _code, _meaning in (
    ("required", "A required parameter or body field is missing."),
    ("object_expected", "The body, or a field, must be a JSON object."),
    ("invalid_integer", "Not a whole number."),
    ("invalid_number", "Not a number."),
    ("invalid_boolean", "Not `true` or `false`."),
    ("invalid_string", "Not text."),
    ("invalid_list", "Not a list."),
    ("invalid_choice", "Not one of the values the document lists."),
    ("out_of_range", "A number outside the documented bounds."),
    ("invalid_limit", "`limit` is not an integer from 1 to 500."),
    ("invalid_cursor", "`cursor` is not the `next_cursor` of a previous page."),
    ("invalid_period", "Not a period: YYYY-MM or YYYY-Qn."),
    ("invalid_date", "Not a date: YYYY-MM-DD."),
    ("invalid_datetime", "Not an RFC 3339 date-time with seconds and an offset."),
    ("invalid_decimal", "Not a decimal within the field's digits and places."),
    ("null_characters_not_allowed", "Text with a NUL character (which PostgreSQL cannot store)."),
):
    declare(_code, 422, _meaning, area="API")


class ErrorItem(Schema):
    code: str = Field(description="What is wrong, for programs (e.g. `required`, `invalid_limit`).")
    message: str = Field(description="What is wrong, for people, in the language of the request.")
    field: str | None = Field(
        description="The parameter or body field, dotted when nested (`type.0`); null when the "
        "error is about the request as a whole."
    )


class ErrorOut(ErrorItem):
    """Every error answer: `code`, `message` and `field` of the error, and in `errors` every
    wrong field (the same three keys each). With one wrong field, the top level repeats it."""

    code: str = Field(
        description="`malformed_body` (400), `unauthenticated` (401), `forbidden` (403), "
        "`not_found` (404), `conflict` (409), `too_large` (413), `rate_limited` (429), or the code "
        "of a service's refusal; for 422 the code of the one wrong field, or `invalid` when several "
        "are wrong. Each answer names the codes of its status; the API's description lists them all."
    )
    errors: list[ErrorItem] = Field(description="Every wrong field; empty when no field is to blame.")
    detail: str = Field(
        default="", deprecated=True, description="The same as `message`, for clients of the first shape."
    )


def error_body(status: int, message: str, errors=(), *, code: str | None = None) -> dict:
    """The JSON of ErrorOut."""
    errors = list(errors)
    single = errors[0] if len(errors) == 1 else None
    return {
        "code": code or (single["code"] if single else STATUS_CODES.get(status, "error")),
        "message": message,
        "field": single["field"] if single else None,
        "errors": errors,
        "detail": message,
    }


def error_responses(*statuses: int) -> dict:
    """`response=` entries for the error statuses an operation can answer."""
    return {status: ErrorOut for status in statuses}


def field_errors(error: ValidationError) -> list[dict]:
    """A Django ValidationError (a service's DomainError too) as ErrorItem dicts, keeping
    each message's code."""
    return error_items(error)


def bad_input(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


class ObjectIn(Schema):
    """A JSON request body. ninja's Schema reads attributes of whatever it is given, so an
    array, a string or a number would pass as an object with every field left out; a
    PATCH of `[]` changed nothing and answered 200."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data):
        # ninja's own validator has wrapped the input by now; look at what was sent
        sent = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(sent, dict):
            raise PydanticCustomError("object_expected", _("The request body must be a JSON object."))
        return data


# --- what a request may carry ------------------------------------------------------------------


def _no_nul_message() -> str:
    # Django's own message (its form fields refuse the character the same way)
    return _("Null characters are not allowed.")


def _nul_at(value, path: str = "") -> str | None:
    """The dotted path of the first text in `value` with a NUL character, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        if "\x00" in str(key):
            return where
        found = _nul_at(item, where)
        if found is not None:
            return found
    return None


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


class JsonParser(Parser):
    """ninja's parser, stricter: NaN and Infinity are not JSON, and no text may hold the NUL
    character, which PostgreSQL cannot store or even compare (a query with one was a 500)."""

    def parse_body(self, request):
        data = json.loads(request.body, parse_constant=_not_json)
        where = _nul_at(data)
        if where is not None:
            # ninja turns any error here into a 400; main.py answers this one as a 422
            raise bad_input(where or NON_FIELD_ERRORS, _no_nul_message(), code="null_characters_not_allowed")
        return data

    def parse_querydict(self, data, list_fields, request):
        for key, values in data.lists():
            if "\x00" in key or any(isinstance(value, str) and "\x00" in value for value in values):
                raise bad_input(key, _no_nul_message(), code="null_characters_not_allowed")
        return super().parse_querydict(data, list_fields, request)


def _no_nul(value):
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError("null_characters_not_allowed", _no_nul_message())
    return value


# A path segment that is looked up as text: an employee no., an org unit code, an external id.
PathText = Annotated[
    str, BeforeValidator(_no_nul), WithJsonSchema({"type": "string", "pattern": "^[^\\x00]*$"})
]


# --- formats ---------------------------------------------------------------------------------
# pydantic's lax mode takes "0.5" as a datetime (seconds since 1970), "0" as a date, "1e2" or
# " 1.5" as a decimal and "1_000" as an integer; the document says otherwise, so each format
# checks the text itself, with ASCII digits only (Python's \d also matches "٢").


def _refuse(code: str, message: str):
    return PydanticCustomError(code, message)


INTEGER_RE = re.compile(r"-?[0-9]+")


def _limit_message() -> str:
    return _("limit must be between 1 and %(max)d.") % {"max": MAX_LIMIT}


def _limit(value):
    if isinstance(value, str) and INTEGER_RE.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise _refuse("invalid_limit", _limit_message())
    return value


Limit = Annotated[
    int,
    BeforeValidator(_limit),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "description": "Rows per page."}),
]


def _boolean(value):
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise _refuse("invalid_boolean", _("must be true or false"))


BoolParam = Annotated[bool, BeforeValidator(_boolean), WithJsonSchema({"type": "boolean"})]


CURSOR_PATTERN = r"^[A-Za-z0-9_-]{0,256}$"


def _cursor(value):
    if not isinstance(value, str) or not re.fullmatch(CURSOR_PATTERN, value):
        raise _refuse("invalid_cursor", _bad_cursor_message())
    return value


CursorParam = Annotated[
    str,
    BeforeValidator(_cursor),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": CURSOR_PATTERN,
            "description": "Opaque: the `next_cursor` of the previous page, unchanged. "
            "Leave out for the first page.",
        }
    ),
]

# core.periods: YYYY-MM or YYYY-Qn, in years a datetime can hold in any time zone.
PERIOD_PATTERN = r"^[12][0-9]{3}-(0[1-9]|1[0-2]|Q[1-4])$"


def _period(value):
    if not isinstance(value, str) or not re.fullmatch(PERIOD_PATTERN, value):
        raise _refuse(
            "invalid_period",
            _("'%(code)s' is not a period: use YYYY-MM (e.g. 2026-10) or YYYY-Qn (e.g. 2026-Q4).")
            % {"code": value},
        )
    return value


PeriodCode = Annotated[
    str,
    BeforeValidator(_period),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PERIOD_PATTERN,
            "description": "A month (YYYY-MM) or a quarter (YYYY-Qn) in the company's time zone.",
            "examples": ["2026-10", "2026-Q4"],
        }
    ),
]

# Years 1000-2999, as for periods: year 1 at +08:00 is before year 1 in UTC, which Python
# cannot hold.
DATE_PATTERN = r"^[12][0-9]{3}-[0-9]{2}-[0-9]{2}$"
# RFC 3339 (JSON Schema's date-time): seconds and an offset are required.
DATETIME_PATTERN = (
    r"^[12][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)


def _date(value):
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        if isinstance(value, str) and re.fullmatch(DATE_PATTERN, value):
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    raise _refuse("invalid_date", _("Enter a date as YYYY-MM-DD, e.g. 2026-10-03."))


def _datetime(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value
    try:
        if isinstance(value, str) and re.fullmatch(DATETIME_PATTERN, value):
            # in UTC: PostgreSQL refuses offsets beyond ±15:59, RFC 3339 allows ±23:59
            return datetime.datetime.fromisoformat(value).astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        pass
    raise _refuse(
        "invalid_datetime",
        _("Enter a date and time with its offset from UTC, e.g. 2026-10-03T09:15:00+08:00."),
    )


DateIn = Annotated[
    datetime.date,
    BeforeValidator(_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
DateTimeIn = Annotated[
    datetime.datetime,
    BeforeValidator(_datetime),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": DATETIME_PATTERN,
            "description": "RFC 3339, with seconds and an offset: 2026-10-03T09:15:00+08:00.",
        }
    ),
]


def decimal_in(*, digits: int, places: int, positive: bool = False):
    """A decimal of at most `digits` digits, `places` of them after the point (the model
    field's max_digits and decimal_places), sent as a JSON number or as a string."""
    high = Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places)
    low = Decimal(1).scaleb(-places) if positive else -high
    step = Decimal(1).scaleb(-places)
    whole, fraction = digits - places, rf"(\.[0-9]{{1,{places}}})?"
    if positive:
        # no lookahead (not every generator of the document's patterns has one): a nonzero
        # whole part, or zeros and a fraction with a nonzero digit
        nonzero_fraction = "|".join(f"0{{{k}}}[1-9][0-9]{{0,{places - 1 - k}}}" for k in range(places))
        pattern = rf"^(0*[1-9][0-9]{{0,{whole - 1}}}{fraction}|0+\.({nonzero_fraction}))$"
    else:
        pattern = rf"^-?[0-9]{{1,{whole}}}{fraction}$"

    def check(value):
        number = None
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int) and not isinstance(value, bool):
            number = Decimal(value)
        elif isinstance(value, float):
            # the shortest text that reads back as the float: 1.1, not 1.100000000000000088…
            number = Decimal(repr(value))
        elif isinstance(value, str) and re.fullmatch(pattern, value):
            number = Decimal(value)
        try:
            if number is not None and number.is_finite() and low <= number <= high and number % step == 0:
                return number
        except InvalidOperation:
            pass
        raise _refuse(
            "invalid_decimal",
            _("must be a decimal number from %(low)s to %(high)s with at most %(places)d decimal places")
            % {"low": low, "high": high, "places": places},
        )

    number_schema = {"type": "number", "maximum": float(high), "multipleOf": float(step)}
    if positive:
        number_schema["exclusiveMinimum"] = 0
    else:
        number_schema["minimum"] = float(low)
    return Annotated[
        Decimal,
        BeforeValidator(check),
        WithJsonSchema(
            {
                "anyOf": [number_schema, {"type": "string", "pattern": pattern}],
                "description": f"A decimal {'above 0 ' if positive else ''}up to {high} with at most "
                f"{places} decimal places, as a number or a string.",
            }
        ),
    ]


def decimal_out(places: int):
    """A stored decimal as a string with exactly `places` decimal places ("0.90"), so that no
    float ever rounds money."""
    return Annotated[
        Decimal,
        PlainSerializer(lambda number: f"{number:.{places}f}", return_type=str),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": rf"^-?[0-9]+\.[0-9]{{{places}}}$",
                "description": f"A decimal as a string with {places} decimal places.",
            }
        ),
    ]


class Cursor:
    """An opaque position after the last row of a page: (sort value, id), base64 JSON."""

    @staticmethod
    def encode(value, pk: int) -> str:
        if isinstance(value, datetime.datetime):
            value = value.isoformat()
        raw = json.dumps([value, pk], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def decode(text: str, *, datetime_value: bool) -> tuple:
        try:
            padded = text + "=" * (-len(text) % 4)
            value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if not isinstance(pk, int):
                raise ValueError
            if datetime_value:
                value = parse_datetime(value)
                if value is None:
                    raise ValueError
            return value, pk
        except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
            raise bad_cursor() from None


def _bad_cursor_message() -> str:
    return _("The cursor is not valid; use the next_cursor of the previous page.")


def bad_cursor() -> ValidationError:
    return bad_input("cursor", _bad_cursor_message(), code="invalid_cursor")


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_input("limit", _limit_message(), code="invalid_limit")


def keyset_page(qs, *, field: str, descending: bool, cursor: str | None, limit: int, few_rows: bool = False):
    """One page of `qs` ordered by (field, id), after `cursor`; returns (rows, next_cursor).

    `few_rows`: the filters match a bounded set (a search), which is sorted as it is, as the
    list page does (workorders.selectors.sorted_work_orders): given the plain column,
    PostgreSQL walks its index over the whole table instead (HR's search for a common name
    in 2.6 million orders: 100 ms for the first page, 220-410 ms for the next, against
    10 ms); COALESCE(x, x) orders the same, and no index provides it."""
    from django.db.models import F, Q
    from django.db.models.functions import Coalesce

    check_limit(limit)
    is_datetime = field != "id"
    if cursor:
        value, pk = Cursor.decode(cursor, datetime_value=is_datetime)
        if field == "id":
            qs = qs.filter(pk__lt=pk) if descending else qs.filter(pk__gt=pk)
        elif descending:
            qs = qs.filter(Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": pk}))
        else:
            qs = qs.filter(Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": pk}))
    order = [f"-{field}", "-pk"] if descending else [field, "pk"]
    if field == "id":
        order = order[1:]
    elif few_rows:
        key = Coalesce(F(field), F(field))
        order[0] = key.desc() if descending else key.asc()
    rows = list(qs.order_by(*order)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = Cursor.encode(last.pk if field == "id" else getattr(last, field), last.pk)
    return rows, next_cursor


def code_of(obj, attribute: str = "code"):
    return getattr(obj, attribute) if obj is not None else None
