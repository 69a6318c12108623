"""One append-only audit trail: who changed which record, when, old → new, why, from where.

Services write an entry in the same transaction as the change they make (`audit_record`),
so a change without its entry cannot commit. The request id and the channel (page, API,
admin, import, command line) come from the request or command that is running
(`audit_context`, set by core.middleware.RequestIdMiddleware and by the CLI), so services
need not pass them along.

Why our own model rather than django-auditlog or django-simple-history: both record through
model signals, which the importer's bulk writers (COPY, bulk_create, update) never fire, and
neither carries a reason and a request id without a model of its own; an explicit entry
written by the service is the one place every entry point meets.
"""

import contextvars
import datetime
import decimal
import uuid
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import models
from django.db.models.fields.files import FieldFile

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("audit_request_id", default="")
_channel: contextvars.ContextVar[str] = contextvars.ContextVar("audit_channel", default="")


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def audit_context(*, request_id: str = "", channel: str = ""):
    """Entries written inside carry this request id and channel (web, api, admin, import, cli)."""
    tokens = []
    if request_id:
        tokens.append((_request_id, _request_id.set(request_id)))
    if channel:
        tokens.append((_channel, _channel.set(channel)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current_request_id() -> str:
    return _request_id.get()


def current_channel() -> str:
    return _channel.get()


def _plain(value):
    """A JSON-safe form of a field value, readable in the history."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, FieldFile):  # an empty one has no url: ask for its name only
        return value.name or ""
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict:
    """Field values of a record as stored (foreign keys by id), for a before/after diff."""
    names = (
        list(fields)
        if fields is not None
        else [field.name for field in instance._meta.concrete_fields if not field.primary_key]
    )
    values = {}
    for name in names:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = _plain(getattr(instance, attname))
    return values


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value differs (a field missing counts as None)."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    changes: dict | None = None,
    reason: str = "",
    channel: str = "",
):
    """Write one entry for `obj`. `action` is a short code (create, update, delete, or a
    domain verb such as activate); `changes` is {field: [old, new]} (see `diff`)."""
    from .models import AuditEntry

    return AuditEntry.objects.create(**_entry_fields(actor, action, obj, changes, reason, channel))


def audit_bulk(
    *,
    actor,
    action: str,
    objects: Iterable[models.Model],
    changes_of=None,
    reason: str = "",
    channel: str = "",
) -> int:
    """One entry per object, written with the bulk writer (COPY on PostgreSQL): the
    importer's twin of `audit_record`. `changes_of(obj)` gives each object's changes."""
    from django.utils import timezone

    from .bulk import copy_rows
    from .models import AuditEntry

    at = timezone.now()
    names = [
        "at", "actor_id", "actor_name", "action", "content_type_id", "object_id", "object_repr",
        "changes", "reason", "request_id", "channel",
    ]  # fmt: skip
    # Built before the COPY starts: an entry may need a query (its record type, its text),
    # and the connection serves nothing else while a COPY is open.
    rows = [
        [at, *(fields[name] for name in names[1:])]
        for fields in (
            _entry_fields(actor, action, obj, changes_of(obj) if changes_of else None, reason, channel)
            for obj in objects
        )
    ]
    return copy_rows(AuditEntry, names, rows)


def _entry_fields(actor, action, obj, changes, reason, channel) -> dict:
    from django.contrib.contenttypes.models import ContentType

    real_actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return {
        "actor_id": real_actor.pk if real_actor else None,
        "actor_name": real_actor.get_username() if real_actor else "",
        "action": action,
        "content_type_id": ContentType.objects.get_for_model(obj, for_concrete_model=True).pk,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
        "changes": _plain(changes or {}),
        "reason": reason or "",
        "request_id": current_request_id(),
        "channel": channel or current_channel(),
    }


def history_of(obj: models.Model):
    """The entries of one record, newest first. Callers check that the user may see `obj`."""
    from django.contrib.contenttypes.models import ContentType

    from .models import AuditEntry

    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return (
        AuditEntry.objects.filter(content_type=content_type, object_id=str(obj.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )
