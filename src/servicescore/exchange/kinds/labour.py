"""labour_operations: the labour-time catalogue (工时定额), one row per operation code and
model or category (empty: all). Company-wide, so only an importer whose scope is the whole
company (HR, an administrator, the command line) may change it. Rows not in the file stay:
labour lines may use them (workorders/catalogue.py); each row created or changed is audited
in the import's transaction."""

from django.utils.translation import gettext as _

from servicescore.workorders.models import LabourOperation

from .. import cells
from ..cells import format_decimal
from .base import Column, Context, Kind, Row, audit_written, same

# A catalogue row's fields as the importer writes them and its audit entry shows them.
OPERATION_FIELDS = ("code", "category", "name", "standard_hours", "valid_from", "note")


class LabourOperations(Kind):
    name = "labour_operations"
    key_column = "code"
    key_label = "code and category"
    chunk_size = 0  # a catalogue is small; duplicates are found across the whole file
    columns = [
        Column("code", lambda v: cells.text(v, 40), required=True),
        Column("name", lambda v: cells.text(v, 200), required=True),
        Column(
            "standard_hours",
            lambda v: cells.decimal(v, exclusive_minimum=0, places=2, digits=7),
            required=True,
            numeric=True,
        ),
        Column("category", lambda v: cells.text(v, 200)),
        Column("valid_from", cells.date),
        Column("note", lambda v: cells.text(v, 500)),
    ]

    def row_key(self, row: Row):
        if row.get("code") is None:
            return None
        return (row.get("code"), row.get("category", ""))

    def key_text(self, key):
        return f"{key[0]} / {key[1] or _('all models')}"

    def check(self, rows: list[Row], context: Context) -> None:
        if context.scope.everything or not rows:
            return
        # One message for the file, at its first row: the catalogue is every centre's.
        context.error(
            rows[0].number,
            "",
            _("the labour-operation catalogue is company-wide: only HR or an administrator may import it"),
        )
        for row in rows:
            row.bad = True

    def write(self, rows: list[Row], context: Context) -> tuple[int, int, int]:
        codes = sorted({row.get("code") for row in rows})
        stored = {(op.code, op.category): op for op in LabourOperation.objects.filter(code__in=codes)}
        new, dirty, changes, unchanged = [], [], [], 0
        for row in rows:
            wanted = {
                "code": row.get("code"),
                "category": row.get("category", ""),
                "name": row.get("name"),
                "standard_hours": row.get("standard_hours"),
                "valid_from": row.get("valid_from"),
                "note": row.get("note", ""),
            }
            old = stored.get((wanted["code"], wanted["category"]))
            if old is None:
                new.append(LabourOperation(**wanted))
                continue
            before = {name: getattr(old, name) for name in OPERATION_FIELDS}
            if all(same(before[name], wanted[name]) for name in OPERATION_FIELDS):
                unchanged += 1
                continue
            for name, value in wanted.items():
                setattr(old, name, value)
            old.modified = context.now
            dirty.append(old)
            changes.append((old.pk, before, wanted))
        LabourOperation.objects.bulk_create(new, batch_size=2000)
        LabourOperation.objects.bulk_update(
            dirty, ["name", "standard_hours", "valid_from", "note", "modified"], batch_size=2000
        )
        audit_written(
            LabourOperation,
            context,
            created=[(op.pk, {name: getattr(op, name) for name in OPERATION_FIELDS}) for op in new],
            updated=changes,
        )
        return len(new), len(dirty), unchanged

    def export(self, org_unit=None):
        """Every row: the catalogue is company-wide (`org_unit` changes nothing)."""
        for code, name, hours, category, valid_from, note in (
            LabourOperation.objects.order_by("code", "category", "pk")
            .values_list("code", "name", "standard_hours", "category", "valid_from", "note")
            .iterator(chunk_size=5000)
        ):
            yield [
                code,
                name,
                format_decimal(hours),
                category,
                valid_from.isoformat() if valid_from else "",
                note,
            ]
