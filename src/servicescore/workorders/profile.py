"""The work-order parts of an employee's profile (org's page, filled in through
core/sections.py): the work history section and the timeline's completed orders."""

import datetime

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from servicescore.core.periods import company_zone
from servicescore.org.models import Employee
from servicescore.org.selectors import TimelineEntry

from .models import OPEN_STATES, LabourLine, WorkOrder
from .scope import visible_work_orders

WORK_HISTORY_PER_PAGE = 25
RECENT_DAYS = 30
TIMELINE_WORK_ORDERS = 20


def work_history_section(request, *, employee: Employee, page=None, now=None, **_page) -> dict:
    return {"history": work_history(request.user, employee, page=page, now=now)}


def completed_orders_timeline(user, employee: Employee, *, today: datetime.date) -> list[TimelineEntry]:
    """The last TIMELINE_WORK_ORDERS orders the employee completed as lead. One query."""
    completed = (
        work_orders_of(user, employee)
        .filter(technician=employee, completed_at__isnull=False)
        .select_related("service_center")
        .order_by("-completed_at", "-pk")[:TIMELINE_WORK_ORDERS]
    )
    return [
        TimelineEntry(
            timezone.localtime(order.completed_at, company_zone()).date(),
            "work_order",
            order,
            template="workorders/_timeline_entry.html",
        )
        for order in completed
    ]


def work_orders_of(user, employee: Employee) -> QuerySet:
    """Visible work orders the employee led, advised or has a labour line on. Build it once
    per page and pass it on: visible_work_orders may look up ids for an org subtree.

    The employee's orders are `id IN (a UNION of one index lookup per rule)`, never an OR
    across the columns: with the OR, PostgreSQL walks the newest orders of the whole
    company until it has a page of someone who works little (large demo: 1.3 s for a
    technician with 31 orders, 1.5 ms this way)."""
    mine = WorkOrder.objects.order_by()
    theirs = (
        mine.filter(technician=employee)
        .values("pk")
        .union(
            mine.filter(advisor=employee).values("pk"),
            LabourLine.objects.order_by().filter(technician=employee).values("work_order_id"),
            all=True,
        )
    )
    return visible_work_orders(user).filter(pk__in=theirs)


def work_history(
    user,
    employee: Employee,
    *,
    page=None,
    orders: QuerySet | None = None,
    now: datetime.datetime | None = None,
) -> dict:
    """One page of the work orders the employee took part in that the user may see, newest
    first, each with `as_lead`, `as_advisor` and `on_labour`; plus counts of the last
    RECENT_DAYS (completed as lead) and of those open now. Three queries besides the scope's."""
    now = now or timezone.now()
    orders = work_orders_of(user, employee) if orders is None else orders
    summary = orders.aggregate(
        completed_as_lead=Count(
            "pk",
            filter=Q(technician=employee, completed_at__gte=now - datetime.timedelta(days=RECENT_DAYS)),
        ),
        open_now=Count("pk", filter=Q(state__in=OPEN_STATES)),
    )
    rows = (
        orders.select_related("service_center")
        .annotate(
            as_lead=ExpressionWrapper(Q(technician_id=employee.pk), output_field=BooleanField()),
            as_advisor=ExpressionWrapper(Q(advisor_id=employee.pk), output_field=BooleanField()),
            on_labour=Exists(LabourLine.objects.filter(work_order=OuterRef("pk"), technician=employee)),
        )
        .order_by("-created_at", "-pk")
    )
    paginator = Paginator(rows, WORK_HISTORY_PER_PAGE)
    history_page: Page = paginator.get_page(page)
    return {
        "page_obj": history_page,
        "count": paginator.count,
        "completed_as_lead_recent": summary["completed_as_lead"],
        "open_now": summary["open_now"],
        "recent_days": RECENT_DAYS,
    }
