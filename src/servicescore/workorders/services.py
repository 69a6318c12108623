"""Work-order state changes: one transaction each, row-locked, with an event row.

Views, the API and the demo call these; the importer uses its bulk twin in
servicescore.exchange (state derived from timestamps, see import-formats.md).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from .models import LIFECYCLE, SLAPolicy, State, WorkOrder, WorkOrderEvent


def lifecycle_errors(values: dict) -> list[tuple[str, str]]:
    """(field, message) for every lifecycle timestamp earlier than the stage before it.

    `values` maps field names to aware datetimes or None. The same rule serves forms,
    services and the importer.
    """
    errors = []
    previous_field, previous = None, None
    for field, _state in LIFECYCLE:
        moment = values.get(field)
        if moment is None:
            continue
        if previous is not None and moment < previous:
            errors.append((field, _("%(field)s is earlier than %(previous)s") % {
                "field": field, "previous": previous_field,
            }))
        else:
            previous_field, previous = field, moment
    created = values.get("created_at")
    for field in ("first_response_at", "cancelled_at"):
        moment = values.get(field)
        if moment is not None and created is not None and moment < created:
            errors.append((field, _("%(field)s is earlier than created_at") % {"field": field}))
    return errors


def state_from_timestamps(values: dict) -> str:
    """The state a set of lifecycle timestamps implies: the latest stage given wins."""
    if values.get("cancelled_at"):
        return State.CANCELLED
    state = State.NEW
    for field, stage_state in LIFECYCLE:
        if values.get(field):
            state = stage_state
    return state


def sla_deadlines(type_: str, priority: str, created_at: datetime.datetime, policies=None):
    """(response_due_at, due_at) from the SLA policy of a type and priority, or (None, None).

    `policies` may be a preloaded {(type, priority): SLAPolicy} map for bulk use.
    """
    if policies is None:
        policy = SLAPolicy.objects.filter(type=type_, priority=priority).first()
    else:
        policy = policies.get((type_, priority))
    if policy is None or created_at is None:
        return None, None
    return (
        created_at + datetime.timedelta(minutes=policy.response_minutes),
        created_at + datetime.timedelta(hours=float(policy.resolution_hours)),
    )


def sla_policy_map() -> dict:
    return {(p.type, p.priority): p for p in SLAPolicy.objects.all()}


@transaction.atomic
def create_work_order(*, by=None, **fields) -> WorkOrder:
    """Create a work order in state `new`; the SLA policy fills the deadlines not given."""
    fields.setdefault("created_at", timezone.now())
    order = WorkOrder(**fields)
    response_due, due = sla_deadlines(order.type, order.priority, order.created_at)
    order.response_due_at = order.response_due_at or response_due
    order.due_at = order.due_at or due
    order.full_clean()
    order.save()
    _event(order, "create", "", State.NEW, by, order.created_at)
    return order


def _locked(order: WorkOrder) -> WorkOrder:
    """Re-read the row under a lock so that two concurrent requests cannot both move it."""
    return WorkOrder.objects.select_for_update().get(pk=order.pk)


def _event(order, action, from_state, to_state, by, at, *, note="", latitude=None, longitude=None):
    return WorkOrderEvent.objects.create(
        work_order=order, action=action, from_state=from_state, to_state=to_state,
        actor=by if getattr(by, "is_authenticated", False) else None, at=at, note=note,
        latitude=latitude, longitude=longitude,
    )


ACTION_LABELS = {
    "dispatch": gettext_lazy("dispatch"),
    "accept": gettext_lazy("accept"),
    "start": gettext_lazy("start"),
    "complete": gettext_lazy("complete"),
    "close": gettext_lazy("close"),
    "reopen": gettext_lazy("reopen"),
    "cancel": gettext_lazy("cancel"),
}


def _transition(order: WorkOrder, action: str, by, at, stamp_field: str | None):
    locked = _locked(order)
    method = getattr(locked, action)
    if not can_proceed(method):
        raise ValidationError(
            _("Cannot %(action)s work order %(id)s: it is %(state)s.") % {
                "action": ACTION_LABELS[action], "id": locked.external_id,
                "state": locked.get_state_display(),
            }
        )
    at = at or timezone.now()
    from_state = locked.state
    method()
    if stamp_field:
        setattr(locked, stamp_field, at)
        problems = lifecycle_errors({f: getattr(locked, f) for f, _s in LIFECYCLE})
        if problems:
            raise ValidationError({stamp_field: problems[0][1]})
    return locked, from_state, at


def _finish(locked, action, from_state, by, at, fields, **event):
    locked.save(update_fields=["state", "modified", *fields])
    _event(locked, action, from_state, locked.state, by, at, **event)
    return locked


@transaction.atomic
def dispatch(order: WorkOrder, *, technician, by=None, at=None, note="") -> WorkOrder:
    """Assign the lead technician; new → dispatched."""
    if technician is None:
        raise ValidationError({"technician": _("Choose a technician to dispatch to.")})
    locked, from_state, at = _transition(order, "dispatch", by, at, "dispatched_at")
    locked.technician = technician
    if locked.first_response_at is None:
        locked.first_response_at = at
    return _finish(locked, "dispatch", from_state, by, at,
                   ["technician", "dispatched_at", "first_response_at"], note=note)


@transaction.atomic
def accept(order: WorkOrder, *, by=None, at=None) -> WorkOrder:
    """The technician takes the job; dispatched → accepted."""
    locked, from_state, at = _transition(order, "accept", by, at, "accepted_at")
    return _finish(locked, "accept", from_state, by, at, ["accepted_at"])


@transaction.atomic
def start(order: WorkOrder, *, by=None, at=None, latitude=None, longitude=None, note="") -> WorkOrder:
    """Check in and start work; accepted → in progress."""
    locked, from_state, at = _transition(order, "start", by, at, "started_at")
    return _finish(locked, "start", from_state, by, at, ["started_at"],
                   note=note, latitude=latitude, longitude=longitude)


@transaction.atomic
def complete(order: WorkOrder, *, resolution: str, by=None, at=None, note="") -> WorkOrder:
    """Finish the work with a resolution; in progress → completed. Needs a technician."""
    locked, from_state, at = _transition(order, "complete", by, at, "completed_at")
    if locked.technician_id is None:
        raise ValidationError(
            {"technician": _("A work order cannot be completed without a technician.")}
        )
    if not resolution:
        raise ValidationError({"resolution": _("Give the resolution (fixed, not fixed, no fault found).")})
    locked.resolution = resolution
    return _finish(locked, "complete", from_state, by, at, ["completed_at", "resolution"], note=note)


@transaction.atomic
def close(order: WorkOrder, *, by=None, at=None, note="") -> WorkOrder:
    """Close a completed work order; completed → closed."""
    locked, from_state, at = _transition(order, "close", by, at, "closed_at")
    return _finish(locked, "close", from_state, by, at, ["closed_at"], note=note)


@transaction.atomic
def reopen(order: WorkOrder, *, reason: str, by=None, at=None) -> WorkOrder:
    """Send a completed (not yet closed) work order back to work; completed → in progress."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the work order is reopened.")})
    locked, from_state, at = _transition(order, "reopen", by, at, None)
    locked.completed_at = None
    locked.resolution = ""
    return _finish(locked, "reopen", from_state, by, at, ["completed_at", "resolution"], note=reason)


