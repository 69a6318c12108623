"""Reads for the home page; every query goes through core.scope."""

from django.db.models import Count, Q
from django.utils import timezone

from .roles import SELF_ONLY_ROLES
from .scope import scope_for, visible_work_orders


def home_summary(user) -> dict:
    """What the home page shows: a self-only role sees its open work orders; a unit or
    company role sees counts by state and the overdue ones in its scope."""
    from servicescore.workorders.models import OPEN_STATES, State

    now = timezone.now()
    orders = visible_work_orders(user)
    if user.effective_role in SELF_ONLY_ROLES or scope_for(user).is_empty:
        mine = (
            orders.filter(state__in=OPEN_STATES)
            .select_related("service_center", "asset", "customer")
            .order_by("due_at", "created_at")[:50]
        )
        return {"my_open_orders": list(mine), "now": now, "personal": True}
    counts = orders.aggregate(
        **{state.value: Count("pk", filter=Q(state=state.value)) for state in State},
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES, due_at__lt=now)),
    )
    by_state = [(state.label, state.value, counts[state.value]) for state in State]
    overdue = (
        orders.filter(state__in=OPEN_STATES, due_at__lt=now)
        .select_related("service_center", "technician")
        .order_by("due_at")[:20]
    )
    return {"by_state": by_state, "overdue_count": counts["overdue"],
            "overdue_orders": list(overdue), "now": now, "personal": False}
