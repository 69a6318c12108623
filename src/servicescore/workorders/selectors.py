"""Reads of work orders for the pages and the API; each takes the requesting user and
starts from workorders/scope.py (visible_work_orders), so nothing out of scope can leak."""

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.periods import day_start, local_today
from servicescore.core.phones import mask_phone
from servicescore.core.roles import can_see_full_phone
from servicescore.customers.search import MATCH_LIMIT, matching_customers_and_assets, query_too_short
from servicescore.org.models import Employee, OrgUnit, Position
from servicescore.org.scope import scope_for, visible_org_units
from servicescore.workorders.scope import visible_work_orders

from .models import OPEN_STATES, PRIORITY_RANK, State, WorkOrder, WorkOrderEvent

LIST_RELATED = ("service_center", "technician", "advisor", "customer", "asset")
ASSET_HISTORY_LIMIT = 20
DUE_SOON = datetime.timedelta(hours=2)
# sort key of the list and the API → ORDER BY; the id breaks ties so paging is stable.
SORTS = {
    "created": ("created_at", "id"),
    "due": ("due_at", "id"),
    "completed": ("completed_at", "id"),
    "priority": ("priority_rank", "id"),
    "state": ("state", "id"),
    "id": ("external_id", "id"),
}
DEFAULT_SORT = "-created"
# Positions that can lead a work order (and so appear on the dispatch board).
ASSIGNABLE_POSITIONS = (Position.TECHNICIAN, Position.FOREMAN)


@dataclass
class WorkOrderFilters:
    """The filters of the list page and the API, already validated (see forms.py)."""

    states: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    service_center: OrgUnit | None = None
    technician: Employee | None = None
    advisor: Employee | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    completed_from: datetime.date | None = None
    completed_to: datetime.date | None = None
    overdue: bool | None = None
    comeback: bool | None = None
    q: str = ""
    # The request id of one import run (exchange/links.py): the orders it created or changed.
    imported: str = ""


def late_q(now: datetime.datetime) -> Q:
    """Not finished by its due time: still open past due, or completed after it."""
    return Q(state__in=OPEN_STATES, due_at__lt=now) | Q(completed_at__gt=F("due_at"))


def _date_range(qs: QuerySet, field_name: str, start: datetime.date | None, end: datetime.date | None):
    """Whole local days, both ends included."""
    if start:
        qs = qs.filter(**{f"{field_name}__gte": day_start(start)})
    if end:
        qs = qs.filter(**{f"{field_name}__lt": day_start(end + datetime.timedelta(days=1))})
    return qs


def filter_work_orders(
    qs: QuerySet, filters: WorkOrderFilters, *, now: datetime.datetime, user=None
) -> QuerySet:
    """Apply the list filters to a queryset (already scoped by the caller); `user` decides
    whether the search may match whole phone numbers (roles that see them whole)."""
    if filters.states:
        qs = qs.filter(state__in=filters.states)
    if filters.types:
        qs = qs.filter(type__in=filters.types)
    if filters.priorities:
        qs = qs.filter(priority__in=filters.priorities)
    if filters.service_center is not None:
        qs = qs.filter(service_center__path__startswith=filters.service_center.path)
    if filters.technician is not None:
        qs = qs.filter(technician=filters.technician)
    if filters.advisor is not None:
        qs = qs.filter(advisor=filters.advisor)
    qs = _date_range(qs, "created_at", filters.created_from, filters.created_to)
    qs = _date_range(qs, "completed_at", filters.completed_from, filters.completed_to)
    if filters.overdue is True:
        qs = qs.filter(late_q(now))
    elif filters.overdue is False:
        qs = qs.exclude(late_q(now))
    if filters.comeback is True:
        qs = qs.filter(rework_of__isnull=False)
    elif filters.comeback is False:
        qs = qs.filter(rework_of__isnull=True)
    if filters.q:
        full_phone = user is not None and can_see_full_phone(user)
        qs = qs.filter(search_q(filters.q, full_phone=full_phone))
    if filters.imported:
        qs = qs.filter(imported_q(filters.imported))
    return qs


# What the request-id middleware accepts (core/middleware.py); anything else names no run.
IMPORT_RUN_RE = re.compile(r"[A-Za-z0-9._-]{8,64}")


# Above this many entries the run's orders stay a subquery (SQLite's limit of bound values).
IMPORT_RUN_ID_LIST_MAX = 20_000


