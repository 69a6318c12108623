"""Everything that changes a work order or its lines: one transaction each, row-locked, with
an event on the order's timeline and one audit entry (core/audit.py) on the order, old → new.

One service per use case, called by the pages, the API and the admin alike: `open_work_order`
(with its customer and vehicle), `update_work_order`, the transitions (`assign`, `accept`,
`check_in`, `complete`, `close`, `reopen`, `cancel`, or `perform` by name), `record_labour`,
`record_part`, `add_note` and their removals. Those the desk and the technician use check the
role (policy.py) themselves; the admin's data maintenance has its own twins
(`enter_work_order`, `correct_work_order`, `correct_labour`) that skip the desk's rules but
not the audit. Refusals are core.errors with the codes of errors.py. The importer uses its
bulk twin in servicescore.exchange (state derived from timestamps, see import-formats.md).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from servicescore.core import uploads
from servicescore.core.audit import audit_record, diff, snapshot
from servicescore.core.errors import DomainError, Invalid, NotFound, Refused
from servicescore.core.roles import SELF_ONLY_ROLES

from . import errors, signals
from .errors import WorkOrderConflict, wrong_state
from .models import LIFECYCLE, SLAPolicy, StandardSource, State, WorkOrder, WorkOrderEvent
from .policy import ACTION_LABELS, ACTION_SOURCES, require


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
            errors.append(
                (
                    field,
                    _("%(field)s is earlier than %(previous)s")
                    % {
                        "field": field,
                        "previous": previous_field,
                    },
                )
            )
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


def _create(*, by, **fields) -> WorkOrder:
    """A work order in state `new` with its "create" event; the SLA policy fills the
    deadlines not given. No desk rules and no audit entry: its callers add those."""
    fields.setdefault("created_at", timezone.now())
    order = WorkOrder(**fields)
    response_due, due = sla_deadlines(order.type, order.priority, order.created_at)
    order.response_due_at = order.response_due_at or response_due
    order.due_at = order.due_at or due
    order.full_clean()
    order.save()
    _event(order, "create", "", State.NEW, by, order.created_at)
    return order


@transaction.atomic
def enter_work_order(*, by=None, **fields) -> WorkOrder:
    """A work order entered in the admin (data maintenance by HR and administrators): the
    model's own rules and the SLA deadlines, none of the desk's (`open_work_order`); audited."""
    return _audit_created(_create(by=by, **fields), by)


def _locked(order: WorkOrder) -> WorkOrder:
    """Re-read the row under a lock so that two concurrent requests cannot both move it."""
    return WorkOrder.objects.select_for_update().get(pk=order.pk)


def _event(order, action, from_state, to_state, by, at, *, note="", latitude=None, longitude=None):
    return WorkOrderEvent.objects.create(
        work_order=order,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=by if getattr(by, "is_authenticated", False) else None,
        at=at,
        note=note,
        latitude=latitude,
        longitude=longitude,
    )


# --- the audit entry ---------------------------------------------------------------------

# What an entry compares: every stored field but the key and the row's own timestamps.
AUDITED_FIELDS = tuple(
    field.name
    for field in WorkOrder._meta.concrete_fields
    if not field.primary_key and field.name not in ("created", "modified")
)


def _audit(order: WorkOrder, action: str, by, before: dict, *, reason: str = "", extra=None) -> WorkOrder:
    """The one entry of a service's change: the order's fields old → new since `before`
    (a snapshot of AUDITED_FIELDS), and `extra` — what changed beside the order's own
    fields (a line, a note, photos) — as {name: [old, new]}."""
    changes = diff(before, snapshot(order, AUDITED_FIELDS))
    changes.update(extra or {})
    audit_record(actor=by, action=action, obj=order, changes=changes, reason=reason)
    return order


def _audit_created(order: WorkOrder, by) -> WorkOrder:
    """The "create" entry: every field given a value, from nothing."""
    values = {
        name: value for name, value in snapshot(order, AUDITED_FIELDS).items() if value not in (None, "")
    }
    audit_record(actor=by, action="create", obj=order, changes=diff({}, values))
    return order


def _where_and_what(latitude, longitude, photo_names) -> dict:
    """The location and photos that came with a step, for its audit entry."""
    extra = {}
    if latitude is not None:
        extra["location"] = [None, f"{latitude}, {longitude}"]
    if photo_names:
        extra["photos"] = [None, photo_names]
    return extra


# --- transitions -------------------------------------------------------------------------


@dataclass
class _Step:
    """A transition under way: the locked row, the state it left, when, and its audited
    values before."""

    order: WorkOrder
    from_state: str
    at: datetime.datetime
    before: dict


def _transition(order: WorkOrder, action: str, at, stamp_field: str | None) -> _Step:
    locked = _locked(order)
    before = snapshot(locked, AUDITED_FIELDS)
    method = getattr(locked, action)
    if not can_proceed(method):
        raise wrong_state(locked, ACTION_LABELS[action])
    at = at or timezone.now()
    from_state = locked.state
    method()
    if stamp_field:
        setattr(locked, stamp_field, at)
        problems = lifecycle_errors({f: getattr(locked, f) for f, _s in LIFECYCLE})
        if problems:
            raise Invalid(problems[0][1], code=errors.TIMESTAMP_ORDER, field=stamp_field)
    return _Step(locked, from_state, at, before)


def _finish(step: _Step, action, by, fields, **event) -> WorkOrder:
    """Save the transition and write its event (the caller writes the audit entry)."""
    locked = step.order
    locked.save(update_fields=["state", "modified", *fields])
    locked.last_event = _event(locked, action, step.from_state, locked.state, by, step.at, **event)
    return locked


def _technician_required() -> Invalid:
    return Invalid(
        _("Choose a technician to dispatch to."), code=errors.TECHNICIAN_REQUIRED, field="technician"
    )


def _dispatch(order: WorkOrder, *, technician, by, at, note) -> _Step:
    """new → dispatched, to `technician`; the acting dispatcher is recorded. No checks of
    the technician (`assign` makes them) and no audit entry (its callers write one)."""
    if technician is None:
        raise _technician_required()
    step = _transition(order, "dispatch", at, "dispatched_at")
    locked = step.order
    locked.technician = technician
    if locked.first_response_at is None:
        locked.first_response_at = step.at
    employee = _acting_employee(by)
    if employee is not None and locked.dispatcher_id is None:
        locked.dispatcher = employee
    _finish(
        step, "dispatch", by, ["technician", "dispatched_at", "first_response_at", "dispatcher"], note=note
    )
    return step


@transaction.atomic
def accept(order: WorkOrder, *, by=None, at=None) -> WorkOrder:
    """The technician takes the job; dispatched → accepted."""
    step = _transition(order, "accept", at, "accepted_at")
    _finish(step, "accept", by, ["accepted_at"])
    return _audit(step.order, "accept", by, step.before)


def _start(order: WorkOrder, *, by, at, latitude, longitude, note) -> _Step:
    """accepted → in progress, with a location already through `clean_location`."""
    step = _transition(order, "start", at, "started_at")
    _finish(step, "start", by, ["started_at"], note=note, latitude=latitude, longitude=longitude)
    return step


@transaction.atomic
def complete(order: WorkOrder, *, resolution: str, by=None, at=None, note="") -> WorkOrder:
    """Finish the work with a resolution; in progress → completed. Needs a technician."""
    step = _transition(order, "complete", at, "completed_at")
    locked = step.order
    if locked.technician_id is None:
        raise Invalid(
            _("A work order cannot be completed without a technician."),
            code=errors.TECHNICIAN_REQUIRED,
            field="technician",
        )
    if not resolution:
        raise Invalid(
            _("Give the resolution (fixed, not fixed, no fault found)."),
            code=errors.RESOLUTION_REQUIRED,
            field="resolution",
        )
    locked.resolution = resolution
    _finish(step, "complete", by, ["completed_at", "resolution"], note=note)
    return _audit(locked, "complete", by, step.before, reason=note)


@transaction.atomic
def close(order: WorkOrder, *, by=None, at=None, note="") -> WorkOrder:
    """Close a completed work order; completed → closed."""
    step = _transition(order, "close", at, "closed_at")
    _finish(step, "close", by, ["closed_at"], note=note)
    closed = _audit(step.order, "close", by, step.before, reason=note)
    signals.work_order_closed.send(sender=WorkOrder, order=closed, by=by)
    return closed


@transaction.atomic
def reopen(order: WorkOrder, *, reason: str, by=None, at=None) -> WorkOrder:
    """Send a completed (not yet closed) work order back to work; completed → in progress."""
    if not (reason or "").strip():
        raise Invalid(_("Say why the work order is reopened."), code=errors.REASON_REQUIRED, field="reason")
    step = _transition(order, "reopen", at, None)
    locked = step.order
    locked.completed_at = None
    locked.resolution = ""
    _finish(step, "reopen", by, ["completed_at", "resolution"], note=reason)
    return _audit(locked, "reopen", by, step.before, reason=reason.strip())


@transaction.atomic
def cancel(order: WorkOrder, *, reason: str, by=None, at=None) -> WorkOrder:
    """Cancel an open work order; a reason is required."""
    if not (reason or "").strip():
        raise Invalid(_("Say why the work order is cancelled."), code=errors.REASON_REQUIRED, field="reason")
    step = _transition(order, "cancel", at, "cancelled_at")
    locked = step.order
    if step.at < locked.created_at:
        raise Invalid(
            _("cancelled_at is earlier than created_at"), code=errors.TIMESTAMP_ORDER, field="cancelled_at"
        )
    locked.cancel_reason = reason.strip()
    _finish(step, "cancel", by, ["cancelled_at", "cancel_reason"], note=reason)
    cancelled = _audit(locked, "cancel", by, step.before, reason=reason.strip())
    signals.work_order_cancelled.send(sender=WorkOrder, order=cancelled, by=by)
    return cancelled


# --- labour and parts lines ----------------------------------------------------------------

CENTS = Decimal("0.01")


def _two_places(value) -> str:
    return str(Decimal(value).quantize(CENTS))


def _labour_text(line) -> str:
    """A labour line as its audit entry shows it: employee no.: [operation code] standard /
    clocked hours, and "override" when the standard hours are not the catalogue's."""
    operation = f"{line.operation.code} " if line.operation_id else ""
    hours = f"{_two_places(line.standard_hours)}/{_two_places(line.clocked_hours)}"
    text = f"{line.technician.employee_no}: {operation}{hours}"
    if line.standard_source == StandardSource.OVERRIDE:
        text += " override"
    return text


