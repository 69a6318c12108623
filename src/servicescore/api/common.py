"""What every router shares: the error shape, keyset cursors and small converters."""

import base64
import datetime
import json

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Schema

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every error answer: a summary and, for bad input, one entry per field."""

    detail: str
    errors: list[FieldError] = []


def field_errors(error: ValidationError) -> list[dict]:
    if hasattr(error, "error_dict"):
        return [
            {"field": "" if name == "__all__" else name, "message": message}
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": "", "message": message} for message in error.messages]


def bad_input(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


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


def bad_cursor() -> ValidationError:
    return bad_input("cursor", _("The cursor is not valid; use the next_cursor of the previous page."))


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_input("limit", _("limit must be between 1 and %(max)d.") % {"max": MAX_LIMIT})


def keyset_page(qs, *, field: str, descending: bool, cursor: str | None, limit: int):
    """One page of `qs` ordered by (field, id), after `cursor`; returns (rows, next_cursor)."""
    from django.db.models import Q

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
    rows = list(qs.order_by(*order)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = Cursor.encode(last.pk if field == "id" else getattr(last, field), last.pk)
    return rows, next_cursor


def code_of(obj, attribute: str = "code"):
    return getattr(obj, attribute) if obj is not None else None