def imported_q(run: str) -> Q:
    """The work orders one import run created or changed: those with an audit entry the
    importer wrote under the run's request id (core/audit.py; every order it creates,
    changes or re-labours gets one, in the run's transaction). An order the run counted as
    updated only because its customer's or vehicle's record changed has no entry of its own
    (those records have theirs) and is not listed. An unknown id, or one of a request that
    imported nothing, matches nothing.

    The ids are read first, by the audit trail's request-id index, and the orders then by
    their primary key: given the subquery instead, PostgreSQL hash-joins it with a scan of
    every order (1,000,000 orders, a run of 4,300: 110 ms against 15 ms)."""
    from django.contrib.contenttypes.models import ContentType

    from servicescore.core.models import AuditEntry

    if not IMPORT_RUN_RE.fullmatch(run):
        return Q(pk__in=[])
    written = AuditEntry.objects.filter(
        request_id=run,
        channel="import",
        content_type=ContentType.objects.get_for_model(WorkOrder),
    ).order_by()
    entries = list(written.values_list("object_id", flat=True)[: IMPORT_RUN_ID_LIST_MAX + 1])
    if len(entries) > IMPORT_RUN_ID_LIST_MAX:
        return Q(pk__in=written.annotate(order_id=Cast("object_id", BigIntegerField())).values("order_id"))
    return Q(pk__in=sorted({int(pk) for pk in entries}))


def search_q(text: str, *, full_phone: bool = False) -> Q:
    """The work orders a query names: by the start of their external id, or through the
    customer or vehicle it names (plate in any spelling, name, phone or its last four
    digits, VIN or its last characters — customers/search.py).

    The customers and vehicles are looked up first, by their own indexes, and the orders
    then by id lists, which PostgreSQL combines (a bitmap OR) instead of scanning every
    order. A query too short to search for matches nothing (the form says so first).
    """
    if query_too_short(text):
        return Q(pk__in=[])
    term = text.strip()
    matches = matching_customers_and_assets(term, full_phone=full_phone)
    q = Q(customer_id__in=matches.customer_ids[:MATCH_LIMIT])
    q |= Q(asset_id__in=matches.asset_ids[:MATCH_LIMIT])
    for spelling in sorted({term, term.upper()}):
        q |= Q(external_id__startswith=spelling)
    return q


def search_truncated(user, text: str) -> bool:
    """Whether a search named more customers or vehicles than it uses (MATCH_LIMIT each):
    the list then shows the orders of only the first ones, and says so."""
    if not text or query_too_short(text):
        return False
    return matching_customers_and_assets(text, full_phone=can_see_full_phone(user)).truncated


def sorted_work_orders(qs: QuerySet, sort: str, *, few_rows: bool = False) -> QuerySet:
    """Order by one of SORTS, '-' for descending; unknown keys fall back to newest first.

    `few_rows`: the filters match a bounded set (a search), which is sorted as it is. Given
    the plain column, PostgreSQL walks that column's index over the whole table instead,
    betting that the matches are spread evenly and the first 50 come soon (HR's search for
    a common name: 115,000 rows read, 300 ms, where sorting the 1,082 matches takes 50 ms);
    COALESCE(x, x) orders the same but no index provides it.
    """
    descending = sort.startswith("-")
    fields = SORTS.get(sort.lstrip("-"))
    if fields is None:
        return sorted_work_orders(qs, DEFAULT_SORT, few_rows=few_rows)
    if fields[0] == "priority_rank":
        qs = qs.annotate(priority_rank=PRIORITY_RANK)
    keys = [F(f) for f in fields]
    if few_rows:
        keys[0] = Coalesce(keys[0], keys[0])
    # Empty due/completed times sort as PostgreSQL's indexes hold them (last going up, first
    # going down), said explicitly so that SQLite sorts the same.
    return qs.order_by(*[k.desc(nulls_first=True) if descending else k.asc(nulls_last=True) for k in keys])


def work_order_list(
    user, filters: WorkOrderFilters, *, sort: str = DEFAULT_SORT, now: datetime.datetime | None = None
) -> QuerySet:
    """The user's visible work orders, filtered and sorted, with what a list row shows.
    The related rows are prefetched for the page, not joined: a deep page (OFFSET) would
    otherwise join every order it skips (page 200 of the whole company: 10,000 joins)."""
    now = now or timezone.now()
    qs = filter_work_orders(visible_work_orders(user), filters, now=now, user=user)
    few_rows = bool(filters.q or filters.imported)
    return sorted_work_orders(qs.prefetch_related(*LIST_RELATED), sort, few_rows=few_rows)


def decorate(orders, user, *, now: datetime.datetime):
    """Give each order `display_phone` (masked for roles that need no phone) and `sla`."""
    full_phone = can_see_full_phone(user)
    for order in orders:
        phone = order.customer.phone if order.customer_id else ""
        order.display_phone = phone if full_phone else mask_phone(phone)
        order.sla = sla_status(order, now)
    return orders