def _parts_text(line) -> str:
    """A parts line as its audit entry shows it: part no., name, quantity and unit price."""
    return f"{line.part_no} {line.name} × {_two_places(line.quantity)} @ {_two_places(line.unit_price)}"


@dataclass(frozen=True)
class StandardHours:
    """A labour line's standard hours and where they came from (models.StandardSource): the
    catalogue's row, hours entered for work the catalogue does not list, or an override of
    the catalogue's (`listed`) by `override_by` with a reason."""

    hours: Decimal
    source: str
    operation: object = None
    listed: Decimal | None = None
    override_by: object = None
    reason: str = ""

    @classmethod
    def of_line(cls, line) -> "StandardHours":
        return cls(
            hours=line.standard_hours,
            source=line.standard_source,
            operation=line.operation,
            override_by=line.override_by,
            reason=line.override_reason,
        )


def _standard_hours(
    locked: WorkOrder, *, technician, operation_code, standard_hours, reason, by, old
) -> StandardHours:
    """The standard part of a line recorded on the pages or the API (policy.py says who):

    - an operation alone: the catalogue's hours (catalogue.py); a technician records only this;
    - an operation and other hours: an override, by STANDARD_HOURS_ROLES with a reason;
    - hours alone: entered, by the same roles, for work the catalogue does not list;
    - neither, or the line's own operation again: the line on file keeps its standard part
      (the technician updating his clocked hours keeps the foreman's override).
    Nobody sets the standard hours of his own line."""
    from . import catalogue

    reason = (reason or "").strip()
    code = (operation_code or "").strip()
    if not code:
        if standard_hours is None:
            if old is not None:
                return StandardHours.of_line(old)
            raise Invalid(
                _("Choose the operation from the labour-operation catalogue."),
                code=errors.STANDARD_HOURS_REQUIRED,
                field="operation_code",
            )
        _may_set_standard_hours(by, technician)
        return StandardHours(hours=Decimal(standard_hours), source=StandardSource.ENTERED)
    operation = catalogue.operation_for(locked, code)
    listed = operation.standard_hours
    if standard_hours is None or Decimal(standard_hours) == listed:
        kept = (
            old is not None
            and old.operation_id == operation.pk
            and old.standard_source == StandardSource.OVERRIDE
        )
        if standard_hours is None and kept:
            return StandardHours.of_line(old)
        return StandardHours(hours=listed, source=StandardSource.CATALOGUE, operation=operation)
    _may_set_standard_hours(by, technician)
    if not reason:
        raise Invalid(
            _("Say why the standard hours differ from the catalogue's %(hours)s.")
            % {"hours": _two_places(listed)},
            code=errors.OVERRIDE_REASON_REQUIRED,
            field="reason",
        )
    return StandardHours(
        hours=Decimal(standard_hours),
        source=StandardSource.OVERRIDE,
        operation=operation,
        listed=listed,
        override_by=by if getattr(by, "is_authenticated", False) else None,
        reason=reason,
    )


