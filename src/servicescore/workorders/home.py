"""The work-order sections of the home page (core/sections.py): a self-only role's own open
orders; for a unit or company-wide role, counts by state, the most overdue orders and the
open orders by service centre. Every query goes through workorders/scope.py and is set-based."""

import datetime

from django.db.models import Count, Q

from servicescore.core.phones import mask_phone
from servicescore.core.roles import COMPANY_WIDE_ROLES, SELF_ONLY_ROLES, can_see_full_phone
from servicescore.org.scope import scope_for

from .models import OPEN_STATES, State
from .scope import visible_work_orders

MY_OPEN_ORDERS_LIMIT = 50
MOST_OVERDUE_LIMIT = 10
CENTRES_LIMIT = 20


def my_open_orders_section(request, *, now: datetime.datetime) -> dict | None:
    """A self-only role's open work orders."""
    if request.user.effective_role not in SELF_ONLY_ROLES:
        return None
    return {"kind": "personal", "now": now, "my_open_orders": my_open_work_orders(request.user, at=now)}


def overview_section(request, *, now: datetime.datetime) -> dict | None:
    """A unit or company-wide role's counts, most overdue orders and centres; nothing for an
    account whose scope is empty (org's home section says why)."""
    user = request.user
    role = user.effective_role
    if role in SELF_ONLY_ROLES or (role not in COMPANY_WIDE_ROLES and scope_for(user).is_empty):
        return None
    summary = {"kind": "company" if role in COMPANY_WIDE_ROLES else "unit", "now": now}
    summary.update(work_order_counts(user, at=now))
    summary["overdue_orders"] = most_overdue_work_orders(user, at=now)
    summary["centres"] = open_work_orders_by_centre(user, at=now)
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
            {"code": state.value, "label": state.label, "count": counts[f"state_{state.value}"]}
            for state in State
        ],
        "open_count": counts["open"],
        "overdue_count": counts["overdue"],
    }


def most_overdue_work_orders(user, *, at: datetime.datetime) -> list:
    """The open work orders furthest past their due time. One query."""
    return list(
        visible_work_orders(user)
        .filter(_overdue_q(at))
        .select_related("service_center", "technician")
        .order_by("due_at", "pk")[:MOST_OVERDUE_LIMIT]
    )


def open_work_orders_by_centre(user, *, at: datetime.datetime) -> list[dict]:
    """Open and overdue counts per service centre, most overdue first. One query."""
    return list(
        visible_work_orders(user)
        .filter(state__in=OPEN_STATES)
        .values("service_center__code", "service_center__name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=at)))
        .order_by("-overdue", "-open", "service_center__code")[:CENTRES_LIMIT]
    )
