"""What an import run touched, and the recompute it queues once it commits: the importer
(exchange) gathers it chunk by chunk through `ImportTouches`."""

import datetime

from servicescore.core.periods import month_of
from servicescore.org.models import Employee
from servicescore.voice.models import Complaint, FollowUp, SurveyResponse
from servicescore.workorders.models import WorkOrder

from .. import dirty_days
from .recompute import request_recompute, request_recompute_days


class ImportTouches:
    """What an import run touched, gathered chunk by chunk: the (group, day) pairs of the
    work orders its rows name (read before the chunk is written and again after the
    import, so a record moved to another person or day is recomputed in both places), of
    the customer-voice records its rows replace (read before the chunk is written) and of
    its rows' own timestamps; for facts, the months and people. Past `LIMIT` work-order
    references it stops collecting and the months are recomputed for everyone."""

    PEOPLE_COLUMNS = ("technician", "advisor", "agent", "employee", "handler")
    ORDER_COLUMNS = ("work_order_external_id", "rework_of")
    ROW_ANCHORS = {
        "work_orders": dirty_days.ORDER_ANCHORS,
        "survey_responses": dirty_days.RECORD_ANCHORS[SurveyResponse],
        "followups": dirty_days.RECORD_ANCHORS[FollowUp],
        "complaints": dirty_days.RECORD_ANCHORS[Complaint],
    }
    RECORD_MODELS = {"survey_responses": SurveyResponse, "followups": FollowUp, "complaints": Complaint}
    LIMIT = 50_000

    def __init__(self, kind: str = ""):
        self.kind = kind
        self.months: set[str] = set()
        self.employee_nos: set[str] = set()
        self.orders: set[str] = set()
        self.days: dict = {}
        self.everyone = False

    def _refs(self, values: dict) -> set[str]:
        names = self.ORDER_COLUMNS + (("external_id",) if self.kind == "work_orders" else ())
        return {values[name] for name in names if values.get(name)}

    def before_write(self, rows) -> None:
        """What the work orders these rows name, and the records the rows replace, count in
        before they are written (a complaint moved to another day or order is recomputed
        where it was too)."""
        if self.everyone:
            return
        refs = set().union(*(self._refs(row.values) for row in rows)) if rows else set()
        if refs and len(self.orders | refs) <= self.LIMIT:
            dirty_days.merge(self.days, self._order_days(refs))
        model = self.RECORD_MODELS.get(self.kind)
        keys = sorted({row.values["external_id"] for row in rows if row.values.get("external_id")})
        if model is not None and keys:
            for start in range(0, len(keys), 5000):
                existing = model.objects.filter(external_id__in=keys[start : start + 5000])
                dirty_days.merge(self.days, dirty_days.record_days(model, existing))

    def add(self, values: dict) -> None:
        for name, value in values.items():
            if isinstance(value, datetime.datetime):
                self.months.add(month_of(value))
            elif name == "period" and isinstance(value, str):
                self.months.add(value)
            elif name == "org_unit" and value:
                self.everyone = True
            elif name in self.PEOPLE_COLUMNS and value:
                self.employee_nos.add(value)
        dirty_days.add_anchor_days(self.days, self.ROW_ANCHORS.get(self.kind, {}), values)
        if not self.everyone:
            self.orders |= self._refs(values)
        if len(self.orders) + len(self.employee_nos) > self.LIMIT:
            self.everyone = True
            self.orders.clear()
            self.employee_nos.clear()

    @staticmethod
    def _order_days(refs) -> dict:
        found: dict = {}
        refs = sorted(refs)
        for start in range(0, len(refs), 5000):
            dirty_days.merge(
                found,
                dirty_days.order_days(WorkOrder.objects.filter(external_id__in=refs[start : start + 5000])),
            )
        return found

    def people(self) -> set[int] | None:
        if self.everyone:
            return None
        nos = sorted(self.employee_nos)
        found = set()
        for start in range(0, len(nos), 5000):
            found |= set(
                Employee.objects.filter(employee_no__in=nos[start : start + 5000]).values_list(
                    "pk", flat=True
                )
            )
        return found

    def request(self) -> None:
        """Queue the recompute (runs after the import commits)."""
        if not self.months:
            return
        if self.everyone:
            for month in sorted(self.months):
                # Facts are read directly: everyone's figures again, no records re-aggregated.
                request_recompute(month, None, rebuild=self.kind != "metric_facts")
            return
        if self.kind == "metric_facts":
            people = self.people()
            for month in sorted(self.months):
                request_recompute(month, sorted(people))
            return
        request_recompute_days(dirty_days.merge(self.days, self._order_days(self.orders)))