def _may_set_standard_hours(by, technician) -> None:
    from .policy import require_standard_hours_right

    require_standard_hours_right(by)
    if by is not None and _acting_employee(by) is not None and _acting_employee(by).pk == technician.pk:
        raise Refused(
            _("You may not set the standard hours of your own labour line; ask your foreman or advisor."),
            code=errors.OWN_STANDARD_HOURS,
            field="standard_hours",
        )


def _set_labour(
    locked: WorkOrder, *, technician, standard: StandardHours, clocked_hours, by, reason="", old=None
):
    """Create or replace one technician's labour line, with its event and audit entry (an
    override adds the catalogue's and the given hours to it, and its reason)."""
    from .models import LabourLine

    for field, value in (("standard_hours", standard.hours), ("clocked_hours", clocked_hours)):
        if value is None or Decimal(value) < 0:
            raise Invalid(_("Hours cannot be negative."), code=errors.NEGATIVE_HOURS, field=field)
    before = snapshot(locked, AUDITED_FIELDS)
    old_text = _labour_text(old) if old is not None else None
    line, _created = LabourLine.objects.update_or_create(
        work_order=locked,
        technician=technician,
        defaults={
            "standard_hours": standard.hours,
            "clocked_hours": clocked_hours,
            "operation": standard.operation,
            "standard_source": standard.source,
            "override_by": standard.override_by,
            "override_reason": standard.reason,
        },
    )
    operation = f"{standard.operation.code} " if standard.operation is not None else ""
    _event(
        locked,
        "labour",
        locked.state,
        locked.state,
        by,
        timezone.now(),
        note=f"{technician.employee_no}: {operation}{standard.hours}/{clocked_hours}",
    )
    extra = {"labour_line": [old_text, _labour_text(line)]}
    if standard.listed is not None:
        extra["standard_hours_override"] = [_two_places(standard.listed), _two_places(standard.hours)]
    _audit(locked, "labour", by, before, reason=standard.reason or reason, extra=extra)
    return line


def _labour_line_of(locked: WorkOrder, technician):
    from .models import LabourLine

    return (
        LabourLine.objects.select_related("technician", "operation", "override_by")
        .filter(work_order=locked, technician=technician)
        .first()
    )


