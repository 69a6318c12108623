"""Reading the audit trail on the audit page (/audit/) and in its export.

HR, administrators and auditors read the whole trail (issue 14: "an audit page for HR and
auditors filtered by object, actor and date"); every other role is refused. A manager reading
the entries of his own people's records is a later step: it needs the scope to reach every
kind of record the trail names, and an entry of a record since deleted names no unit.

Pages are cut by keyset (older/newer than an entry), not by page number: the trail only
grows (an import writes one entry a row), and neither a count nor a deep OFFSET stays cheap.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .errors import Refused
from .history import Change, entries_in_words
from .models import AuditEntry
from .periods import company_zone, day_start
from .roles import AUDIT_READER_ROLES

AUDIT_PAGE_SIZE = 50
# The export stops here, with a last row saying so (as the work-order export does).
AUDIT_EXPORT_LIMIT = 100_000
EXPORT_CHUNK = 2000
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)
# A position in the trail: the entry's time in microseconds since 1970 (UTC) and its id.
_CURSOR = re.compile(r"(\d{1,18})\.(\d{1,18})")


def may_read_audit_trail(user) -> bool:
    """Whether the user may open the audit page and export it (the navigation asks this)."""
    return getattr(user, "is_authenticated", False) and user.effective_role in AUDIT_READER_ROLES


def _check_reader(user) -> None:
    if not may_read_audit_trail(user):
        raise Refused(
            _("Only HR, administrators and auditors may read the audit trail."), code="audit_reader"
        )


def audit_entries(
    user,
    *,
    record_type=None,
    object_id=None,
    actor=None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    action=None,
    channel=None,
    request_id=None,
) -> QuerySet:
    """The entries the filters match, newest first; Refused for a user who may not read the
    trail. Dates are days in the company time zone, both ends included; `record_type` is a
    ContentType or its id, `actor` a user name (any case)."""
    _check_reader(user)
    entries = AuditEntry.objects.select_related("content_type")
    if record_type is not None:
        entries = entries.filter(content_type=record_type)
    if object_id:
        entries = entries.filter(object_id=str(object_id))
    if actor:
        entries = entries.filter(actor_name__iexact=actor)
    if date_from is not None:
        entries = entries.filter(at__gte=day_start(date_from))
    if date_to is not None:
        entries = entries.filter(at__lt=day_start(date_to + datetime.timedelta(days=1)))
    if action:
        entries = entries.filter(action=action)
    if channel:
        entries = entries.filter(channel=channel)
    if request_id:
        entries = entries.filter(request_id=request_id)
    return entries.order_by("-at", "-id")


def record_type_name(content_type: ContentType) -> str:
    """The model's own name in the reader's language ("Employee", "员工")."""
    model = content_type.model_class()
    if model is None:  # a model since removed from the code
        return f"{content_type.app_label}.{content_type.model}"
    return str(capfirst(model._meta.verbose_name))


def audit_record_types(user) -> list[tuple[int, str]]:
    """The kinds of record the trail names, as (content type id, name) sorted by name.
    One index probe per installed model rather than a scan of the whole trail."""
    _check_reader(user)
    types = list(ContentType.objects.filter(Exists(AuditEntry.objects.filter(content_type=OuterRef("pk")))))
    names = {content_type.pk: record_type_name(content_type) for content_type in types}
    repeated = {name for name in names.values() if list(names.values()).count(name) > 1}
    # Two models of one name (two apps' "type") are told apart by their app.
    named = [
        (ct.pk, f"{names[ct.pk]} ({ct.app_label})" if names[ct.pk] in repeated else names[ct.pk])
        for ct in types
    ]
    return sorted(named, key=lambda pair: pair[1])


@dataclass
class AuditRow:
    """One entry as the page shows it."""

    entry: AuditEntry
    when: datetime.datetime  # company-local, without tzinfo (templates must not convert it again)
    action: str
    channel: str
    record_type: str
    changes: list[Change] = field(default_factory=list)
    url: str = ""  # the record's own page, if it has one and still exists


@dataclass
class AuditPage:
    rows: list[AuditRow]
    older: str  # cursor for the next page of older entries, "" on the last page
    newer: str  # cursor for the page of newer entries, "" on the newest page


def _cursor_of(entry: AuditEntry) -> str:
    return f"{(entry.at - _EPOCH) // _MICROSECOND}.{entry.pk}"


def _parse_cursor(text: str) -> tuple[datetime.datetime, int] | None:
    match = _CURSOR.fullmatch(text or "")
    if not match:
        return None
    try:
        return _EPOCH + int(match[1]) * _MICROSECOND, int(match[2])
    except OverflowError:
        return None


def _record_urls(entries: list[AuditEntry]) -> dict[tuple[int, str], str]:
    """{(content type id, object id): url} for the records that still exist and whose model
    has a page of its own (get_absolute_url): one query per such model on the page."""
    wanted: dict = {}
    for entry in entries:
        model = entry.content_type.model_class()
        if model is not None and hasattr(model, "get_absolute_url"):
            try:
                pk = model._meta.pk.to_python(entry.object_id)
            except ValidationError:
                continue
            wanted.setdefault((model, entry.content_type_id), set()).add(pk)
    urls = {}
    for (model, content_type_id), pks in wanted.items():
        for obj in model._default_manager.filter(pk__in=pks):
            urls[(content_type_id, str(obj.pk))] = obj.get_absolute_url()
    return urls


def _rows(entries: list[AuditEntry], user, *, with_urls: bool) -> list[AuditRow]:
    urls = _record_urls(entries) if with_urls else {}
    zone = company_zone()
    return [
        AuditRow(
            entry=row.entry,
            when=row.entry.at.astimezone(zone).replace(tzinfo=None),
            action=row.action,
            channel=row.channel,
            record_type=record_type_name(row.entry.content_type),
            changes=row.changes,
            url=urls.get((row.entry.content_type_id, row.entry.object_id), ""),
        )
        for row in entries_in_words(entries, user=user)
    ]


def audit_page(user, entries: QuerySet, *, older: str = "", newer: str = "") -> AuditPage:
    """One page of `entries` (from audit_entries): the newest, or those just older than
    the `older` cursor, or just newer than the `newer` one. A malformed cursor counts as
    none (it comes from a link, not from a person)."""
    _check_reader(user)
    if (position := _parse_cursor(newer)) is not None:
        at, pk = position
        chunk = list(
            entries.filter(Q(at__gt=at) | Q(at=at, pk__gt=pk)).order_by("at", "id")[: AUDIT_PAGE_SIZE + 1]
        )
        more_newer = len(chunk) > AUDIT_PAGE_SIZE
        chunk = chunk[:AUDIT_PAGE_SIZE][::-1]
        more_older = True  # the entry the cursor names, at least
    else:
        if (position := _parse_cursor(older)) is not None:
            at, pk = position
            entries = entries.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
        chunk = list(entries[: AUDIT_PAGE_SIZE + 1])
        more_older = len(chunk) > AUDIT_PAGE_SIZE
        chunk = chunk[:AUDIT_PAGE_SIZE]
        more_newer = position is not None
    return AuditPage(
        rows=_rows(chunk, user, with_urls=True),
        older=_cursor_of(chunk[-1]) if chunk and more_older else "",
        newer=_cursor_of(chunk[0]) if chunk and more_newer else "",
    )


def audit_export_header() -> list[str]:
    return [
        _("When"),
        _("Who"),
        _("Action"),
        _("Record type"),
        _("Record id"),
        _("Record"),
        _("Changes"),
        _("Reason"),
        _("Channel"),
        _("Request id"),
    ]


def audit_export_rows(user, entries: QuerySet) -> Iterator[list]:
    """The rows of the export of `entries`, at most AUDIT_EXPORT_LIMIT and then a row saying
    the export was cut; changes in words, phones masked as on the page."""
    _check_reader(user)
    width = len(audit_export_header())
    stream = entries[: AUDIT_EXPORT_LIMIT + 1].iterator(chunk_size=EXPORT_CHUNK)
    written = 0
    while chunk := list(islice(stream, EXPORT_CHUNK)):
        for row in _rows(chunk, user, with_urls=False):
            if written == AUDIT_EXPORT_LIMIT:
                message = _("Cut at %(limit)s rows: narrow the filters to export the rest.") % {
                    "limit": f"{AUDIT_EXPORT_LIMIT:,}"
                }
                yield [message] + [""] * (width - 1)
                return
            written += 1
            entry = row.entry
            yield [
                row.when.replace(microsecond=0),
                entry.actor_name or _("system"),
                row.action,
                row.record_type,
                entry.object_id,
                entry.object_repr,
                "\n".join(f"{change.label}: {change.old} → {change.new}" for change in row.changes),
                entry.reason,
                row.channel,
                entry.request_id,
            ]
