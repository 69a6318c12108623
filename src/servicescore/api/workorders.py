"""/api/work-orders: list (filters of the list page, keyset cursor), retrieve, create,
update, named transitions and the event log. Reads go through workorders.selectors (and
so workorders/scope.py); writes through the same workorders.services as the pages, which
check the role (workorders.policy) and raise coded errors (workorders/errors.py) that
api/main.py answers as `{code, message, field}` with their status."""

import datetime
from decimal import Decimal
from typing import Literal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from servicescore.core.phones import mask_phone
from servicescore.core.roles import can_see_full_phone
from servicescore.customers.search import query_too_short
from servicescore.org.scope import visible_employees, visible_org_units
from servicescore.workorders import selectors, services
from servicescore.workorders.models import WorkOrder
from servicescore.workorders.scope import visible_work_orders
from servicescore.workorders.selectors import WorkOrderFilters

from . import auth
from .common import (
    DEFAULT_LIMIT,
    BoolParam,
    CursorParam,
    DateIn,
    DateTimeIn,
    Limit,
    ObjectIn,
    PathText,
    bad_input,
    code_of,
    decimal_in,
    decimal_out,
    error_responses,
    keyset_page,
)

router = Router(tags=["work orders"])

TypeCode = Literal[
    "maintenance", "repair", "diagnosis", "inspection", "consultation", "warranty", "installation"
]
PriorityCode = Literal["low", "normal", "high", "urgent"]
ChannelCode = Literal["", "phone", "app", "walk_in", "online", "wecom"]
StateCode = Literal["new", "dispatched", "accepted", "in_progress", "completed", "closed", "cancelled"]
ResolutionCode = Literal["fixed", "not_fixed", "no_fault_found"]
ActionCode = Literal["dispatch", "reassign", "accept", "start", "complete", "close", "reopen", "cancel"]
# The model fields' max_digits and decimal_places.
DifficultyIn = decimal_in(digits=5, places=2, positive=True)
AmountIn = decimal_in(digits=12, places=2)
TwoPlaces = decimal_out(2)
SixPlaces = decimal_out(6)


class CustomerOut(Schema):
    external_id: str | None
    name: str
    phone: str = Field(description="Masked (138****1234) for roles that do not need it.")


class AssetOut(Schema):
    external_id: str
    model: str
    plate: str


class WorkOrderOut(Schema):
    id: int
    external_id: str
    service_center: str
    type: str
    priority: str
    channel: str
    state: str
    description: str
    customer: CustomerOut | None
    asset: AssetOut | None
    created_at: datetime.datetime
    first_response_at: datetime.datetime | None
    dispatched_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    started_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None
    cancel_reason: str
    response_due_at: datetime.datetime | None
    due_at: datetime.datetime | None
    overdue: bool
    technician: str | None
    advisor: str | None
    dispatcher: str | None
    difficulty: TwoPlaces
    labor_amount: TwoPlaces | None
    parts_cost: TwoPlaces | None
    travel_cost: TwoPlaces | None
    resolution: str
    visits: int
    rework_of: str | None
    version: str = Field(
        description="Send back as `version` to refuse the write if someone changed the order."
    )