@transaction.atomic
def correct_labour(order: WorkOrder, *, technician, standard_hours, clocked_hours, by=None, reason=""):
    """A labour line set in the admin (data maintenance): in any state, for anyone; the
    hours must not be negative. Standard hours other than the line's are an override of its
    operation's (or entered, without one). The desk and the technician use `record_labour`."""
    locked = _locked(order)
    old = _labour_line_of(locked, technician)
    if old is not None and standard_hours is not None and Decimal(standard_hours) == old.standard_hours:
        standard = StandardHours.of_line(old)
    elif old is not None and old.operation_id:
        standard = StandardHours(
            hours=standard_hours,
            source=StandardSource.OVERRIDE,
            operation=old.operation,
            listed=old.operation.standard_hours,
            override_by=by if getattr(by, "is_authenticated", False) else None,
            reason=(reason or "").strip(),
        )
    else:
        standard = StandardHours(hours=standard_hours, source=StandardSource.ENTERED)
    return _set_labour(
        locked,
        technician=technician,
        standard=standard,
        clocked_hours=clocked_hours,
        by=by,
        reason=reason,
        old=old,
    )


# --- assignment, check-in, lines and edits (the pages and the API) -------------------

MAX_PHOTOS_PER_EVENT = 10
EDITABLE_FIELDS = (
    "type",
    "priority",
    "channel",
    "description",
    "customer",
    "asset",
    "advisor",
    "difficulty",
    "due_at",
    "response_due_at",
    "labor_amount",
    "parts_cost",
    "travel_cost",
    "visits",
    "rework_of",
)


def _check_version(locked: WorkOrder, version: str | None) -> None:
    if version and version != locked.version:
        raise WorkOrderConflict(_changed_message(locked))


def _changed_message(locked: WorkOrder) -> str:
    last = locked.events.select_related("actor__employee").order_by("-at", "-id").first()
    who = _("someone else")
    if last is not None and last.actor is not None:
        employee = getattr(last.actor, "employee", None)
        who = employee.name if employee else (last.actor.get_full_name() or last.actor.username)
    when = timezone.localtime(last.at).strftime("%H:%M") if last else ""
    values = {"id": locked.external_id, "who": who, "when": when, "state": locked.get_state_display()}
    if locked.technician_id is None:
        return (
            _(
                "Work order %(id)s was changed by %(who)s at %(when)s while you were looking: it is now "
                "%(state)s and not assigned to anyone. Nothing was saved; look again and retry."
            )
            % values
        )
    return _(
        "Work order %(id)s was changed by %(who)s at %(when)s while you were looking: it is now "
        "%(state)s and assigned to %(technician)s. Nothing was saved; look again and retry."
    ) % {**values, "technician": locked.technician.name}


def check_staff_at_centre(centre, employee, field: str, *, assignable: bool = False) -> None:
    """An employee named on a work order must be active and work at its service centre."""
    from servicescore.org.models import Employee

    values = {"name": employee.name, "no": employee.employee_no}
    if employee.status != Employee.Status.ACTIVE:
        raise Invalid(
            _("%(name)s (%(no)s) has left the company.") % values, code=errors.EMPLOYEE_LEFT, field=field
        )
    if assignable and employee.position not in ("technician", "foreman"):
        raise Invalid(
            _("%(name)s (%(no)s) is a %(position)s, not a technician.")
            % {**values, "position": employee.get_position_display()},
            code=errors.NOT_A_TECHNICIAN,
            field=field,
        )
    if centre is not None and not employee.org_unit.path.startswith(centre.path):
        raise Invalid(
            _(
                "%(name)s (%(no)s) works at %(unit)s, not at %(centre)s; "
                "choose someone from this service centre."
            )
            % {**values, "unit": employee.org_unit.name, "centre": centre.name},
            code=errors.OTHER_SERVICE_CENTER,
            field=field,
        )


def _acting_employee(by):
    employee = getattr(by, "employee", None) if getattr(by, "is_authenticated", False) else None
    return employee


def _assign(order: WorkOrder, *, technician, by, at, note, version, action) -> _Step:
    """`assign` without its audit entry (open_work_order writes one for the whole opening)."""
    if technician is None:
        raise _technician_required()
    locked = _locked(order)
    _check_version(locked, version)
    if action == "dispatch" and locked.state != State.NEW:
        raise WorkOrderConflict(_changed_message(locked))
    check_staff_at_centre(locked.service_center, technician, "technician", assignable=True)
    if action == "dispatch":
        return _dispatch(locked, technician=technician, by=by, at=at, note=note)
    if locked.technician_id == technician.pk:
        raise Invalid(
            _("%(id)s is already assigned to %(name)s.")
            % {"id": locked.external_id, "name": technician.name},
            code=errors.ALREADY_ASSIGNED,
            field="technician",
        )
    previous = locked.technician.name if locked.technician_id else "—"
    step = _transition(locked, "reassign", at, None)
    reassigned = step.order
    reassigned.technician = technician
    reassigned.dispatched_at = max(step.at, reassigned.created_at)
    reassigned.accepted_at = None
    _finish(
        step,
        "reassign",
        by,
        ["technician", "dispatched_at", "accepted_at"],
        note=note or _("from %(previous)s to %(name)s") % {"previous": previous, "name": technician.name},
    )
    return step


