"""The work-order sections of the home page (core/sections.py): a self-only role's own open
orders; for a unit or company-wide role, counts by state, the most overdue orders and the
open orders by service centre; for the warranty clerk and the parts manager, their service
centre's warranty orders and parts this month. Every query goes through workorders/scope.py
(or, for the desk's centre figures, the employee's own service centre) and is set-based.

Every number links to the list behind it (the work-order list with its filters, or one
order's page); a number with no list the user may open is shown without a link."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from servicescore.core.periods import day_start, local_today, month_of
from servicescore.core.phones import mask_phone
from servicescore.core.roles import COMPANY_WIDE_ROLES, SELF_ONLY_ROLES, Role, can_see_full_phone
from servicescore.org.models import OrgUnit
from servicescore.org.scope import employee_of, scope_for, service_centre_of

from .models import OPEN_STATES, PartsLine, State, WorkOrder, WorkOrderType
from .policy import may_use_mine
from .scope import visible_work_orders

MY_OPEN_ORDERS_LIMIT = 50
MOST_OVERDUE_LIMIT = 10
CENTRES_LIMIT = 20
# Self-only roles whose daily work is not leading or advising work orders: their home shows
# their own open orders only when they have some (their own sections say what they do).
DESK_ROLES = {Role.WARRANTY_CLERK, Role.CS_AGENT, Role.PARTS_MANAGER}


def list_url(**params) -> str:
    """The work-order list filtered by `params` (a list value repeats the parameter)."""
    query = urlencode({name: value for name, value in params.items() if value not in (None, "")}, doseq=True)
    return f"{reverse('workorders:list')}?{query}" if query else reverse("workorders:list")


OPEN_STATE_CODES = [str(state.value) for state in OPEN_STATES]


def short_duration(delta: datetime.timedelta) -> str:
    """A duration in at most two units, short enough for a phone's table cell: "3 d 4 h",
    "14 h 25 min", "8 min" (Chinese: "3天4小时", "14小时25分")."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        if hours:
            return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
        return _("%(days)d d") % {"days": days}
    if hours:
        if minutes:
            return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": minutes}


def my_open_orders_section(request, *, now: datetime.datetime) -> dict | None:
    """A self-only role's open work orders, each card a link to the order's page."""
    user = request.user
    role = user.effective_role
    if role not in SELF_ONLY_ROLES:
        return None
    orders = my_open_work_orders(user, at=now)
    if role in DESK_ROLES and not orders:
        return None
    mine = may_use_mine(user)
    for order in orders:
        order.url = reverse("workorders:mine_detail" if mine else "workorders:detail", args=[order.pk])
    return {
        "kind": "personal",
        "now": now,
        "my_open_orders": orders,
        "all_open_url": reverse("workorders:mine") if mine else list_url(state=OPEN_STATE_CODES),
    }


def overview_section(request, *, now: datetime.datetime) -> dict | None:
    """A unit or company-wide role's counts, most overdue orders and centres, each a link to
    the list behind it; nothing for an account whose scope is empty (org's home section says
    why)."""
    user = request.user
    role = user.effective_role
    if role in SELF_ONLY_ROLES or (role not in COMPANY_WIDE_ROLES and scope_for(user).is_empty):
        return None
    summary = {"kind": "company" if role in COMPANY_WIDE_ROLES else "unit", "now": now}
    summary.update(work_order_counts(user, at=now))
    summary["overdue_orders"] = most_overdue_work_orders(user, at=now)
    summary["centres"] = open_work_orders_by_centre(user, at=now)
    summary["open_url"] = list_url(state=OPEN_STATE_CODES)
    # Open past due: the list's "overdue" also holds orders completed late, so the open
    # states are given with it.
    summary["overdue_url"] = list_url(state=OPEN_STATE_CODES, overdue="yes")
    return summary


def _overdue_q(now) -> Q:
    return Q(state__in=OPEN_STATES, due_at__lt=now)


def my_open_work_orders(user, *, at: datetime.datetime) -> list:
    """The user's open work orders, soonest due first, each with `display_phone` (masked
    unless the role may see phones) and `is_overdue`. One query."""
    orders = list(
        visible_work_orders(user)
        .filter(state__in=OPEN_STATES)
        .select_related("customer", "asset", "service_center")
        .order_by("due_at", "created_at")[:MY_OPEN_ORDERS_LIMIT]
    )
    full_phone = can_see_full_phone(user)
    for order in orders:
        phone = order.customer.phone if order.customer_id else ""
        order.display_phone = phone if full_phone else mask_phone(phone)
        order.is_overdue = order.due_at is not None and order.due_at < at
    return orders


