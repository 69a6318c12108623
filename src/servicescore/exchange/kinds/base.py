"""What every KIND shares: columns, rows, the lookup context and the bulk upsert."""

import abc
import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_bulk
from servicescore.core.bulk import fast_insert
from servicescore.core.errors import DomainError, error_items
from servicescore.org.scope import Scope, scope_for

from .. import cells

# Rows per SQL statement when looking records up by key (SQLite allows 32,766 variables).
LOOKUP_BATCH = 5_000
WRITE_BATCH = 2_000


@dataclass
class Column:
    name: str
    parse: Callable[[str], Any] = cells.text
    required: bool = False
    numeric: bool = False
    # A choice column's TextChoices: its code or label in either language is accepted.
    choices: Any = None


def choice_column(name: str, choices, *, required: bool = False) -> Column:
    """A column holding one of `choices` (a TextChoices class): the code, or its label in
    English or Chinese, in any case (import-formats.md, General rules)."""
    return Column(name, cells.choice_parser(choices), required=required, choices=choices)


@dataclass
class Row:
    number: int
    values: dict = field(default_factory=dict)
    bad: bool = False
    failed: set = field(default_factory=set)

    def get(self, name, default=None):
        return self.values.get(name, default)


def batched(items: list, size: int = LOOKUP_BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Context:
    """Lookups shared by the rows of one run, limited to what the importing user may see."""

    def __init__(self, user=None, source_label: str = "", columns: Iterable[str] = ()):
        self.user = user
        self.scope: Scope = Scope(everything=True) if user is None else scope_for(user)
        self.source_label = source_label
        # The columns the file has: a kind keeps what a missing optional column would
        # otherwise clear (import-formats.md: empty or absent means "not given").
        self.columns = set(columns)
        self.now = timezone.now()
        # (row, column, message[, code]): ImportReport.add_error
        self.error: Callable[..., None] = lambda row, column, message, code=None: None
        self._employees: dict[str, int] | None = None
        self._units: dict[str, tuple[int, str, str]] | None = None

    # -- people and org units: small enough to hold whole ---------------------------------

    def employees(self) -> dict[str, int]:
        """employee_no → id for every employee the user may see."""
        if self._employees is None:
            from servicescore.org.models import Employee

            self._employees = dict(
                Employee.objects.filter(self.scope.employees_q()).values_list("employee_no", "pk")
            )
        return self._employees

    def units(self) -> dict[str, tuple[int, str, str]]:
        """org unit code → (id, kind, path) for every unit the user may see."""
        if self._units is None:
            from servicescore.org.models import OrgUnit

            self._units = {
                code: (pk, kind, path)
                for code, pk, kind, path in OrgUnit.objects.filter(self.scope.org_units_q()).values_list(
                    "code", "pk", "kind", "path"
                )
            }
        return self._units

    def forget(self):
        self._employees = None
        self._units = None

    # -- a service's refusal, reported at the row ------------------------------------------

    def reject(self, row: Row, error: ValidationError, column: str = "") -> None:
        """Report a service's refusal (core.errors, or any ValidationError) at `row`: each of
        its messages with its code, at the column its field names (else at `column`)."""
        for item in error_items(error):
            where = item["field"] if item["field"] in self.columns else column
            self.error(row.number, where, item["message"], item["code"])
        row.bad = True

    @contextmanager
    def refusals(self, row: Row, column: str = ""):
        """Run a service for one row: a DomainError it raises is reported at the row (see
        `reject`) instead of ending the import."""
        try:
            yield
        except DomainError as error:
            self.reject(row, error, column)

    def employee_id(self, row: Row, column: str) -> int | None:
        """The id of the employee named in `column`, or None (with an error if unknown)."""
        number = row.get(column)
        if number is None:
            return None
        pk = self.employees().get(number)
        if pk is None:
            self.error(row.number, column, _("unknown employee_no %(no)s") % {"no": number})
            row.bad = True
        return pk

    def unit(self, row: Row, column: str) -> tuple[int, str, str] | None:
        code = row.get(column)
        if code is None:
            return None
        unit = self.units().get(code)
        if unit is None:
            self.error(row.number, column, _("unknown org unit code %(code)s") % {"code": code})
            row.bad = True
        return unit

    # -- work orders: looked up per chunk -------------------------------------------------

    def work_order_ids(self, external_ids: Iterable[str]) -> dict[str, int]:
        """external_id → id of the stored work orders among `external_ids` the user may see."""
        from servicescore.workorders.models import WorkOrder
        from servicescore.workorders.scope import visible_work_orders

        base = WorkOrder.objects.all() if self.user is None else visible_work_orders(self.user)
        found: dict[str, int] = {}
        for batch in batched(sorted(set(external_ids))):
            found.update(base.filter(external_id__in=batch).values_list("external_id", "pk"))
        return found


def same(stored, wanted) -> bool:
    """Equal as the database holds them (aware datetimes, Decimal scale, '' for text)."""
    if isinstance(stored, datetime.datetime) and isinstance(wanted, datetime.datetime):
        return stored == wanted
    if isinstance(stored, Decimal) or isinstance(wanted, Decimal):
        if stored is None or wanted is None:
            return stored is wanted
        return Decimal(stored) == Decimal(wanted)
    return stored == wanted


class Kind(abc.ABC):
    """One exchange format. Subclasses list the columns and implement check/write/export."""

    name = ""
    columns: list[Column] = []
    key_column = "external_id"
    key_label = "external_id"
    # Rows per chunk; 0 for "the whole file at once" (small master-data files that refer
    # to themselves, such as org units and employees).
    chunk_size = 5_000

    def __init__(self):
        self.column_order = {c.name: i for i, c in enumerate(self.columns)}
        self._columns = {c.name: c for c in self.columns}

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def numeric_columns(self) -> set[str]:
        return {c.name for c in self.columns if c.numeric}

    def column(self, name: str) -> Column:
        return self._columns[name]

    def row_key(self, row: Row):
        return row.get(self.key_column)

    def key_text(self, key) -> str:
        return str(key)

    def prepare(self, context: Context) -> None:  # noqa: B027 - optional hook, most kinds need nothing
        """Called once before the first chunk."""

    @abc.abstractmethod
    def check(self, rows: list[Row], context: Context) -> None:
        """Resolve references and check rules across columns; mark bad rows."""

    @abc.abstractmethod
    def write(self, rows: list[Row], context: Context) -> tuple[int, int, int]:
        """Write one chunk of good rows; returns (created, updated, unchanged)."""

    def finish(self, context: Context) -> int:
        """Settle forward references after the last chunk; returns the number of rows
        counted unchanged that turned out to be updated."""
        return 0

    @abc.abstractmethod
    def export(self, org_unit=None) -> Iterator[list[str]]:
        """The stored records as rows of text, in the columns of the format."""


def upsert(
    model: type[Model], key_field: str, wanted: dict, fields: list[str], *, now=None, stored_out=None
) -> tuple[list, list, int, dict]:
    """Create, update or leave the records of `wanted` ({key: {field: value}}).

    Returns (created keys, updated keys, unchanged count, {key: pk}). One query to read
    per batch of keys and bulk statements to write; `fields` are attnames. `stored_out`, a
    dict, receives the stored values read ({key: {"pk": …, field: …}}).
    """
    now = now or timezone.now()
    stored: dict = {}
    keys = list(wanted)
    for batch in batched(keys):
        for values in model.objects.filter(**{f"{key_field}__in": batch}).values("pk", key_field, *fields):
            stored[values[key_field]] = values
    if stored_out is not None:
        stored_out.update(stored)
    to_create, to_update, unchanged = [], [], 0
    for key, values in wanted.items():
        old = stored.get(key)
        if old is None:
            to_create.append({key_field: key, **values})
        elif all(same(old[f], values[f]) for f in fields):
            unchanged += 1
        else:
            to_update.append(model(pk=old["pk"], **{key_field: key}, **values))
    fast_insert(model, to_create)
    if to_update:
        update_fields = list(fields)
        if any(f.name == "modified" for f in model._meta.concrete_fields):
            for obj in to_update:
                obj.modified = now
            update_fields.append("modified")
        model.objects.bulk_update(to_update, update_fields, batch_size=WRITE_BATCH)
    pks = {key: values["pk"] for key, values in stored.items()}
    created = [row[key_field] for row in to_create]
    for batch in batched(created):
        pks.update(model.objects.filter(**{f"{key_field}__in": batch}).values_list(key_field, "pk"))
    return created, [getattr(obj, key_field) for obj in to_update], unchanged, pks


def _as_audited(value):
    """A field value as the audit trail keeps it (core.audit.snapshot): datetimes in UTC and
    ISO 8601 (a stored one reads back in UTC: the same instant in +08:00 must not look
    changed), decimals as text."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def audit_written(
    model: type[Model],
    context: Context,
    *,
    created: Iterable[tuple[int, dict]] = (),
    updated: Iterable[tuple[int, dict, dict]] = (),
) -> None:
    """One audit entry per record an import created — (pk, {attname: value}) — or changed —
    (pk, {attname: old}, {attname: new}) —, fields by name and references by id as in the
    history of a record saved on a page (old → new, the fields that changed only); written
    in bulk in the import's transaction, since bulk writes fire no signals. The changes are
    taken from the values, not from snapshots of the records: a third of the time for
    20,000 survey responses."""
    name_of = {field.attname: field.name for field in model._meta.concrete_fields}
    entries = {"create": [], "update": []}
    for pk, values in created:
        changes = {
            name_of[name]: [None, _as_audited(value)] for name, value in values.items() if value is not None
        }
        entries["create"].append((model(pk=pk, **values), changes))
    for pk, old, values in updated:
        changes = {
            name_of[name]: [_as_audited(old.get(name)), _as_audited(value)]
            for name, value in values.items()
            if not same(old.get(name), value)
        }
        entries["update"].append((model(pk=pk, **values), changes))
    for action, pairs in entries.items():
        if not pairs:
            continue
        changes_by_object = {id(obj): changes for obj, changes in pairs}
        audit_bulk(
            actor=context.user,
            action=action,
            objects=[obj for obj, _changes in pairs],
            changes_of=lambda obj, found=changes_by_object: found[id(obj)],
            reason=context.source_label,
            channel="import",
        )


def link_within_file(
    model: type[Model],
    key_field: str,
    link_field: str,
    links: dict,
    created: list,
    updated: list,
    unchanged: int,
    now,
) -> tuple[list, int]:
    """Set a self-reference (parent unit, manager) once every record of the file exists.

    `links` maps each row's key to the key it refers to (or None). A row counted unchanged
    whose link moves becomes updated. Returns (updated keys, unchanged count).
    """
    pks = dict(model.objects.values_list(key_field, "pk"))
    stored = {}
    for batch in batched(list(links)):
        stored.update(model.objects.filter(**{f"{key_field}__in": batch}).values_list(key_field, link_field))
    changed = set(created) | set(updated)
    updated = list(updated)
    relink = []
    for key, target in links.items():
        target_id = pks[target] if target else None
        if target_id != stored.get(key):
            relink.append(model(pk=pks[key], **{link_field: target_id}, modified=now))
            if key not in changed:
                unchanged -= 1
                changed.add(key)
                updated.append(key)
    model.objects.bulk_update(relink, [link_field, "modified"], batch_size=1000)
    return updated, unchanged