def visible_work_order(user, pk) -> WorkOrder:
    """One work order the user may see, or 404 (never 403: ids cannot be probed)."""
    try:
        return visible_work_orders(user).select_related(*LIST_RELATED, "dispatcher", "rework_of").get(pk=pk)
    except (WorkOrder.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class SLAStatus:
    """Where a work order stands against its due time."""

    code: str  # none | on_time | due_soon | overdue | met | late
    due_at: datetime.datetime | None
    delta: datetime.timedelta | None = None  # how late, or how long is left

    @property
    def is_late(self) -> bool:
        return self.code in ("overdue", "late")


def sla_status(order: WorkOrder, now: datetime.datetime) -> SLAStatus:
    due = order.due_at
    if due is None or order.state == State.CANCELLED:
        return SLAStatus("none", due)
    finished = order.completed_at
    if finished is not None:
        return SLAStatus("late", due, finished - due) if finished > due else SLAStatus("met", due)
    if now > due:
        return SLAStatus("overdue", due, now - due)
    left = due - now
    return SLAStatus("due_soon" if left <= DUE_SOON else "on_time", due, left)


def work_order_detail(user, pk, *, now: datetime.datetime | None = None) -> dict:
    """Everything the detail page shows, in a fixed number of queries."""
    from .policy import allowed_actions, can

    now = now or timezone.now()
    order = visible_work_order(user, pk)
    visible = visible_work_orders(user)
    events = list(
        order.events.select_related("actor__employee").prefetch_related("photos").order_by("at", "id")
    )
    labour = list(order.labour_lines.select_related("technician", "operation").order_by("id"))
    parts = list(order.parts_lines.order_by("id"))
    comebacks = list(
        visible.filter(rework_of=order)
        .order_by("created_at")
        .only("id", "external_id", "state", "created_at")
    )
    original = (
        order.rework_of if order.rework_of_id and visible.filter(pk=order.rework_of_id).exists() else None
    )
    history = []
    if order.asset_id:
        history = list(
            visible.filter(asset_id=order.asset_id)
            .exclude(pk=order.pk)
            .select_related("technician", "service_center")
            .order_by("-created_at")[:ASSET_HISTORY_LIMIT]
        )
    decorate([order], user, now=now)
    return {
        "order": order,
        "events": events,
        "labour_lines": labour,
        "parts_lines": parts,
        "labour_totals": {
            "standard": sum((line.standard_hours for line in labour), start=0),
            "clocked": sum((line.clocked_hours for line in labour), start=0),
        },
        "parts_total": sum((line.quantity * line.unit_price for line in parts), start=0),
        "comebacks": comebacks,
        "original": original,
        "asset_history": history,
        "actions": allowed_actions(user, order),
        "can_edit": can(user, "edit", order),
        "can_labour": can(user, "labour", order),
        "can_parts": can(user, "parts", order),
        "can_note": can(user, "note", order),
        "now": now,
    }


def event_photo(user, photo_id):
    """A photo of an event on a work order the user may see, or 404."""
    from .models import EventPhoto

    try:
        return EventPhoto.objects.select_related("event").get(
            pk=photo_id, event__work_order__in=visible_work_orders(user).values("pk")
        )
    except (EventPhoto.DoesNotExist, ValueError):
        raise Http404 from None


# --- dispatch board ------------------------------------------------------------------

# The board shows the most pressing orders; a dispatcher clears them before seeing more.
BOARD_LIMIT = 60


def dispatch_centres(user) -> QuerySet:
    """Service centres whose board the user may open: those in scope, and a foreman's own
    centre (whose new orders he dispatches to his team)."""
    scope = scope_for(user)
    q = Q(pk__in=visible_org_units(user).values("pk"))
    if scope.waiting_centre_path:
        q |= Q(path=scope.waiting_centre_path)
    return OrgUnit.objects.filter(q, kind=OrgUnit.Kind.SERVICE_CENTER).order_by("code")


def centres_for_new_orders(user) -> QuerySet:
    """Where the user may open work orders: the service centres in their scope, and the
    centre of their own employee record (an advisor sees only himself, yet opens orders
    at his centre)."""
    own = _own_centre(user)
    q = Q(pk__in=dispatch_centres(user).values("pk"))
    if own is not None:
        q |= Q(pk=own.pk)
    return OrgUnit.objects.filter(q, kind=OrgUnit.Kind.SERVICE_CENTER).order_by("code")


def _own_centre(user):
    employee = getattr(user, "employee", None) if user.is_authenticated else None
    unit = employee.org_unit if employee is not None else None
    while unit is not None and unit.kind != OrgUnit.Kind.SERVICE_CENTER:
        unit = unit.parent
    return unit


def default_centre(user):
    """The service centre of the user's own employee record, else the first visible one."""
    unit = _own_centre(user)
    centres = dispatch_centres(user)
    if unit is not None and centres.filter(pk=unit.pk).exists():
        return unit
    return centres.first()


def dispatch_board(user, centre: OrgUnit, *, now: datetime.datetime | None = None) -> dict:
    """Orders waiting for a technician (unassigned and overdue first) and the centre's
    technicians with their current load and skills; four queries whatever the size."""
    now = now or timezone.now()
    if not dispatch_centres(user).filter(pk=centre.pk).exists():
        raise Http404
    in_centre = visible_work_orders(user).filter(service_center__path__startswith=centre.path)
    waiting = list(
        in_centre.filter(state__in=[State.NEW, State.DISPATCHED, State.ACCEPTED])
        .select_related("technician", "customer", "asset")
        .annotate(
            unassigned=Case(
                When(state=State.NEW, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            late=Case(When(due_at__lt=now, then=Value(0)), default=Value(1), output_field=IntegerField()),
            priority_rank=PRIORITY_RANK,
        )
        .order_by("unassigned", "late", "priority_rank", F("due_at").asc(nulls_last=True), "id")[:BOARD_LIMIT]
    )
    decorate(waiting, user, now=now)
    technicians = list(
        Employee.objects.filter(
            scope_for(user).employees_q(),
            org_unit__path__startswith=centre.path,
            position__in=ASSIGNABLE_POSITIONS,
            status=Employee.Status.ACTIVE,
        )
        .select_related("org_unit")
        .annotate(
            load=Count(
                "led_work_orders",
                filter=Q(
                    led_work_orders__state__in=[
                        State.DISPATCHED,
                        State.ACCEPTED,
                        State.IN_PROGRESS,
                    ]
                ),
            ),
            in_progress=Count("led_work_orders", filter=Q(led_work_orders__state=State.IN_PROGRESS)),
        )
        .prefetch_related(Prefetch("skills", queryset=_skills()))
        .order_by("load", "employee_no")
    )
    for technician in technicians:
        # Each waiting row lists every technician: their option text is worked out once
        # here, not once per row in the template (60 rows × 30 technicians).
        technician.option_text = _("%(name)s (%(no)s) · %(load)s open") % {
            "name": technician.name,
            "no": technician.employee_no,
            "load": technician.load,
        }
    return {
        "centre": centre,
        "waiting": waiting,
        **in_centre.aggregate(
            unassigned_count=Count("pk", filter=Q(state=State.NEW)),
            overdue_count=Count(
                "pk", filter=Q(state__in=[State.NEW, State.DISPATCHED, State.ACCEPTED], due_at__lt=now)
            ),
        ),
        "technicians": technicians,
        "now": now,
    }


def _skills():
    from servicescore.org.models import EmployeeSkill

    return EmployeeSkill.objects.select_related("skill").order_by("-level", "skill__name")


# --- my work orders (technician on a phone) ------------------------------------------


def my_work_orders(user, *, now: datetime.datetime | None = None) -> dict:
    """The technician's day: open orders led by them (in progress, then accepted, then
    dispatched; soonest due first within each) and
    those they completed today; two queries."""
    now = now or timezone.now()
    employee = getattr(user, "employee", None)
    if employee is None:
        return {"open": [], "done_today": [], "now": now}
    mine = (
        visible_work_orders(user)
        .filter(technician=employee)
        .select_related("customer", "asset", "service_center")
    )
    open_orders = list(
        mine.filter(state__in=[State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS])
        .annotate(
            stage=Case(
                When(state=State.IN_PROGRESS, then=Value(0)),
                When(state=State.ACCEPTED, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            priority_rank=PRIORITY_RANK,
        )
        .order_by("stage", F("due_at").asc(nulls_last=True), "priority_rank", "id")
    )
    today = day_start(local_today(now))
    done = list(
        mine.filter(completed_at__gte=today, state__in=[State.COMPLETED, State.CLOSED]).order_by(
            "-completed_at"
        )
    )
    decorate(open_orders, user, now=now)
    decorate(done, user, now=now)
    return {"open": open_orders, "done_today": done, "now": now}


def recent_events(order: WorkOrder, limit: int = 5) -> list[WorkOrderEvent]:
    return list(order.events.select_related("actor").order_by("-at", "-id")[:limit])
