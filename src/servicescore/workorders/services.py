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

from servicescore.core import uploads
from servicescore.core.roles import SELF_ONLY_ROLES

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


ACTION_LABELS = {
    "create": gettext_lazy("create"),
    "edit": gettext_lazy("edit"),
    "dispatch": gettext_lazy("dispatch"),
    "reassign": gettext_lazy("reassign"),
    "labour": gettext_lazy("record labour on"),
    "parts": gettext_lazy("record parts on"),
    "note": gettext_lazy("add a note to"),
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
            _("Cannot %(action)s work order %(id)s: it is %(state)s.")
            % {
                "action": ACTION_LABELS[action],
                "id": locked.external_id,
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
    locked.last_event = _event(locked, action, from_state, locked.state, by, at, **event)
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
    return _finish(
        locked,
        "dispatch",
        from_state,
        by,
        at,
        ["technician", "dispatched_at", "first_response_at"],
        note=note,
    )


@transaction.atomic
def accept(order: WorkOrder, *, by=None, at=None) -> WorkOrder:
    """The technician takes the job; dispatched → accepted."""
    locked, from_state, at = _transition(order, "accept", by, at, "accepted_at")
    return _finish(locked, "accept", from_state, by, at, ["accepted_at"])


@transaction.atomic
def start(order: WorkOrder, *, by=None, at=None, latitude=None, longitude=None, note="") -> WorkOrder:
    """Check in and start work; accepted → in progress."""
    locked, from_state, at = _transition(order, "start", by, at, "started_at")
    return _finish(
        locked, "start", from_state, by, at, ["started_at"], note=note, latitude=latitude, longitude=longitude
    )


@transaction.atomic
def complete(order: WorkOrder, *, resolution: str, by=None, at=None, note="") -> WorkOrder:
    """Finish the work with a resolution; in progress → completed. Needs a technician."""
    locked, from_state, at = _transition(order, "complete", by, at, "completed_at")
    if locked.technician_id is None:
        raise ValidationError({"technician": _("A work order cannot be completed without a technician.")})
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
def record_labour(order: WorkOrder, *, technician, standard_hours: Decimal, clocked_hours: Decimal, by=None):
    """Create or replace one technician's labour line on a work order."""
    from .models import LabourLine

    for field, value in (("standard_hours", standard_hours), ("clocked_hours", clocked_hours)):
        if value is None or Decimal(value) < 0:
            raise ValidationError({field: _("Hours cannot be negative.")})
    line, _created = LabourLine.objects.update_or_create(
        work_order=order,
        technician=technician,
        defaults={"standard_hours": standard_hours, "clocked_hours": clocked_hours},
    )
    _event(
        order,
        "labour",
        order.state,
        order.state,
        by,
        timezone.now(),
        note=f"{technician.employee_no}: {standard_hours}/{clocked_hours}",
    )
    return line


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


class WorkOrderConflict(ValidationError):
    """Someone else changed the work order after the user loaded it; nothing was written."""


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

    if employee.status != Employee.Status.ACTIVE:
        raise ValidationError(
            {
                field: _("%(name)s (%(no)s) has left the company.")
                % {"name": employee.name, "no": employee.employee_no}
            }
        )
    if assignable and employee.position not in ("technician", "foreman"):
        raise ValidationError(
            {
                field: _("%(name)s (%(no)s) is a %(position)s, not a technician.")
                % {
                    "name": employee.name,
                    "no": employee.employee_no,
                    "position": employee.get_position_display(),
                }
            }
        )
    if centre is not None and not employee.org_unit.path.startswith(centre.path):
        raise ValidationError(
            {
                field: _(
                    "%(name)s (%(no)s) works at %(unit)s, not at %(centre)s; "
                    "choose someone from this service centre."
                )
                % {
                    "name": employee.name,
                    "no": employee.employee_no,
                    "unit": employee.org_unit.name,
                    "centre": centre.name,
                }
            }
        )


def _acting_employee(by):
    employee = getattr(by, "employee", None) if getattr(by, "is_authenticated", False) else None
    return employee


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
    if technician is None:
        raise ValidationError({"technician": _("Choose a technician to dispatch to.")})
    locked = _locked(order)
    _check_version(locked, version)
    if action == "dispatch" and locked.state != State.NEW:
        raise WorkOrderConflict(_changed_message(locked))
    check_staff_at_centre(locked.service_center, technician, "technician", assignable=True)
    if action == "dispatch":
        dispatched = dispatch(locked, technician=technician, by=by, at=at, note=note)
        employee = _acting_employee(by)
        if employee is not None and dispatched.dispatcher_id is None:
            dispatched.dispatcher = employee
            dispatched.save(update_fields=["dispatcher", "modified"])
        return dispatched
    if locked.technician_id == technician.pk:
        raise ValidationError(
            {
                "technician": _("%(id)s is already assigned to %(name)s.")
                % {"id": locked.external_id, "name": technician.name}
            }
        )
    previous = locked.technician.name if locked.technician_id else "—"
    locked, from_state, at = _transition(locked, "reassign", by, at, None)
    locked.technician = technician
    locked.dispatched_at = max(at, locked.created_at)
    locked.accepted_at = None
    return _finish(
        locked,
        "reassign",
        from_state,
        by,
        at,
        ["technician", "dispatched_at", "accepted_at"],
        note=note or _("from %(previous)s to %(name)s") % {"previous": previous, "name": technician.name},
    )


def clean_location(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither; latitude in [-90, 90], longitude in [-180, 180]; six decimals."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        raise ValidationError({"latitude": _("Give both latitude and longitude, or neither.")})
    values = {}
    for field, label, value, limit in (
        ("latitude", _("latitude"), latitude, 90),
        ("longitude", _("longitude"), longitude, 180),
    ):
        try:
            number = Decimal(str(value))
        except (ArithmeticError, ValueError):
            raise ValidationError({field: _("%(field)s must be a number.") % {"field": label}}) from None
        if not number.is_finite() or not -limit <= number <= limit:
            raise ValidationError(
                {
                    field: _("%(field)s must be between -%(limit)d and %(limit)d; got %(value)s.")
                    % {"field": label, "limit": limit, "value": value}
                }
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
        raise ValidationError(
            {"photos": _("At most %(max)d photos at a time.") % {"max": MAX_PHOTOS_PER_EVENT}}
        )
    limit = settings.PHOTO_MAX_BYTES
    for upload in files:
        name = getattr(upload, "name", "photo")
        if upload.size > limit:
            raise ValidationError(
                {
                    "photos": _("%(name)s is %(size).1f MB; a photo may be at most %(max).1f MB.")
                    % {"name": name, "size": upload.size / 1048576, "max": limit / 1048576}
                }
            )
    try:
        return [uploads.reencode_image(upload) for upload in files]
    except ValidationError as error:
        raise ValidationError({"photos": error.messages}) from None


def _attach_photos(event: WorkOrderEvent, photos) -> None:
    """Store photos already through clean_photos; EventPhoto's upload_to names them again
    from their content, whoever saves one."""
    from .models import EventPhoto

    for photo in photos:
        EventPhoto.objects.create(event=event, image=photo)


@transaction.atomic
def check_in(
    order: WorkOrder, *, by=None, at=None, photos=(), latitude=None, longitude=None, note=""
) -> WorkOrder:
    """The technician arrives and starts: accepted → in progress, with photos and the
    browser's location (when granted) stored on the event."""
    latitude, longitude = clean_location(latitude, longitude)
    photos = clean_photos(photos)
    started = start(order, by=by, at=at, latitude=latitude, longitude=longitude, note=note)
    _attach_photos(started.last_event, photos)
    return started


def _require_state(order: WorkOrder, action: str) -> None:
    from .policy import ACTION_SOURCES

    if order.state not in ACTION_SOURCES[action]:
        raise ValidationError(
            _("Cannot %(action)s work order %(id)s: it is %(state)s.")
            % {"action": ACTION_LABELS[action], "id": order.external_id, "state": order.get_state_display()}
        )


@transaction.atomic
def add_note(
    order: WorkOrder, *, note: str, by=None, photos=(), latitude=None, longitude=None
) -> WorkOrderEvent:
    """A note (and photos) on the timeline without changing the state."""
    latitude, longitude = clean_location(latitude, longitude)
    photos = clean_photos(photos)
    if not (note or "").strip() and not photos:
        raise ValidationError({"note": _("Write a note or add a photo.")})
    locked = _locked(order)
    _require_state(locked, "note")
    event = _event(
        locked,
        "note",
        locked.state,
        locked.state,
        by,
        timezone.now(),
        note=note.strip(),
        latitude=latitude,
        longitude=longitude,
    )
    _attach_photos(event, photos)
    return event


@transaction.atomic
def record_work_labour(order: WorkOrder, *, technician, standard_hours, clocked_hours, by=None):
    """Labour from the pages and the API: the order must be under way or completed and
    the technician must work at its service centre."""
    locked = _locked(order)
    _require_state(locked, "labour")
    check_staff_at_centre(locked.service_center, technician, "technician")
    return record_labour(
        locked, technician=technician, standard_hours=standard_hours, clocked_hours=clocked_hours, by=by
    )


@transaction.atomic
def remove_labour(order: WorkOrder, *, line_id: int, by=None) -> None:
    """Delete one labour line of a work order that is still under way or completed."""
    from .models import LabourLine

    locked = _locked(order)
    _require_state(locked, "labour")
    line = LabourLine.objects.select_related("technician").filter(work_order=locked, pk=line_id).first()
    if line is None:
        raise ValidationError({"line": _("No such labour line on this work order.")})
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


@transaction.atomic
def record_part(order: WorkOrder, *, part_no: str, name: str, quantity, unit_price, by=None):
    """Add a parts line (part no., name, quantity > 0, unit price ≥ 0)."""
    from .models import PartsLine

    locked = _locked(order)
    _require_state(locked, "parts")
    errors = {}
    if not (part_no or "").strip():
        errors["part_no"] = _("Give the part number.")
    if not (name or "").strip():
        errors["name"] = _("Give the part name.")
    if quantity is None or Decimal(quantity) <= 0:
        errors["quantity"] = _("Quantity must be more than 0.")
    if unit_price is None or Decimal(unit_price) < 0:
        errors["unit_price"] = _("Unit price cannot be negative.")
    if errors:
        raise ValidationError(errors)
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
    return line


@transaction.atomic
def remove_part(order: WorkOrder, *, line_id: int, by=None) -> None:
    """Delete one parts line."""
    from .models import PartsLine

    locked = _locked(order)
    _require_state(locked, "parts")
    line = PartsLine.objects.filter(work_order=locked, pk=line_id).first()
    if line is None:
        raise ValidationError({"line": _("No such parts line on this work order.")})
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


# The customer services name their models' fields; the pages and the API name their inputs.
CUSTOMER_INPUTS = {"external_id": "customer_external_id", "name": "customer_name", "phone": "customer_phone"}
ASSET_INPUTS = {
    "external_id": "asset_external_id",
    "kind": "asset_external_id",
    "model": "asset_model",
    "plate": "asset_plate",
    "customer": "customer_name",
}


def _with_input_names(names: dict, call, **kwargs):
    """Run `call`; a ValidationError comes out keyed by the input names."""
    try:
        return call(**kwargs)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError({names.get(k, k): v for k, v in error.error_dict.items()}) from None
        raise


@transaction.atomic
def find_customer_and_asset(
    *,
    by,
    customer_external_id: str = "",
    customer_name: str = "",
    customer_phone: str = "",
    asset_external_id: str = "",
    asset_model: str = "",
    asset_plate: str = "",
):
    """(customer, asset) a work order names, found or filed for `by`: only those he can see
    are linked and the desk does not rewrite a customer (customers.services). The pages and
    the API both come here; errors are keyed by the input names above."""
    from servicescore.customers import services as customer_services

    customer = _with_input_names(
        CUSTOMER_INPUTS,
        customer_services.find_or_create_customer,
        by=by,
        external_id=customer_external_id,
        name=customer_name,
        phone=customer_phone,
    )
    asset = _with_input_names(
        ASSET_INPUTS,
        customer_services.find_or_create_asset,
        by=by,
        external_id=asset_external_id,
        model=asset_model,
        plate=asset_plate,
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


@transaction.atomic
def open_work_order(*, by=None, **fields) -> WorkOrder:
    """Create from the pages and the API: checks the centre and the people named on it,
    generates an external id when none is given, and lets the SLA policy set the deadlines."""
    centre = fields.get("service_center")
    if centre is None or centre.kind != "service_center":
        raise ValidationError({"service_center": _("Choose a service centre.")})
    if fields.get("advisor") is None and getattr(by, "effective_role", None) in SELF_ONLY_ROLES:
        # Someone who sees only his own orders opens one at the desk: he is its advisor,
        # or he could not open the order he just created.
        fields["advisor"] = _acting_employee(by)
    if fields.get("advisor") is not None:
        check_staff_at_centre(centre, fields["advisor"], "advisor")
    if not fields.get("external_id"):
        fields["external_id"] = new_external_id()
    elif WorkOrder.objects.filter(external_id=fields["external_id"]).exists():
        raise ValidationError(
            {
                "external_id": _("A work order with external id %(id)s already exists.")
                % {"id": fields["external_id"]}
            }
        )
    technician = fields.pop("technician", None)
    if technician is not None:
        from .policy import require

        require(by, "dispatch")
    order = create_work_order(by=by, **fields)
    if technician is not None:
        order = assign(order, technician=technician, by=by)
    return order


@transaction.atomic
def update_work_order(order: WorkOrder, *, by=None, version: str | None = None, **changes) -> WorkOrder:
    """Edit the descriptive fields of an open or completed order; a change of type or
    priority recomputes the SLA deadlines unless new ones are given. The event lists
    every field changed, old → new."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    locked = _locked(order)
    _check_version(locked, version)
    _require_state(locked, "edit")
    if changes.get("advisor") is not None:
        check_staff_at_centre(locked.service_center, changes["advisor"], "advisor")
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
    return locked


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
    from servicescore.core.audit import audit_record, diff, snapshot

    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
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
    """The event of parts or labour lines corrected in the admin (each line's own audit
    entry holds its old → new)."""
    return _event(order, "parts", order.state, order.state, by, timezone.now(), note=note)


def check_comeback_link(order: WorkOrder, rework_of_id: int | None) -> None:
    """Refuse a comeback link that would make a cycle (the order itself or one of its own
    comebacks); forms call it to show the message beside the field."""
    if rework_of_id and order.pk and _in_comeback_chain(rework_of_id, order.pk):
        raise ValidationError(
            {"rework_of": _("A work order cannot be a comeback of itself or of its own comebacks.")}
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
    from . import policy

    policy.require(by, action, order)
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
    raise ValidationError({"action": _("Unknown action %(action)s.") % {"action": action}})
