"""survey_responses, followups and complaints: records keyed by external_id that hang off a
work order (and for complaints, optionally off an employee). Each record created or changed
is audited in the import's transaction."""

from django.db.models import Q
from django.utils.translation import gettext as _

from servicescore.voice.models import Complaint, FollowUp, SurveyResponse
from servicescore.voice.services.complaints import complaint_sla

from .. import cells
from ..cells import format_bool, format_timestamp
from .base import Column, Context, Kind, Row, audit_written, choice_column, upsert


def _rating(value):
    return cells.integer(value, minimum=1, maximum=5)


def _external_id(value):
    return cells.text(value, 100)


class VoiceKind(Kind):
    """A record keyed by external_id with references to a work order and employees.

    Subclasses map columns to model fields: `plain` columns copy over (with `defaults`
    for empty cells), `people` columns name employees, `work_order_column` the work order.
    """

    model = None
    plain: dict[str, str] = {}
    defaults: dict = {}
    people: dict[str, str] = {}
    work_order_column = "work_order_external_id"
    work_order_required = True

    @property
    def fields(self) -> list[str]:
        return [*self.plain.values(), *self.people.values(), "work_order_id"]

    def check(self, rows: list[Row], context: Context) -> None:
        keys = [r.get(self.work_order_column) for r in rows if r.get(self.work_order_column)]
        orders = context.work_order_ids(keys)
        for row in rows:
            key = row.get(self.work_order_column)
            row.order_id = orders.get(key) if key else None
            if key and row.order_id is None:
                context.error(
                    row.number, self.work_order_column, _("unknown work order %(id)s") % {"id": key}
                )
                row.bad = True
            row.people = {column: context.employee_id(row, column) for column in self.people}
            self.check_row(row, context)
        if context.user is not None:
            self._check_stored_in_scope(rows, context)

    def check_row(self, row: Row, context: Context) -> None:
        """Rules across columns of one row."""

    def derive(self, values: dict) -> None:
        """Set the fields computed from a row's values (none by default)."""

    def _check_stored_in_scope(self, rows, context):
        # A stored record hanging off a work order the user cannot see stays untouched.
        stored = dict(
            self.model.objects.filter(
                external_id__in=[r.get("external_id") for r in rows if not r.bad]
            ).values_list("external_id", "work_order__external_id")
        )
        orders = {o for o in stored.values() if o}
        visible = context.work_order_ids(orders)
        for row in rows:
            order = stored.get(row.get("external_id"))
            if order and order not in visible:
                context.error(
                    row.number,
                    "external_id",
                    _("%(id)s belongs to a work order outside your scope") % {"id": row.get("external_id")},
                )
                row.bad = True

    def write(self, rows: list[Row], context: Context) -> tuple[int, int, int]:
        wanted = {}
        for row in rows:
            values = {
                field: row.get(column, self.defaults.get(column)) for column, field in self.plain.items()
            }
            values.update({field: row.people[column] for column, field in self.people.items()})
            values["work_order_id"] = row.order_id
            self.derive(values)
            wanted[row.get("external_id")] = values
        stored = {}
        created, updated, unchanged, pks = upsert(
            self.model, "external_id", wanted, self.fields, now=context.now, stored_out=stored
        )
        audit_written(
            self.model,
            context,
            created=[(pks[key], {"external_id": key, **wanted[key]}) for key in created],
            updated=[(pks[key], stored[key], {"external_id": key, **wanted[key]}) for key in updated],
        )
        return len(created), len(updated), unchanged

    def export_queryset(self, org_unit):
        records = self.model.objects.all()
        if org_unit is not None:
            records = records.filter(work_order__service_center__path__startswith=org_unit.path)
        return records

    def export(self, org_unit=None):
        people = list(self.people.values())
        names = [
            "external_id",
            "work_order__external_id",
            *self.plain.values(),
            *[f"{f.removesuffix('_id')}__employee_no" for f in people],
        ]
        by_name = dict(zip(names, range(len(names)), strict=True))
        records = self.export_queryset(org_unit).order_by("pk").values_list(*names)
        for record in records.iterator(chunk_size=5000):
            out = []
            for column in self.columns:
                if column.name == "external_id":
                    value = record[0]
                elif column.name == self.work_order_column:
                    value = record[1]
                elif column.name in self.plain:
                    value = record[by_name[self.plain[column.name]]]
                else:
                    value = record[by_name[f"{self.people[column.name].removesuffix('_id')}__employee_no"]]
                out.append(_format(value))
            yield out


