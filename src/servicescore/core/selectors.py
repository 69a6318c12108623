"""Reads for the home page; every query goes through core.scope and is set-based."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from servicescore.customers.models import mask_phone

from .roles import COMPANY_WIDE_ROLES, SELF_ONLY_ROLES
from .scope import can_see_full_phone, scope_for, visible_employees, visible_work_orders

MY_OPEN_ORDERS_LIMIT = 50
MOST_OVERDUE_LIMIT = 10
CENTRES_LIMIT = 20


def home_summary(user, *, at: datetime.datetime | None = None) -> dict:
    """What the home page shows: a self-only role sees its open work orders; a unit role
    sees counts by state and the most overdue orders in its scope; a company-wide role
    also sees headcount by position and certificate expiry."""
    now = at or timezone.now()
    role = user.effective_role
    if role in SELF_ONLY_ROLES:
        return {"kind": "personal", "now": now, "my_open_orders": my_open_work_orders(user, at=now)}
    if role not in COMPANY_WIDE_ROLES and scope_for(user).is_empty:
        # An account not linked to an active employee record sees nothing (core/scope.py).
        return {"kind": "unlinked", "now": now}
    summary = {"kind": "company" if role in COMPANY_WIDE_ROLES else "unit", "now": now}
    summary.update(work_order_counts(user, at=now))
    summary["overdue_orders"] = most_overdue_work_orders(user, at=now)
    summary["centres"] = open_work_orders_by_centre(user, at=now)
    if role in COMPANY_WIDE_ROLES:
        summary["headcount"] = headcount_by_position(user)
        summary["certificates"] = certificate_expiry_counts(user, today=timezone.localdate(now))
    return summary


def _overdue_q(now) -> Q:
    from servicescore.workorders.models import OPEN_STATES

    return Q(state__in=OPEN_STATES, due_at__lt=now)


def my_open_work_orders(user, *, at: datetime.datetime) -> list:
    """The user's open work orders, soonest due first, each with `display_phone` (masked
    unless the role may see phones) and `is_overdue`. One query."""
    from servicescore.workorders.models import OPEN_STATES

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
    from servicescore.workorders.models import OPEN_STATES, State

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
    from servicescore.workorders.models import OPEN_STATES

    return list(
        visible_work_orders(user)
        .filter(state__in=OPEN_STATES)
        .values("service_center__code", "service_center__name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=at)))
        .order_by("-overdue", "-open", "service_center__code")[:CENTRES_LIMIT]
    )


def headcount_by_position(user) -> list[dict]:
    """Active employees in scope per position, largest first. One query."""
    from servicescore.org.models import Employee, Position

    rows = (
        visible_employees(user)
        .filter(status=Employee.Status.ACTIVE)
        .values("position")
        .annotate(count=Count("pk"))
        .order_by("-count", "position")
    )
    labels = dict(Position.choices)
    return [
        {"code": r["position"], "label": labels.get(r["position"], r["position"]), "count": r["count"]}
        for r in rows
    ]


def certificate_expiry_counts(user, *, today: datetime.date) -> dict:
    """Certificates of active employees in scope that have expired or expire within the
    warning window (org.models.CERT_EXPIRY_WARNING_DAYS). One aggregate query."""
    from servicescore.org.models import CERT_EXPIRY_WARNING_DAYS, Certificate, Employee

    horizon = today + datetime.timedelta(days=CERT_EXPIRY_WARNING_DAYS)
    return Certificate.objects.filter(
        scope_for(user).employees_q("employee__"), employee__status=Employee.Status.ACTIVE
    ).aggregate(
        expired=Count("pk", filter=Q(valid_until__lt=today)),
        expiring=Count("pk", filter=Q(valid_until__gte=today, valid_until__lte=horizon)),
    )
