"""metric_facts: figures owned by other systems, one per indicator, month and person or unit,
with the evidence behind them (`note`, and `reference`: the source record, e.g. an incident
number), shown on a scorecard line or veto. Each fact created or changed is audited in the
import's transaction and records the importing user as `recorded_by`; an attachment is
added on the facts page (/indicators/facts/) and an import leaves it alone."""

from django.db.models import Q
from django.utils.translation import gettext as _

from servicescore.kpi.models import FactIndicator, MetricFact

from .. import cells
from ..cells import format_decimal
from .base import Column, Context, Kind, Row, audit_written, batched, same

# A fact as its audit entry shows it: whose figure it is (the row's key) and the figure.
FACT_FIELDS = ("indicator", "period", "employee_id", "org_unit_id", "value", "note", "reference")
# The fields a row sets besides its key (an empty cell clears the stored text).
VALUE_FIELDS = ("value", "note", "reference")
NOTE_MAX, REFERENCE_MAX = (MetricFact._meta.get_field(name).max_length for name in ("note", "reference"))


class MetricFacts(Kind):
    name = "metric_facts"
    key_column = "indicator"
    key_label = "fact"
    columns = [
        Column("indicator", lambda v: cells.text(v, 64), required=True),
        Column("period", cells.month, required=True),
        Column("value", lambda v: cells.decimal(v, places=4, digits=16), required=True, numeric=True),
        Column("employee"),
        Column("org_unit"),
        Column("note", lambda v: cells.text(v, NOTE_MAX)),
        Column("reference", lambda v: cells.text(v, REFERENCE_MAX)),
    ]

    def row_key(self, row):
        if row.get("indicator") is None or row.get("period") is None:
            return None
        if row.get("employee") is not None:
            return (row.get("indicator"), row.get("period"), "employee", row.get("employee"))
        if row.get("org_unit") is not None:
            return (row.get("indicator"), row.get("period"), "org_unit", row.get("org_unit"))
        return None

    def key_text(self, key):
        return f"{key[0]} {key[1]} {key[3]}"

    def prepare(self, context):
        self.indicators = set(FactIndicator.objects.values_list("code", flat=True))

    def check(self, rows: list[Row], context: Context) -> None:
        for row in rows:
            code = row.get("indicator")
            if code is not None and code not in self.indicators:
                context.error(
                    row.number,
                    "indicator",
                    _("unknown indicator %(code)s; the fact indicators are %(known)s")
                    % {"code": code, "known": ", ".join(sorted(self.indicators))},
                )
                row.bad = True
            has_employee, has_unit = row.get("employee") is not None, row.get("org_unit") is not None
            if has_employee and has_unit:
                context.error(row.number, "org_unit", _("give exactly one of employee or org_unit, not both"))
                row.bad = True
            elif not has_employee and not has_unit:
                context.error(
                    row.number, "employee", _("give the employee or the org_unit the figure belongs to")
                )
                row.bad = True
            row.employee_id = context.employee_id(row, "employee")
            unit = context.unit(row, "org_unit")
            row.unit_id = unit[0] if unit else None

    def write(self, rows: list[Row], context: Context) -> tuple[int, int, int]:
        stored = {}
        periods = sorted({r.get("period") for r in rows})
        codes = sorted({r.get("indicator") for r in rows})
        for period in periods:
            for batch in batched(codes):
                for pk, code, employee_id, unit_id, *values in MetricFact.objects.filter(
                    period=period, indicator__in=batch
                ).values_list("pk", "indicator", "employee_id", "org_unit_id", *VALUE_FIELDS):
                    stored[(code, period, employee_id, unit_id)] = (
                        pk,
                        dict(zip(VALUE_FIELDS, values, strict=True)),
                    )
        recorded_by = getattr(context.user, "pk", None)
        new, dirty, unchanged, changes = [], [], 0, []
        for row in rows:
            key = (row.get("indicator"), row.get("period"), row.employee_id, row.unit_id)
            old = stored.get(key)
            wanted = {"value": row.get("value")}
            for name in ("note", "reference"):
                # A file without the column leaves the stored evidence as it is.
                given = name in context.columns or old is None
                wanted[name] = (row.get(name) or "") if given else old[1][name]
            if old is None:
                new.append(
                    MetricFact(
                        indicator=key[0],
                        period=key[1],
                        employee_id=key[2],
                        org_unit_id=key[3],
                        recorded_by_id=recorded_by,
                        **wanted,
                    )
                )
            elif all(same(old[1][name], wanted[name]) for name in VALUE_FIELDS):
                unchanged += 1
            else:
                dirty.append(
                    MetricFact(pk=old[0], modified=context.now, recorded_by_id=recorded_by, **wanted)
                )
                subject = dict(zip(FACT_FIELDS[:4], key, strict=True))
                changes.append((old[0], subject | old[1], subject | wanted))
        MetricFact.objects.bulk_create(new, batch_size=2000)
        MetricFact.objects.bulk_update(dirty, [*VALUE_FIELDS, "recorded_by", "modified"], batch_size=2000)
        audit_written(
            MetricFact,
            context,
            created=[(fact.pk, {name: getattr(fact, name) for name in FACT_FIELDS}) for fact in new],
            updated=changes,
        )
        return len(new), len(dirty), unchanged

    def export(self, org_unit=None):
        facts = MetricFact.objects.all()
        if org_unit is not None:
            facts = facts.filter(
                Q(employee__org_unit__path__startswith=org_unit.path)
                | Q(org_unit__path__startswith=org_unit.path)
            )
        for code, period, value, employee, unit, note, reference in (
            facts.order_by("period", "indicator", "pk")
            .values_list(
                "indicator", "period", "value", "employee__employee_no", "org_unit__code", "note", "reference"
            )
            .iterator(chunk_size=5000)
        ):
            yield [code, period, format_decimal(value), employee or "", unit or "", note, reference]
