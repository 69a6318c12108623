"""The people sections of the home page (core/sections.py): the hint for an account with no
employee record, and for company-wide roles the headcount by position and the certificates
that have expired or expire soon."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from servicescore.core.roles import COMPANY_WIDE_ROLES, SELF_ONLY_ROLES

from .models import CERT_EXPIRY_WARNING_DAYS, Certificate, Employee, Position
from .scope import scope_for, visible_employees


def unlinked_section(request, **page) -> dict | None:
    """An account not linked to an active employee record sees nothing (org/scope.py): say so."""
    user = request.user
    role = user.effective_role
    if role in COMPANY_WIDE_ROLES or role in SELF_ONLY_ROLES or not scope_for(user).is_empty:
        return None
    return {"kind": "unlinked"}


def people_section(request, *, now: datetime.datetime) -> dict | None:
    """Headcount and certificate expiry, for company-wide roles."""
    user = request.user
    if user.effective_role not in COMPANY_WIDE_ROLES:
        return None
    return {
        "headcount": headcount_by_position(user),
        "certificates": certificate_expiry_counts(user, today=timezone.localdate(now)),
    }


def headcount_by_position(user) -> list[dict]:
    """Active employees in scope per position, largest first. One query."""
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
    horizon = today + datetime.timedelta(days=CERT_EXPIRY_WARNING_DAYS)
    return Certificate.objects.filter(
        scope_for(user).employees_q("employee__"), employee__status=Employee.Status.ACTIVE
    ).aggregate(
        expired=Count("pk", filter=Q(valid_until__lt=today)),
        expiring=Count("pk", filter=Q(valid_until__gte=today, valid_until__lte=horizon)),
    )