@transaction.atomic
def cancel(order: WorkOrder, *, reason: str, by=None, at=None) -> WorkOrder:
    """Cancel an open work order; a reason is required."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the work order is cancelled.")})
    locked, from_state, at = _transition(order, "cancel", by, at, "cancelled_at")
    if at < locked.created_at:
        raise ValidationError({"cancelled_at": _("cancelled_at is earlier than created_at")})
    locked.cancel_reason = reason.strip()
    return _finish(locked, "cancel", from_state, by, at, ["cancelled_at", "cancel_reason"], note=reason)


@transaction.atomic
def record_labour(order: WorkOrder, *, technician, standard_hours: Decimal, clocked_hours: Decimal,
                  by=None):
    """Create or replace one technician's labour line on a work order."""
    from .models import LabourLine

    for field, value in (("standard_hours", standard_hours), ("clocked_hours", clocked_hours)):
        if value is None or Decimal(value) < 0:
            raise ValidationError({field: _("Hours cannot be negative.")})
    line, _created = LabourLine.objects.update_or_create(
        work_order=order, technician=technician,
        defaults={"standard_hours": standard_hours, "clocked_hours": clocked_hours},
    )
    _event(order, "labour", order.state, order.state, by, timezone.now(),
           note=f"{technician.employee_no}: {standard_hours}/{clocked_hours}")
    return line