@transaction.atomic
def assign(
    order: WorkOrder,
    *,
    technician,
    by=None,
    at=None,
    note="",
    version: str | None = None,
    action: str = "dispatch",
) -> WorkOrder:
    """Give a work order to a technician of its service centre.

    `action` "dispatch" takes a new order; "reassign" moves a dispatched or accepted one
    to someone else. If another user got there first (the order is no longer new, or
    `version` is stale) nothing is written and the message says who changed what.
    """
    step = _assign(order, technician=technician, by=by, at=at, note=note, version=version, action=action)
    return _audit(step.order, action, by, step.before, reason=note)


def clean_location(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither; latitude in [-90, 90], longitude in [-180, 180]; six decimals."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        raise Invalid(
            _("Give both latitude and longitude, or neither."),
            code=errors.LOCATION_INCOMPLETE,
            field="latitude",
        )
    values = {}
    for field, label, value, limit in (
        ("latitude", _("latitude"), latitude, 90),
        ("longitude", _("longitude"), longitude, 180),
    ):
        try:
            number = Decimal(str(value))
        except (ArithmeticError, ValueError):
            raise Invalid(
                _("%(field)s must be a number.") % {"field": label},
                code=errors.LOCATION_NOT_A_NUMBER,
                field=field,
            ) from None
        if not number.is_finite() or not -limit <= number <= limit:
            raise Invalid(
                _("%(field)s must be between -%(limit)d and %(limit)d; got %(value)s.")
                % {"field": label, "limit": limit, "value": value},
                code=errors.LOCATION_OUT_OF_RANGE,
                field=field,
            )
        values[field] = number.quantize(Decimal("0.000001"))
    return values["latitude"], values["longitude"]


def clean_photos(files) -> list:
    """Every upload must be a real image (JPEG, PNG, WebP, GIF) within PHOTO_MAX_BYTES and
    UPLOAD_MAX_PIXELS, judged by its content; returns them re-encoded under server-chosen
    names (core/uploads.py), so nothing the uploader wrote besides the pixels is stored."""
    from django.conf import settings

    files = list(files or [])
    if len(files) > MAX_PHOTOS_PER_EVENT:
        raise Invalid(
            _("At most %(max)d photos at a time.") % {"max": MAX_PHOTOS_PER_EVENT},
            code=errors.TOO_MANY_PHOTOS,
            field="photos",
        )
    limit = settings.PHOTO_MAX_BYTES
    for upload in files:
        name = getattr(upload, "name", "photo")
        if upload.size > limit:
            raise Invalid(
                _("%(name)s is %(size).1f MB; a photo may be at most %(max).1f MB.")
                % {"name": name, "size": upload.size / 1048576, "max": limit / 1048576},
                code=errors.PHOTO_TOO_LARGE,
                field="photos",
            )
    try:
        return [uploads.reencode_image(upload) for upload in files]
    except ValidationError as error:
        # core/uploads.py says what is wrong with the file (not_a_photo, too_many_pixels)
        raise Invalid({"photos": error}, code=error.code or errors.NOT_A_PHOTO) from None


def _attach_photos(event: WorkOrderEvent, photos) -> list[str]:
    """Store photos already through clean_photos; EventPhoto's upload_to names them again
    from their content, whoever saves one. Returns the stored names."""
    from .models import EventPhoto

    return [EventPhoto.objects.create(event=event, image=photo).image.name for photo in photos]


@transaction.atomic
def check_in(
    order: WorkOrder, *, by=None, at=None, photos=(), latitude=None, longitude=None, note=""
) -> WorkOrder:
    """The technician arrives and starts: accepted → in progress, with photos and the
    browser's location (when granted) stored on the event."""
    latitude, longitude = clean_location(latitude, longitude)
    photos = clean_photos(photos)
    step = _start(order, by=by, at=at, latitude=latitude, longitude=longitude, note=note)
    started = step.order
    names = _attach_photos(started.last_event, photos)
    return _audit(
        started, "start", by, step.before, reason=note, extra=_where_and_what(latitude, longitude, names)
    )


def _require_state(order: WorkOrder, action: str) -> None:
    if order.state not in ACTION_SOURCES[action]:
        raise wrong_state(order, ACTION_LABELS[action])


@transaction.atomic
def add_note(
    order: WorkOrder, *, note: str, by=None, photos=(), latitude=None, longitude=None
) -> WorkOrderEvent:
    """A note (and photos) on the timeline without changing the state."""
    latitude, longitude = clean_location(latitude, longitude)
    photos = clean_photos(photos)
    if not (note or "").strip() and not photos:
        raise Invalid(_("Write a note or add a photo."), code=errors.NOTE_REQUIRED, field="note")
    locked = _locked(order)
    require(by, "note", locked)
    _require_state(locked, "note")
    text = note.strip()
    event = _event(
        locked,
        "note",
        locked.state,
        locked.state,
        by,
        timezone.now(),
        note=text,
        latitude=latitude,
        longitude=longitude,
    )
    names = _attach_photos(event, photos)
    extra = {"note": [None, text]} if text else {}
    extra.update(_where_and_what(latitude, longitude, names))
    _audit(locked, "note", by, snapshot(locked, AUDITED_FIELDS), extra=extra)
    return event