class WorkOrderPage(Schema):
    items: list[WorkOrderOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


def work_order_out(order: WorkOrder, *, full_phone: bool, now: datetime.datetime) -> dict:
    customer = order.customer
    asset = order.asset
    return {
        "id": order.pk,
        "external_id": order.external_id,
        "service_center": order.service_center.code,
        "type": order.type,
        "priority": order.priority,
        "channel": order.channel,
        "state": order.state,
        "description": order.description,
        "customer": None
        if customer is None
        else {
            "external_id": customer.external_id,
            "name": customer.name,
            "phone": customer.phone if full_phone else mask_phone(customer.phone),
        },
        "asset": None
        if asset is None
        else {"external_id": asset.external_id, "model": asset.model, "plate": asset.plate},
        **{
            name: getattr(order, name)
            for name in (
                "created_at",
                "first_response_at",
                "dispatched_at",
                "accepted_at",
                "started_at",
                "completed_at",
                "closed_at",
                "cancelled_at",
                "cancel_reason",
                "response_due_at",
                "due_at",
                "difficulty",
                "labor_amount",
                "parts_cost",
                "travel_cost",
                "resolution",
                "visits",
            )
        },
        "overdue": selectors.sla_status(order, now).is_late,
        "technician": code_of(order.technician, "employee_no"),
        "advisor": code_of(order.advisor, "employee_no"),
        "dispatcher": code_of(order.dispatcher, "employee_no"),
        "rework_of": code_of(order.rework_of, "external_id"),
        "version": order.version,
    }


RELATED = (*selectors.LIST_RELATED, "dispatcher", "rework_of")


class WorkOrderQuery(Schema):
    state: list[StateCode] = Field(default=[], description="Repeat for several.")
    type: list[TypeCode] = Field(default=[])
    priority: list[PriorityCode] = Field(default=[])
    service_center: str | None = Field(default=None, description="Org unit code; its subtree.")
    technician: str | None = Field(default=None, description="Employee no. of the lead technician.")
    advisor: str | None = Field(default=None, description="Employee no.")
    created_from: DateIn | None = Field(default=None, description="Local date, inclusive.")
    created_to: DateIn | None = None
    completed_from: DateIn | None = None
    completed_to: DateIn | None = None
    overdue: BoolParam | None = None
    comeback: BoolParam | None = None
    q: str = Field(
        default="",
        max_length=100,
        description=(
            "Search: the start of the external id; a plate with or without separators; a "
            "customer's name (part of it); a phone's last four digits, or the whole number for "
            "roles that see phone numbers; a VIN, its start or its last 6-8 characters. At least "
            "three characters (two for a Chinese name)."
        ),
    )
    modified_since: DateTimeIn | None = Field(default=None, description="Changed at or after (for syncing).")
    sort: Literal["created", "-created", "modified", "-modified"] = "-created"
    cursor: CursorParam | None = None
    limit: Limit = DEFAULT_LIMIT


def _employee(user, employee_no: str | None, field: str):
    if not employee_no:
        return None
    found = visible_employees(user).select_related("org_unit").filter(employee_no=employee_no).first()
    if found is None:
        raise bad_input(field, _("unknown employee_no %(no)s") % {"no": employee_no})
    return found


def _centre(user, code: str | None, field: str = "service_center"):
    if not code:
        return None
    found = visible_org_units(user).filter(code=code).first()
    if found is None:
        raise bad_input(field, _("unknown org unit code %(code)s") % {"code": code})
    return found


def _search_text(text: str) -> str:
    text = text.strip()
    if text and query_too_short(text):
        raise bad_input("q", _("give at least three characters (two for a Chinese name)"))
    return text


def _filters(user, query: WorkOrderQuery) -> WorkOrderFilters:
    return WorkOrderFilters(
        states=list(query.state),
        types=list(query.type),
        priorities=list(query.priority),
        service_center=_centre(user, query.service_center),
        technician=_employee(user, query.technician, "technician"),
        advisor=_employee(user, query.advisor, "advisor"),
        created_from=query.created_from,
        created_to=query.created_to,
        completed_from=query.completed_from,
        completed_to=query.completed_to,
        overdue=query.overdue,
        comeback=query.comeback,
        q=_search_text(query.q),
    )


@router.get(
    "",
    response={200: WorkOrderPage, **error_responses(401, 403, 422, 429)},
    auth=auth.READ,
    summary="List work orders",
)
def list_work_orders(request, query: Query[WorkOrderQuery]):
    """Work orders in the caller's scope, newest first by default; follow `next_cursor`."""
    now = timezone.now()
    filters = _filters(request.user, query)
    qs = selectors.filter_work_orders(visible_work_orders(request.user), filters, now=now, user=request.user)
    if query.modified_since:
        qs = qs.filter(modified__gte=query.modified_since)
    field = "created_at" if query.sort.lstrip("-") == "created" else "modified"
    rows, next_cursor = keyset_page(
        qs.select_related(*RELATED),
        field=field,
        descending=query.sort.startswith("-"),
        cursor=query.cursor,
        limit=query.limit,
        few_rows=bool(filters.q),
    )
    full_phone = can_see_full_phone(request.user)
    return {
        "items": [work_order_out(o, full_phone=full_phone, now=now) for o in rows],
        "next_cursor": next_cursor,
    }


def _visible(request, work_order_id: int) -> WorkOrder:
    return selectors.visible_work_order(request.user, work_order_id)


def _out(request, order: WorkOrder) -> dict:
    order = visible_work_orders(request.user).select_related(*RELATED).get(pk=order.pk)
    return work_order_out(order, full_phone=can_see_full_phone(request.user), now=timezone.now())


@router.get(
    "/by-external-id/{external_id}",
    response={200: WorkOrderOut, **error_responses(401, 403, 404, 422, 429)},
    auth=auth.READ,
    summary="Retrieve a work order by its external id",
)
def get_work_order_by_external_id(request, external_id: PathText):
    order = visible_work_orders(request.user).filter(external_id=external_id).first()
    if order is None:
        from django.http import Http404

        raise Http404
    return _out(request, order)


@router.get(
    "/{work_order_id}",
    response={200: WorkOrderOut, **error_responses(401, 403, 404, 422, 429)},
    auth=auth.READ,
    summary="Retrieve a work order",
)
def get_work_order(request, work_order_id: int):
    return _out(request, _visible(request, work_order_id))


class WorkOrderIn(ObjectIn):
    external_id: str | None = Field(default=None, description="Your system's id; generated when empty.")
    service_center: str = Field(description="Org unit code of the service centre.")
    type: TypeCode
    priority: PriorityCode = "normal"
    channel: ChannelCode = ""
    description: str = ""
    created_at: DateTimeIn | None = Field(default=None, description="Default: now.")
    customer_external_id: str | None = None
    customer_name: str = ""
    customer_phone: str = ""
    asset_external_id: str | None = Field(default=None, description="VIN or serial number.")
    asset_model: str = ""
    asset_plate: str = ""
    advisor: str | None = Field(default=None, description="Employee no.")
    technician: str | None = Field(default=None, description="Employee no.; dispatches the order at once.")
    difficulty: DifficultyIn = Decimal("1.0")
    due_at: DateTimeIn | None = Field(default=None, description="Default: from the SLA policy.")
    rework_of: str | None = Field(default=None, description="External id of the original work order.")


def _rework_of(user, external_id: str | None):
    if not external_id:
        return None
    found = visible_work_orders(user).filter(external_id=external_id).first()
    if found is None:
        raise bad_input("rework_of", _("unknown work order %(id)s") % {"id": external_id})
    return found


@router.post(
    "",
    response={201: WorkOrderOut, **error_responses(400, 401, 403, 413, 422, 429)},
    auth=auth.WRITE,
    summary="Create a work order",
)
def create_work_order(request, payload: WorkOrderIn):
    """Opens a work order (state new, or dispatched when `technician` is given). Only
    customers and vehicles the caller can already see are linked (an id or VIN seen only
    elsewhere is refused without a word about its record); see workorders/customers.py."""
    user = request.user
    centre = selectors.centres_for_new_orders(user).filter(code=payload.service_center).first()
    if centre is None:
        raise bad_input(
            "service_center", _("unknown service centre code %(code)s") % {"code": payload.service_center}
        )
    fields = {
        "external_id": payload.external_id,
        "service_center": centre,
        "type": payload.type,
        "priority": payload.priority,
        "channel": payload.channel,
        "description": payload.description,
        "advisor": _employee(user, payload.advisor, "advisor"),
        "technician": _employee(user, payload.technician, "technician"),
        "difficulty": payload.difficulty,
        "due_at": payload.due_at,
        "rework_of": _rework_of(user, payload.rework_of),
    }
    if payload.created_at:
        fields["created_at"] = payload.created_at
    named = services.CustomerAndAsset(
        customer_external_id=payload.customer_external_id or "",
        customer_name=payload.customer_name,
        customer_phone=payload.customer_phone,
        asset_external_id=payload.asset_external_id or "",
        asset_model=payload.asset_model,
        asset_plate=payload.asset_plate,
    )
    order = services.open_work_order(by=user, customer_and_asset=named, **fields)
    return Status(201, _out(request, order))


class WorkOrderPatch(ObjectIn):
    """Only the fields sent change. The ones typed without null cannot be emptied: a null
    there is a 422 (the default None only marks the field as not sent)."""

    version: str | None = Field(default=None, description="The `version` you read; a stale one answers 409.")
    type: TypeCode = None
    priority: PriorityCode = None
    channel: ChannelCode = None
    description: str = None
    advisor: str | None = Field(default=None, description="Employee no.; null removes the advisor.")
    difficulty: DifficultyIn = None
    due_at: DateTimeIn | None = None
    labor_amount: AmountIn | None = None
    parts_cost: AmountIn | None = None
    travel_cost: AmountIn | None = None
    visits: int = Field(default=None, ge=1, le=32767, strict=True)
    rework_of: str | None = None


@router.patch(
    "/{work_order_id}",
    response={200: WorkOrderOut, **error_responses(400, 401, 403, 404, 409, 413, 422, 429)},
    auth=auth.WRITE,
    summary="Update a work order",
)
def update_work_order(request, work_order_id: int, payload: WorkOrderPatch):
    """Changes only the fields sent; type or priority changes recompute the SLA deadlines."""
    order = _visible(request, work_order_id)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version", None)
    if "advisor" in changes:
        changes["advisor"] = _employee(request.user, changes["advisor"], "advisor")
    if "rework_of" in changes:
        changes["rework_of"] = _rework_of(request.user, changes["rework_of"])
    for name in ("type", "priority", "channel", "description", "difficulty", "visits"):
        if name in changes and changes[name] is None:
            raise bad_input(name, _("This field cannot be empty."))
    order = services.update_work_order(order, by=request.user, version=version, **changes)
    return _out(request, order)


class TransitionIn(ObjectIn):
    technician: str | None = Field(default=None, description="Employee no. (dispatch, reassign).")
    resolution: ResolutionCode | None = Field(default=None, description="complete")
    reason: str = Field(default="", description="cancel, reopen")
    note: str = ""
    latitude: float | None = Field(default=None, ge=-90, le=90, strict=True, description="start (check-in)")
    longitude: float | None = Field(default=None, ge=-180, le=180, strict=True)
    version: str | None = None


@router.post(
    "/{work_order_id}/transitions/{action}",
    response={200: WorkOrderOut, **error_responses(400, 401, 403, 404, 409, 413, 422, 429)},
    auth=auth.WRITE,
    summary="Move a work order (dispatch, reassign, accept, start, complete, close, reopen, cancel)",
)
def transition(request, work_order_id: int, action: ActionCode, payload: TransitionIn):
    order = _visible(request, work_order_id)
    params = payload.dict()
    params["technician"] = _employee(request.user, payload.technician, "technician")
    order = services.perform(order, action, by=request.user, **params)
    return _out(request, order)


class EventOut(Schema):
    id: int
    action: str
    from_state: str
    to_state: str
    at: datetime.datetime
    actor: str | None = Field(description="User name of who did it.")
    actor_employee_no: str | None
    latitude: SixPlaces | None
    longitude: SixPlaces | None
    note: str
    photos: list[str] = Field(description="URLs, readable with the same credentials.")


@router.get(
    "/{work_order_id}/events",
    response={200: list[EventOut], **error_responses(401, 403, 404, 422, 429)},
    auth=auth.READ,
    summary="The event log of a work order",
)
def list_events(request, work_order_id: int):
    order = _visible(request, work_order_id)
    events = order.events.select_related("actor__employee").prefetch_related("photos").order_by("at", "id")
    out = []
    for event in events:
        actor = event.actor
        employee = getattr(actor, "employee", None) if actor is not None else None
        out.append(
            {
                "id": event.pk,
                "action": event.action,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "at": event.at,
                "actor": actor.username if actor else None,
                "actor_employee_no": employee.employee_no if employee else None,
                "latitude": event.latitude,
                "longitude": event.longitude,
                "note": event.note,
                "photos": [reverse("workorders:photo", args=[photo.pk]) for photo in event.photos.all()],
            }
        )
    return out


# --- labour lines ------------------------------------------------------------------------------

HoursIn = decimal_in(digits=7, places=2)


class LabourIn(ObjectIn):
    technician: str | None = Field(default=None, description="Employee no.; default: the caller.")
    operation_code: str | None = Field(
        default=None,
        max_length=40,
        description="Code from the labour-operation catalogue: its standard hours for the order's "
        "model or category apply.",
    )
    standard_hours: HoursIn | None = Field(
        default=None,
        description="Only from a foreman, service advisor, service manager, administrator or "
        "integration (a technician's token is refused with `standard_hours_not_allowed`): without "
        "`operation_code`, hours for work the catalogue does not list; with it and different "
        "from the catalogue's, an override that needs `reason`.",
    )
    clocked_hours: HoursIn
    reason: str = Field(default="", max_length=500, description="Why the standard hours differ.")


class LabourLineOut(Schema):
    id: int
    technician: str = Field(description="Employee no.")
    operation_code: str | None
    standard_hours: TwoPlaces
    clocked_hours: TwoPlaces
    standard_source: Literal["catalogue", "entered", "override"] = Field(
        description="Where the standard hours came from."
    )
    override_reason: str


def _labour_out(line) -> dict:
    return {
        "id": line.pk,
        "technician": line.technician.employee_no,
        "operation_code": line.operation.code if line.operation_id else None,
        "standard_hours": line.standard_hours,
        "clocked_hours": line.clocked_hours,
        "standard_source": line.standard_source,
        "override_reason": line.override_reason,
    }


@router.get(
    "/{work_order_id}/labour",
    response={200: list[LabourLineOut], **error_responses(401, 403, 404, 422, 429)},
    auth=auth.READ,
    summary="The labour lines of a work order",
)
def list_labour(request, work_order_id: int):
    order = _visible(request, work_order_id)
    lines = order.labour_lines.select_related("technician", "operation").order_by("id")
    return [_labour_out(line) for line in lines]


@router.post(
    "/{work_order_id}/labour",
    response={200: LabourLineOut, **error_responses(400, 401, 403, 404, 409, 413, 422, 429)},
    auth=auth.WRITE,
    summary="Record a technician's labour line (replaces his line if he has one)",
)
def record_labour(request, work_order_id: int, payload: LabourIn):
    """The same service as the pages: the standard hours come from the catalogue's operation;
    only the roles of workorders/policy.py set them (with a reason when they differ)."""
    order = _visible(request, work_order_id)
    technician = _employee(request.user, payload.technician, "technician")
    if technician is None:
        technician = getattr(request.user, "employee", None)
        if technician is None:
            raise bad_input("technician", _("Give the technician's employee no."), code="required")
    line = services.record_labour(
        order,
        technician=technician,
        operation_code=payload.operation_code or "",
        standard_hours=payload.standard_hours,
        clocked_hours=payload.clocked_hours,
        reason=payload.reason,
        by=request.user,
    )
    line = order.labour_lines.select_related("technician", "operation").get(pk=line.pk)
    return _labour_out(line)
