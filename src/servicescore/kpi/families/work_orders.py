"""Work-order indicators (kpi-library.md): a few aggregate queries over the whole period,
grouped by the person a work order counts for. Never a query per employee.

Each function returns the `Part` (families/base.py) that `kpi.compute` runs per person
over a period, or stores per person and day. Cancelled work orders never count.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from servicescore.core.periods import Period
from servicescore.workorders.models import LabourLine, State, WorkOrder

from .base import Part, _of

RESPONSE_LIMIT = datetime.timedelta(minutes=30)


def _duration(later: str, earlier: str):
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def _counted():
    return WorkOrder.objects.order_by().exclude(state=State.CANCELLED)


def completed(person: str) -> Part:
    """Per person (`technician` or `advisor`): the work orders completed in the period."""
    return Part(
        _counted(),
        person,
        "completed_at",
        {
            "completed": Count("pk"),
            "difficulty": Sum("difficulty"),
            "started": Count("pk", filter=Q(started_at__isnull=False)),
            "repair_time": Sum(_duration("completed_at", "started_at"), filter=Q(started_at__isnull=False)),
            "turnaround": Sum(_duration("completed_at", "created_at")),
            "with_due": Count("pk", filter=Q(due_at__isnull=False)),
            "on_time": Count("pk", filter=Q(due_at__isnull=False, completed_at__lte=F("due_at"))),
            "resolved": Count("pk", filter=~Q(resolution="")),
            "fixed": Count("pk", filter=Q(resolution="fixed")),
            "fixed_first_visit": Count("pk", filter=Q(resolution="fixed", visits=1)),
            "labor_amount": Sum("labor_amount"),
            "parts_cost": Sum("parts_cost"),
            "travel_cost": Sum("travel_cost"),
            "visits": Sum("visits"),
        },
    )


def created(person: str) -> Part:
    """Per person: the work orders created in the period and how fast they were answered."""
    answered = Q(first_response_at__isnull=False)
    return Part(
        _counted(),
        person,
        "created_at",
        {
            "created": Count("pk"),
            "responded": Count("pk", filter=answered),
            "response_time": Sum(_duration("first_response_at", "created_at"), filter=answered),
            "within_30_min": Count(
                "pk", filter=answered & Q(first_response_at__lte=F("created_at") + RESPONSE_LIMIT)
            ),
        },
    )


def comeback_window() -> datetime.timedelta:
    from servicescore.kpi.models import KpiSettings

    return datetime.timedelta(days=KpiSettings.comeback_window())


def comebacks() -> Part:
    """Per lead technician of the original: comebacks created in the period, at most the
    comeback window (a company setting) after the original's completion."""
    rework = (
        _counted()
        .filter(
            rework_of__isnull=False,
            rework_of__completed_at__isnull=False,
            created_at__lte=F("rework_of__completed_at") + comeback_window(),
        )
        .exclude(rework_of__state=State.CANCELLED)
    )
    return Part(rework, "rework_of__technician", "created_at", {"comebacks": Count("pk")})


def labour() -> Part:
    """Per technician on a labour line: hours on work orders completed in the period."""
    lines = LabourLine.objects.order_by().exclude(work_order__state=State.CANCELLED)
    return Part(
        lines,
        "technician",
        "work_order__completed_at",
        {"standard_hours": Sum("standard_hours"), "clocked_hours": Sum("clocked_hours")},
    )


def available_hours(period: Period, people=None) -> dict:
    """Per employee: the AVAILABLE_HOURS facts of the period's months, summed (monthly
    facts, read directly rather than stored per day)."""
    from servicescore.kpi.models import MetricFact

    rows = (
        MetricFact.objects.order_by()
        .filter(_of("employee", people), indicator="AVAILABLE_HOURS", period__in=period.months)
        .values("employee")
        .annotate(available_hours=Sum("value"), months=Count("pk"))
    )
    return {
        row["employee"]: {"available_hours": row["available_hours"] or Decimal(0), "months": row["months"]}
        for row in rows
    }
