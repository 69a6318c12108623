"""The work-order sections of the home page (core/sections.py): a self-only role's own open
orders; for a unit or company-wide role, counts by state, the most overdue orders and the
open orders by service centre; for the warranty clerk, his own warranty orders. Every query
goes through workorders/scope.py and is set-based. (The parts manager's own data are his
imported figures and his scorecard: the appraisal section of the home page shows them.)

Every number links to the list behind it (the work-order list with its filters, or one
order's page), and the list shows exactly the orders counted: both read the same scope.
No section counts orders the user may not list."""

import datetime
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from servicescore.core.periods import day_start, local_today, month_of
from servicescore.core.phones import mask_phone
from servicescore.core.roles import COMPANY_WIDE_ROLES, SELF_ONLY_ROLES, Role, can_see_full_phone
from servicescore.org.scope import scope_for

from .models import OPEN_STATES, State, WorkOrderType
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
    """Counts of the visible work orders by state, open and overdue: two aggregate
    queries. Grouped by state, PostgreSQL counts from the state index alone; the overdue
    ones are read from the open orders' due index (a count with a filter per state would
    read every row of the company's millions of orders)."""
    visible = visible_work_orders(user).order_by()
    by_state = dict(visible.values_list("state").annotate(n=Count("*")))
    overdue = visible.filter(_overdue_q(at)).count()
    return {
        "by_state": [
            {
                "code": state.value,
                "label": state.label,
                "count": by_state.get(state.value, 0),
                "url": list_url(state=state.value),
            }
            for state in State
        ],
        "open_count": sum(by_state.get(state.value, 0) for state in OPEN_STATES),
        "overdue_count": overdue,
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
        .annotate(open=Count("*"), overdue=Count("due_at", filter=Q(due_at__lt=at)))
        .order_by("-overdue", "-open", "service_center__code")[:CENTRES_LIMIT]
    )
    for row in rows:
        centre = row["service_center_id"]
        row["open_url"] = list_url(state=OPEN_STATE_CODES, service_center=centre)
        row["overdue_url"] = list_url(state=OPEN_STATE_CODES, overdue="yes", service_center=centre)
    return rows


def my_warranty_section(request, *, now: datetime.datetime) -> dict | None:
    """The warranty clerk's own warranty work: the warranty orders he is on (he opens a
    claim at the desk as its advisor; workorders/scope.py counts every part he takes), open
    and overdue now, opened and completed this month, completed last month. Each number
    links to the work-order list filtered to exactly those orders: the list shows him the
    same orders (his scope), so the two agree. His service centre's other orders are not
    his data (product.md, "Users and roles": own data), so they are not counted here."""
    user = request.user
    if user.effective_role != Role.WARRANTY_CLERK or scope_for(user).is_empty:
        return None
    today = local_today(now)
    first = today.replace(day=1)
    last_month_end = first - datetime.timedelta(days=1)
    last_month_first = last_month_end.replace(day=1)
    counts = my_warranty_counts(
        user, at=now, month_start=day_start(first), last_month_start=day_start(last_month_first)
    )
    warranty = str(WorkOrderType.WARRANTY.value)
    urls = {
        "all": list_url(type=warranty),
        "open": list_url(type=warranty, state=OPEN_STATE_CODES),
        "overdue": list_url(type=warranty, state=OPEN_STATE_CODES, overdue="yes"),
        "created": list_url(type=warranty, created_from=first.isoformat()),
        "completed": list_url(type=warranty, completed_from=first.isoformat()),
        "last_month": list_url(
            type=warranty,
            completed_from=last_month_first.isoformat(),
            completed_to=last_month_end.isoformat(),
        ),
    }
    return {
        "warranty": counts,
        "warranty_urls": urls,
        "last_month": month_of(day_start(last_month_first)),
    }


def my_warranty_counts(
    user, *, at: datetime.datetime, month_start: datetime.datetime, last_month_start: datetime.datetime
) -> dict:
    """The user's warranty orders (his scope): open, open past due, created and completed
    since `month_start`, completed from `last_month_start` to `month_start`. One query."""
    return (
        visible_work_orders(user)
        .filter(type=WorkOrderType.WARRANTY)
        .aggregate(
            open=Count("pk", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("pk", filter=_overdue_q(at)),
            created=Count("pk", filter=Q(created_at__gte=month_start)),
            completed=Count("pk", filter=Q(completed_at__gte=month_start)),
            last_month=Count(
                "pk", filter=Q(completed_at__gte=last_month_start, completed_at__lt=month_start)
            ),
        )
    )