@transaction.atomic
def record_labour(
    order: WorkOrder,
    *,
    technician,
    clocked_hours,
    operation_code: str = "",
    standard_hours=None,
    reason: str = "",
    by=None,
):
    """Labour from the pages and the API: the role may, the order is under way or completed
    and the technician works at its service centre; replaces his line if he has one. The
    standard hours come from the catalogue's operation; only a foreman or service advisor
    (policy.STANDARD_HOURS_ROLES) overrides them, with a reason, or enters them for work
    the catalogue does not list (`_standard_hours`)."""
    locked = _locked(order)
    require(by, "labour", locked)
    _require_state(locked, "labour")
    check_staff_at_centre(locked.service_center, technician, "technician")
    old = _labour_line_of(locked, technician)
    standard = _standard_hours(
        locked,
        technician=technician,
        operation_code=operation_code,
        standard_hours=standard_hours,
        reason=reason,
        by=by,
        old=old,
    )
    return _set_labour(
        locked, technician=technician, standard=standard, clocked_hours=clocked_hours, by=by, old=old
    )


def _line_not_found(message: str) -> NotFound:
    return NotFound(message, code=errors.LINE_NOT_FOUND, field="line")


@transaction.atomic
def remove_labour(order: WorkOrder, *, line_id: int, by=None) -> None:
    """Delete one labour line of a work order that is still under way or completed."""
    from .models import LabourLine

    locked = _locked(order)
    require(by, "labour", locked)
    _require_state(locked, "labour")
    line = (
        LabourLine.objects.select_related("technician", "operation")
        .filter(work_order=locked, pk=line_id)
        .first()
    )
    if line is None:
        raise _line_not_found(_("No such labour line on this work order."))
    before = snapshot(locked, AUDITED_FIELDS)
    old_text = _labour_text(line)
    line.delete()
    _event(
        locked,
        "labour",
        locked.state,
        locked.state,
        by,
        timezone.now(),
        note=_("removed %(no)s") % {"no": line.technician.employee_no},
    )
    _audit(locked, "labour", by, before, extra={"labour_line": [old_text, None]})


@transaction.atomic
def record_part(order: WorkOrder, *, part_no: str, name: str, quantity, unit_price, by=None):
    """Add a parts line (part no., name, quantity > 0, unit price ≥ 0)."""
    from .models import PartsLine

    locked = _locked(order)
    require(by, "parts", locked)
    _require_state(locked, "parts")
    problems = {}
    if not (part_no or "").strip():
        problems["part_no"] = ValidationError(_("Give the part number."), code=errors.PART_NO_REQUIRED)
    if not (name or "").strip():
        problems["name"] = ValidationError(_("Give the part name."), code=errors.PART_NAME_REQUIRED)
    if quantity is None or Decimal(quantity) <= 0:
        problems["quantity"] = ValidationError(
            _("Quantity must be more than 0."), code=errors.QUANTITY_NOT_POSITIVE
        )
    if unit_price is None or Decimal(unit_price) < 0:
        problems["unit_price"] = ValidationError(
            _("Unit price cannot be negative."), code=errors.NEGATIVE_UNIT_PRICE
        )
    if problems:
        raise Invalid(problems)
    before = snapshot(locked, AUDITED_FIELDS)
    line = PartsLine(
        work_order=locked,
        part_no=part_no.strip(),
        name=name.strip(),
        quantity=quantity,
        unit_price=unit_price,
    )
    line.full_clean()
    line.save()
    _event(
        locked,
        "parts",
        locked.state,
        locked.state,
        by,
        timezone.now(),
        note=f"{line.part_no} {line.name} × {line.quantity}",
    )
    _audit(locked, "parts", by, before, extra={"parts_line": [None, _parts_text(line)]})
    return line


@transaction.atomic
def remove_part(order: WorkOrder, *, line_id: int, by=None) -> None:
    """Delete one parts line."""
    from .models import PartsLine

    locked = _locked(order)
    require(by, "parts", locked)
    _require_state(locked, "parts")
    line = PartsLine.objects.filter(work_order=locked, pk=line_id).first()
    if line is None:
        raise _line_not_found(_("No such parts line on this work order."))
    before = snapshot(locked, AUDITED_FIELDS)
    old_text = _parts_text(line)
    line.delete()
    _event(
        locked,
        "parts",
        locked.state,
        locked.state,
        by,
        timezone.now(),
        note=_("removed %(part)s") % {"part": line.part_no},
    )
    _audit(locked, "parts", by, before, extra={"parts_line": [old_text, None]})


# The customer services name their models' fields; the pages and the API name their inputs.
CUSTOMER_INPUTS = {"external_id": "customer_external_id", "name": "customer_name", "phone": "customer_phone"}
ASSET_INPUTS = {
    "external_id": "asset_external_id",
    "kind": "asset_external_id",
    "model": "asset_model",
    "plate": "asset_plate",
    "customer": "customer_name",
}


@dataclass(frozen=True)
class CustomerAndAsset:
    """The customer and the vehicle (or appliance) a work order names, as the desk types them
    and the API sends them; `open_work_order` and `update_work_order` find or file them for
    the acting user (workorders/customers.py)."""

    customer_external_id: str = ""
    customer_name: str = ""
    customer_phone: str = ""
    asset_external_id: str = ""
    asset_model: str = ""
    asset_plate: str = ""