def work_order_counts(user, *, at: datetime.datetime) -> dict:
    """Counts of the visible work orders by state, open and overdue: one aggregate query."""
    counts = visible_work_orders(user).aggregate(
        **{f"state_{state.value}": Count("pk", filter=Q(state=state.value)) for state in State},
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=_overdue_q(at)),
    )
    return {
        "by_state": [
            {
                "code": state.value,
                "label": state.label,
                "count": counts[f"state_{state.value}"],
                "url": list_url(state=state.value),
            }
            for state in State
        ],
        "open_count": counts["open"],
        "overdue_count": counts["overdue"],
    }


def most_overdue_work_orders(user, *, at: datetime.datetime) -> list:
    """The open work orders furthest past their due time, each with `overdue_by` (short
    text) and `url` (its page). One query."""
    orders = list(
        visible_work_orders(user)
        .filter(_overdue_q(at))
        .select_related("service_center", "technician")
        .order_by("due_at", "pk")[:MOST_OVERDUE_LIMIT]
    )
    for order in orders:
        order.overdue_by = short_duration(at - order.due_at)
        order.url = reverse("workorders:detail", args=[order.pk])
    return orders


def open_work_orders_by_centre(user, *, at: datetime.datetime) -> list[dict]:
    """Open and overdue counts per service centre, most overdue first, each with the links
    to its open and its overdue orders. One query."""
    rows = list(
        visible_work_orders(user)
        .filter(state__in=OPEN_STATES)
        .values("service_center_id", "service_center__code", "service_center__name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=at)))
        .order_by("-overdue", "-open", "service_center__code")[:CENTRES_LIMIT]
    )
    for row in rows:
        centre = row["service_center_id"]
        row["open_url"] = list_url(state=OPEN_STATE_CODES, service_center=centre)
        row["overdue_url"] = list_url(state=OPEN_STATE_CODES, overdue="yes", service_center=centre)
    return rows


def centre_desk_section(request, *, now: datetime.datetime) -> dict | None:
    """The warranty clerk's and the parts manager's service centre this month: its warranty
    orders, or the parts used on its orders completed this month. Figures of the user's
    own centre only, without links: these roles may not list the centre's orders
    (workorders/scope.py), and there is no page of parts yet."""
    user = request.user
    role = user.effective_role
    if role not in (Role.WARRANTY_CLERK, Role.PARTS_MANAGER):
        return None
    employee = employee_of(user)
    centre = service_centre_of(employee) if employee is not None else None
    if centre is None or centre.kind != OrgUnit.Kind.SERVICE_CENTER:
        return None
    month = month_of(now)
    month_start = day_start(local_today(now).replace(day=1))
    context = {"centre": centre, "month": month, "role": role}
    if role == Role.WARRANTY_CLERK:
        context["warranty"] = centre_warranty_counts(centre, month_start=month_start)
    else:
        context["parts"] = centre_parts_this_month(centre, month_start=month_start)
    return context


def _centre_orders(centre: OrgUnit):
    return WorkOrder.objects.filter(
        service_center_id__in=OrgUnit.objects.filter(path__startswith=centre.path).values("pk")
    )


def centre_warranty_counts(centre: OrgUnit, *, month_start: datetime.datetime) -> dict:
    """The centre's warranty orders: open now, created and completed this month. One query."""
    return (
        _centre_orders(centre)
        .filter(type=WorkOrderType.WARRANTY)
        .aggregate(
            open=Count("pk", filter=Q(state__in=OPEN_STATES)),
            created=Count("pk", filter=Q(created_at__gte=month_start)),
            completed=Count("pk", filter=Q(completed_at__gte=month_start)),
        )
    )


def centre_parts_this_month(centre: OrgUnit, *, month_start: datetime.datetime) -> dict:
    """The parts lines of the centre's orders completed this month: lines, orders and value.
    One aggregate query."""
    value = ExpressionWrapper(
        F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=24, decimal_places=4)
    )
    totals = PartsLine.objects.filter(
        work_order__in=_centre_orders(centre).filter(completed_at__gte=month_start).values("pk")
    ).aggregate(lines=Count("pk"), orders=Count("work_order", distinct=True), value=Sum(value))
    totals["value"] = (totals["value"] or Decimal(0)).quantize(Decimal("0.01"))
    return totals