def _format(value) -> str:
    import datetime

    if value is None:
        return ""
    if isinstance(value, bool):
        return format_bool(value)
    if isinstance(value, datetime.datetime):
        return format_timestamp(value)
    return str(value)


class SurveyResponses(VoiceKind):
    name = "survey_responses"
    model = SurveyResponse
    columns = [
        Column("external_id", _external_id, required=True),
        Column("work_order_external_id", required=True),
        Column("submitted_at", cells.timestamp, required=True),
        Column("overall", _rating, required=True, numeric=True),
        Column("attitude", _rating, numeric=True),
        Column("quality", _rating, numeric=True),
        Column("speed", _rating, numeric=True),
        Column("nps", lambda v: cells.integer(v, minimum=0, maximum=10), numeric=True),
        Column("comment"),
        choice_column("channel", SurveyResponse.Channel),
    ]
    plain = {
        c: c for c in ("submitted_at", "overall", "attitude", "quality", "speed", "nps", "comment", "channel")
    }
    defaults = {"comment": "", "channel": ""}


class FollowUps(VoiceKind):
    name = "followups"
    model = FollowUp
    columns = [
        Column("external_id", _external_id, required=True),
        Column("work_order_external_id", required=True),
        Column("agent", required=True),
        Column("called_at", cells.timestamp, required=True),
        Column("reached", cells.boolean, required=True),
        Column("satisfied", _rating, numeric=True),
        Column("note"),
    ]
    plain = {c: c for c in ("called_at", "reached", "satisfied", "note")}
    defaults = {"note": ""}
    people = {"agent": "agent_id"}

    def check_row(self, row, context):
        if row.get("reached") is False and row.get("satisfied") is not None:
            context.error(
                row.number, "satisfied", _("a call that did not reach the customer has no satisfaction")
            )
            row.bad = True


class Complaints(VoiceKind):
    name = "complaints"
    model = Complaint
    work_order_required = False
    columns = [
        Column("external_id", _external_id, required=True),
        Column("received_at", cells.timestamp, required=True),
        Column("work_order_external_id"),
        Column("employee"),
        Column("handler"),
        choice_column("severity", Complaint.Severity),
        Column("valid", cells.boolean),
        Column("resolved_at", cells.timestamp),
        Column("satisfied_after", cells.boolean),
    ]
    plain = {c: c for c in ("received_at", "severity", "valid", "resolved_at", "satisfied_after")}
    defaults = {"severity": "", "valid": True}
    people = {"employee": "employee_id", "handler": "handler_id"}

    @property
    def fields(self) -> list[str]:
        return [*super().fields, "state", "due_at"]

    def prepare(self, context: Context) -> None:
        self.sla = complaint_sla()

    def derive(self, values: dict) -> None:
        """The workflow state the imported fields imply: closed once the customer said whether
        they are satisfied, resolved, not valid, assigned to a handler, else received. One
        not resolved is due when a complaint registered on the desk would be (received +
        VoicePolicy.complaint_sla_hours), so it breaches and is escalated like one."""
        state = Complaint.State
        received, resolved = values.get("received_at"), values.get("resolved_at")
        values["due_at"] = received + self.sla if received and not resolved else None
        if values.get("resolved_at") and values.get("satisfied_after") is not None:
            values["state"] = state.CLOSED
        elif values.get("resolved_at"):
            values["state"] = state.RESOLVED
        elif values.get("valid") is False:
            values["state"] = state.NOT_VALID
        elif values.get("handler_id"):
            values["state"] = state.ASSIGNED
        else:
            values["state"] = state.RECEIVED

    def check_row(self, row, context):
        if (
            row.get("resolved_at")
            and row.get("received_at")
            and row.get("resolved_at") < row.get("received_at")
        ):
            context.error(row.number, "resolved_at", _("resolved_at is earlier than received_at"))
            row.bad = True

    def _check_stored_in_scope(self, rows, context):
        stored = dict(
            Complaint.objects.filter(
                external_id__in=[r.get("external_id") for r in rows if not r.bad]
            ).values_list("external_id", "employee__employee_no")
        )
        visible = context.employees()
        for row in rows:
            number = stored.get(row.get("external_id"))
            if number and number not in visible:
                context.error(
                    row.number,
                    "external_id",
                    _("%(id)s is about an employee outside your scope") % {"id": row.get("external_id")},
                )
                row.bad = True
        super()._check_stored_in_scope(rows, context)

    def export_queryset(self, org_unit):
        records = Complaint.objects.all()
        if org_unit is not None:
            records = records.filter(
                Q(work_order__service_center__path__startswith=org_unit.path)
                | Q(employee__org_unit__path__startswith=org_unit.path)
            )
        return records