def _with_input_names(names: dict, call, **kwargs):
    """Run `call`; a ValidationError comes out keyed by the input names, of the same kind."""
    try:
        return call(**kwargs)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            renamed = {names.get(k, k): v for k, v in error.error_dict.items()}
            if isinstance(error, DomainError):
                raise type(error)(renamed, code=error.domain_code) from None
            raise ValidationError(renamed) from None
        raise


def _find_customer_and_asset(by, named: CustomerAndAsset):
    """(customer, asset) a work order names, found or filed for `by`: only those he can see
    are linked and the desk does not rewrite a customer (workorders/customers.py); errors
    are keyed by the input names above."""
    from . import customers

    customer = _with_input_names(
        CUSTOMER_INPUTS,
        customers.find_or_create_customer,
        by=by,
        external_id=named.customer_external_id,
        name=named.customer_name,
        phone=named.customer_phone,
    )
    asset = _with_input_names(
        ASSET_INPUTS,
        customers.find_or_create_asset,
        by=by,
        external_id=named.asset_external_id,
        model=named.asset_model,
        plate=named.asset_plate,
        customer=customer,
    )
    return customer, asset


def new_external_id() -> str:
    """SS-20261123-4F9A2C: the date in the company zone and six random hex digits."""
    import secrets

    from servicescore.core.periods import local_today

    while True:
        candidate = f"SS-{local_today():%Y%m%d}-{secrets.token_hex(3).upper()}"
        if not WorkOrder.objects.filter(external_id=candidate).exists():
            return candidate


def _not_editable(names) -> Invalid:
    return Invalid(
        {
            name: ValidationError(_("This field cannot be changed here."), code=errors.NOT_EDITABLE)
            for name in sorted(names)
        },
        code=errors.NOT_EDITABLE,
    )


# What the desk and the API give when opening an order; the customer and the asset come
# as a CustomerAndAsset, so that only those the user may see are linked.
OPENING_FIELDS = (
    "external_id",
    "service_center",
    "type",
    "priority",
    "channel",
    "description",
    "created_at",
    "advisor",
    "technician",
    "difficulty",
    "due_at",
    "response_due_at",
    "labor_amount",
    "parts_cost",
    "travel_cost",
    "visits",
    "rework_of",
)


@transaction.atomic
def open_work_order(*, by=None, customer_and_asset: CustomerAndAsset | None = None, **fields) -> WorkOrder:
    """Open a work order at the desk or through the API: the role may (and may dispatch,
    when a technician is named), the centre is one the user opens orders at, the people
    named work there, the customer and vehicle are found or filed for the user; an external
    id is generated when none is given and the SLA policy sets the deadlines. Dispatched at
    once when a technician is named. One audit entry ("create") for all of it."""
    from .selectors import centres_for_new_orders

    require(by, "create")
    unknown = set(fields) - set(OPENING_FIELDS)
    if unknown:
        raise _not_editable(unknown)
    centre = fields.get("service_center")
    if centre is None or centre.kind != "service_center":
        raise Invalid(
            _("Choose a service centre."), code=errors.SERVICE_CENTER_REQUIRED, field="service_center"
        )
    if by is not None and not centres_for_new_orders(by).filter(pk=centre.pk).exists():
        raise Refused(
            _("You may not open work orders at %(centre)s.") % {"centre": centre.name},
            code=errors.CENTRE_NOT_ALLOWED,
            field="service_center",
        )
    if fields.get("advisor") is None and getattr(by, "effective_role", None) in SELF_ONLY_ROLES:
        # Someone who sees only his own orders opens one at the desk: he is its advisor,
        # or he could not open the order he just created.
        fields["advisor"] = _acting_employee(by)
    if fields.get("advisor") is not None:
        check_staff_at_centre(centre, fields["advisor"], "advisor")
    if not fields.get("external_id"):
        fields["external_id"] = new_external_id()
    elif WorkOrder.objects.filter(external_id=fields["external_id"]).exists():
        raise Invalid(
            _("A work order with external id %(id)s already exists.") % {"id": fields["external_id"]},
            code=errors.DUPLICATE_EXTERNAL_ID,
            field="external_id",
        )
    technician = fields.pop("technician", None)
    if technician is not None:
        require(by, "dispatch")
    if customer_and_asset is not None:
        fields["customer"], fields["asset"] = _find_customer_and_asset(by, customer_and_asset)
    order = _create(by=by, **fields)
    if technician is not None:
        step = _assign(order, technician=technician, by=by, at=None, note="", version=None, action="dispatch")
        order = step.order
    return _audit_created(order, by)


