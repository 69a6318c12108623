"""The customer-service agent's section of the home page (core/sections.py, registered in
voice/apps.py): his follow-up queue (回访) — due today, overdue, retries today, each a link
to that list — his own calls this month with their reach rate and CSAT, and the complaints
he handles. Only the signed-in agent's own records and the tasks of his scope
(voice/scope_followups.py); one aggregate query each."""

import datetime

from django.db.models import Count, Q
from django.urls import reverse

from servicescore.core.periods import day_start, local_today, month_of
from servicescore.core.roles import Role
from servicescore.org.scope import employee_of

from .models import Complaint
from .selectors_followups import agent_call_stats, queue_counts

# The queue's lists the home page counts, each linking to the list itself.
QUEUE_LISTS = ("due", "overdue", "retries")


def my_calls_section(request, *, now: datetime.datetime) -> dict | None:
    """The agent's follow-up queue, his calls and complaints this month; None for other
    roles or an account without an employee record."""
    user = request.user
    if user.effective_role != Role.CS_AGENT:
        return None
    employee = employee_of(user)
    if employee is None:
        return None
    month_start = day_start(local_today(now).replace(day=1))
    counts = queue_counts(user, now=now, employee=employee)
    queue_url = reverse("voice:followup_queue")
    return {
        "queue": [
            {"key": key, "count": counts[key], "url": f"{queue_url}?list={key}"} for key in QUEUE_LISTS
        ],
        "queue_url": queue_url,
        "month": month_of(now),
        "calls": my_follow_ups(employee, since=month_start),
        "complaints": my_complaints(employee, since=month_start),
    }


def my_follow_ups(employee, *, since: datetime.datetime) -> dict:
    """The employee's follow-up calls since `since`: how many, how many reached the
    customer, the reach rate (%) and the average satisfaction given. One query."""
    return agent_call_stats(employee, since=since)


def my_complaints(employee, *, since: datetime.datetime) -> dict:
    """The complaints the employee handles: still open, received and resolved since `since`.
    One query."""
    return Complaint.objects.filter(handler=employee).aggregate(
        open=Count("pk", filter=Q(resolved_at__isnull=True)),
        received=Count("pk", filter=Q(received_at__gte=since)),
        resolved=Count("pk", filter=Q(resolved_at__gte=since)),
    )
