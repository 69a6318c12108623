"""The customer-service agent's section of the home page (core/sections.py, registered in
voice/apps.py): his own follow-up calls (回访) this month and their reach rate, and the
complaints he handles. Only the signed-in agent's own records (his employee record, as
org.scope knows it); one aggregate query each. The voice app has no list pages yet, so the
numbers are shown without links."""

import datetime

from django.db.models import Avg, Count, Q

from servicescore.core.periods import day_start, local_today, month_of
from servicescore.core.roles import Role
from servicescore.org.scope import employee_of

from .models import Complaint, FollowUp


def my_calls_section(request, *, now: datetime.datetime) -> dict | None:
    """The agent's follow-up calls and complaints this month; None for other roles or an
    account without an employee record."""
    user = request.user
    if user.effective_role != Role.CS_AGENT:
        return None
    employee = employee_of(user)
    if employee is None:
        return None
    month_start = day_start(local_today(now).replace(day=1))
    return {
        "month": month_of(now),
        "calls": my_follow_ups(employee, since=month_start),
        "complaints": my_complaints(employee, since=month_start),
    }


def my_follow_ups(employee, *, since: datetime.datetime) -> dict:
    """The employee's follow-up calls since `since`: how many, how many reached the
    customer, the reach rate (%) and the average satisfaction given. One query."""
    calls = FollowUp.objects.filter(agent=employee, called_at__gte=since).aggregate(
        total=Count("pk"), reached=Count("pk", filter=Q(reached=True)), satisfaction=Avg("satisfied")
    )
    calls["reach_rate"] = round(100.0 * calls["reached"] / calls["total"], 1) if calls["total"] else None
    if calls["satisfaction"] is not None:
        calls["satisfaction"] = round(float(calls["satisfaction"]), 2)
    return calls


def my_complaints(employee, *, since: datetime.datetime) -> dict:
    """The complaints the employee handles: still open, received and resolved since `since`.
    One query."""
    return Complaint.objects.filter(handler=employee).aggregate(
        open=Count("pk", filter=Q(resolved_at__isnull=True)),
        received=Count("pk", filter=Q(received_at__gte=since)),
        resolved=Count("pk", filter=Q(resolved_at__gte=since)),
    )