@transaction.atomic
def update_work_order(
    order: WorkOrder,
    *,
    by=None,
    version: str | None = None,
    customer_and_asset: CustomerAndAsset | None = None,
    **changes,
) -> WorkOrder:
    """Edit the descriptive fields of an open or completed order, after the role check; the
    customer and vehicle, when given, are found or filed for the user. A change of type or
    priority recomputes the SLA deadlines unless new ones are given. The event lists every
    field changed, old → new, and so does the audit entry."""
    # The customer and the asset change only through `customer_and_asset` (scope-checked).
    unknown = set(changes) - (set(EDITABLE_FIELDS) - {"customer", "asset"})
    if unknown:
        raise _not_editable(unknown)
    locked = _locked(order)
    require(by, "edit", locked)
    _check_version(locked, version)
    _require_state(locked, "edit")
    if changes.get("advisor") is not None:
        check_staff_at_centre(locked.service_center, changes["advisor"], "advisor")
    if customer_and_asset is not None:
        changes["customer"], changes["asset"] = _find_customer_and_asset(by, customer_and_asset)
    audited = snapshot(locked, AUDITED_FIELDS)
    before = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    for name, value in changes.items():
        setattr(locked, name, value)
    sla_changed = locked.type != before["type"] or locked.priority != before["priority"]
    if sla_changed and "due_at" not in changes and "response_due_at" not in changes:
        locked.response_due_at, locked.due_at = sla_deadlines(locked.type, locked.priority, locked.created_at)
    previous_original = before["rework_of"].pk if before["rework_of"] is not None else None
    if locked.rework_of_id != previous_original:
        check_comeback_link(locked, locked.rework_of_id)
    changed = [name for name in EDITABLE_FIELDS if getattr(locked, name) != before[name]]
    if not changed:
        return locked
    locked.full_clean()
    locked.save(update_fields=[*changed, "modified"])
    note = "; ".join(f"{name}: {_show(before[name])} → {_show(getattr(locked, name))}" for name in changed)
    locked.last_event = _event(locked, "edit", locked.state, locked.state, by, timezone.now(), note=note)
    return _audit(locked, "edit", by, audited)


# What the admin's data maintenance may correct: everything but the state and the
# timestamps and texts its transitions set.
CORRECTABLE_FIELDS = (
    *EDITABLE_FIELDS,
    "external_id",
    "service_center",
    "created_at",
    "technician",
    "dispatcher",
)


@transaction.atomic
def correct_work_order(order: WorkOrder, *, by=None, reason: str = "", **changes) -> WorkOrder:
    """A correction from the admin (HR and administrators maintaining data): any field of
    CORRECTABLE_FIELDS, in any state. Like `update_work_order`, the "edit" event lists every
    field changed, old → new; an audit entry records the same."""
    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise _not_editable(unknown)
    locked = _locked(order)
    before_values = {name: getattr(locked, name) for name in changes}
    before = snapshot(locked, changes)
    for name, value in changes.items():
        setattr(locked, name, value)
    after = snapshot(locked, changes)
    changed = [name for name in changes if before[name] != after[name]]
    if not changed:
        return locked
    if "rework_of" in changed:
        check_comeback_link(locked, locked.rework_of_id)
    locked.full_clean()
    locked.save(update_fields=[*changed, "modified"])
    note = "; ".join(
        f"{name}: {_show(before_values[name])} → {_show(getattr(locked, name))}" for name in changed
    )
    locked.last_event = _event(locked, "edit", locked.state, locked.state, by, timezone.now(), note=note)
    audit_record(actor=by, action="edit", obj=locked, changes=diff(before, after), reason=reason)
    return locked


@transaction.atomic
def note_line_corrections(order: WorkOrder, *, by=None, note: str) -> WorkOrderEvent:
    """The event of parts lines corrected in the admin (each line's own audit entry, written
    by the admin, holds its old → new)."""
    return _event(order, "parts", order.state, order.state, by, timezone.now(), note=note)


def check_comeback_link(order: WorkOrder, rework_of_id: int | None) -> None:
    """Refuse a comeback link that would make a cycle (the order itself or one of its own
    comebacks); forms call it to show the message beside the field."""
    if rework_of_id and order.pk and _in_comeback_chain(rework_of_id, order.pk):
        raise Invalid(
            _("A work order cannot be a comeback of itself or of its own comebacks."),
            code=errors.COMEBACK_CYCLE,
            field="rework_of",
        )


def _in_comeback_chain(start_id: int, order_id: int, limit: int = 50) -> bool:
    """Whether following rework_of from `start_id` reaches `order_id` (a cycle)."""
    current, seen = start_id, 0
    while current is not None and seen < limit:
        if current == order_id:
            return True
        current = WorkOrder.objects.filter(pk=current).values_list("rework_of_id", flat=True).first()
        seen += 1
    return False


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def perform(order: WorkOrder, action: str, *, by, **params) -> WorkOrder:
    """One named action from the pages or the API, after the role check (policy.py)."""
    require(by, action, order)
    note = params.get("note") or ""
    if action in ("dispatch", "reassign"):
        return assign(
            order,
            technician=params.get("technician"),
            by=by,
            note=note,
            version=params.get("version"),
            action=action,
        )
    if action == "accept":
        return accept(order, by=by)
    if action == "start":
        return check_in(
            order,
            by=by,
            photos=params.get("photos") or (),
            latitude=params.get("latitude"),
            longitude=params.get("longitude"),
            note=note,
        )
    if action == "complete":
        return complete(order, resolution=params.get("resolution") or "", by=by, note=note)
    if action == "close":
        return close(order, by=by, note=note)
    if action == "reopen":
        return reopen(order, reason=params.get("reason") or note, by=by)
    if action == "cancel":
        return cancel(order, reason=params.get("reason") or note, by=by)
    raise Invalid(
        _("Unknown action %(action)s.") % {"action": action}, code=errors.UNKNOWN_ACTION, field="action"
    )
