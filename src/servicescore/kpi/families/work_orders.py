"""Work-order indicators (kpi-library.md): a few aggregate queries over the whole period,
grouped by the person a work order counts for. Never a query per employee.

Each function returns {employee_id: {component: number}}; `kpi.compute` turns components
into indicator values. `people` (a set of employee ids, or None for everyone) narrows a
query to the people being recomputed. Cancelled work orders never count.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from servicescore.core.periods import Period
from servicescore.workorders.models import LabourLine, State, WorkOrder

RESPONSE_LIMIT = datetime.timedelta(minutes=30)


def _duration(later: str, earlier: str):
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def _counted():
    return WorkOrder.objects.order_by().exclude(state=State.CANCELLED)


def _of(person: str, people) -> dict:
    return {f"{person}__isnull": False} if people is None else {f"{person}__in": people}


def completed(period: Period, person: str, people=None) -> dict:
    """Per person (`technician` or `advisor`): the work orders completed in the period."""
    rows = (
        _counted()
        .filter(completed_at__gte=period.start, completed_at__lt=period.end, **_of(person, people))
        .values(person)
        .annotate(
            completed=Count("pk"),
            difficulty=Sum("difficulty"),
            started=Count("pk", filter=Q(started_at__isnull=False)),
            repair_time=Sum(_duration("completed_at", "started_at"), filter=Q(started_at__isnull=False)),
            turnaround=Sum(_duration("completed_at", "created_at")),
            with_due=Count("pk", filter=Q(due_at__isnull=False)),
            on_time=Count("pk", filter=Q(due_at__isnull=False, completed_at__lte=F("due_at"))),
            resolved=Count("pk", filter=~Q(resolution="")),
            fixed=Count("pk", filter=Q(resolution="fixed")),
            fixed_first_visit=Count("pk", filter=Q(resolution="fixed", visits=1)),
            labor_amount=Sum("labor_amount"),
            parts_cost=Sum("parts_cost"),
            travel_cost=Sum("travel_cost"),
            visits=Sum("visits"),
        )
    )
    return {row.pop(person): row for row in rows}


def created(period: Period, person: str, people=None) -> dict:
    """Per person: the work orders created in the period and how fast they were answered."""
    answered = Q(first_response_at__isnull=False)
    rows = (
        _counted()
        .filter(created_at__gte=period.start, created_at__lt=period.end, **_of(person, people))
        .values(person)
        .annotate(
            created=Count("pk"),
            responded=Count("pk", filter=answered),
            response_time=Sum(_duration("first_response_at", "created_at"), filter=answered),
            within_30_min=Count(
                "pk", filter=answered & Q(first_response_at__lte=F("created_at") + RESPONSE_LIMIT)
            ),
        )
    )
    return {row.pop(person): row for row in rows}


def comeback_window() -> datetime.timedelta:
    from servicescore.kpi.models import KpiSettings

    return datetime.timedelta(days=KpiSettings.comeback_window())


def comebacks(period: Period, people=None) -> dict:
    """Per lead technician of the original: comebacks created in the period, at most the
    comeback window (a company setting) after the original's completion."""
    rows = (
        _counted()
        .filter(
            created_at__gte=period.start,
            created_at__lt=period.end,
            rework_of__isnull=False,
            rework_of__completed_at__isnull=False,
            created_at__lte=F("rework_of__completed_at") + comeback_window(),
            **_of("rework_of__technician", people),
        )
        .exclude(rework_of__state=State.CANCELLED)
        .values("rework_of__technician")
        .annotate(comebacks=Count("pk"))
    )
    return {row["rework_of__technician"]: {"comebacks": row["comebacks"]} for row in rows}


def labour(period: Period, people=None) -> dict:
    """Per technician on a labour line: hours on work orders completed in the period."""
    rows = (
        LabourLine.objects.order_by()
        .filter(
            work_order__completed_at__gte=period.start,
            work_order__completed_at__lt=period.end,
            **_of("technician", people),
        )
        .exclude(work_order__state=State.CANCELLED)
        .values("technician")
        .annotate(standard_hours=Sum("standard_hours"), clocked_hours=Sum("clocked_hours"))
    )
    return {row.pop("technician"): row for row in rows}


def available_hours(period: Period, people=None) -> dict:
    """Per employee: the AVAILABLE_HOURS facts of the period's months, summed."""
    from servicescore.kpi.models import MetricFact

    rows = (
        MetricFact.objects.order_by()
        .filter(indicator="AVAILABLE_HOURS", period__in=period.months, **_of("employee", people))
        .values("employee")
        .annotate(available_hours=Sum("value"), months=Count("pk"))
    )
    return {
        row["employee"]: {"available_hours": row["available_hours"] or Decimal(0), "months": row["months"]}
        for row in rows
    }
