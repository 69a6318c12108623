"""Which stored daily components (kpi/daily.py) a change makes stale: (group, local day)
pairs, found from the records before and after the change.

A work order anchors its own groups on its created, completed and closed days; the
records that count through it (responses, invitations, complaints without a named
employee, comebacks of it) anchor theirs on their own days, and move with its technician,
advisor, state and completion. `order_days` reads all of them for a set of work orders in
a fixed number of queries, so a signal, an import or a benchmark asks the same question.
"""

import datetime
from collections import defaultdict

from django.db.models import QuerySet
from django.db.models.functions import TruncDate

from servicescore.core.periods import company_zone
from servicescore.voice.models import Complaint, FollowUp, Praise, SurveyInvitation, SurveyResponse
from servicescore.workorders.models import LabourLine, WorkOrder

# record's timestamp → the groups anchored on its local day
ORDER_ANCHORS = {
    "created_at": ("made", "made_advisor", "rework"),
    "completed_at": ("done", "done_advisor", "hours"),
    "closed_at": ("closed",),
}
RECORD_ANCHORS = {
    SurveyResponse: {"submitted_at": ("responses",)},
    SurveyInvitation: {"sent_at": ("invitations",)},
    FollowUp: {"called_at": ("calls",)},
    Complaint: {"received_at": ("complaints", "handled"), "resolved_at": ("resolved",)},
    Praise: {"received_at": ("praise",)},
}
# Fields of a work order that move what counts through it.
ATTRIBUTION = ("technician_id", "advisor_id", "state", "completed_at")
# Every field of a work order an indicator reads (families/work_orders.py, voice.py); a save
# that changes none of them (a description, a note) makes nothing stale.
COUNTED = (
    *ATTRIBUTION,
    "created_at",
    "first_response_at",
    "started_at",
    "due_at",
    "closed_at",
    "resolution",
    "visits",
    "difficulty",
    "labor_amount",
    "parts_cost",
    "travel_cost",
    "rework_of_id",
)

GroupDays = dict[str, set[datetime.date]]


def local_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(company_zone()).date()


def merge(into: GroupDays, more: GroupDays) -> GroupDays:
    for group, days in more.items():
        into.setdefault(group, set()).update(days)
    return into


def add_anchor_days(into: GroupDays, anchors: dict, values: dict) -> None:
    for field, groups in anchors.items():
        if values.get(field):
            for group in groups:
                into.setdefault(group, set()).add(local_day(values[field]))


def _days_of(queryset: QuerySet, field: str) -> set[datetime.date]:
    days = (
        queryset.order_by()
        .filter(**{f"{field}__isnull": False})
        .annotate(kpi_day=TruncDate(field, tzinfo=company_zone()))
        .values_list("kpi_day", flat=True)
        .distinct()
    )
    return set(days)


def linked_days(orders: QuerySet) -> GroupDays:
    """The days of the records that count through these work orders (not their own)."""
    found: GroupDays = defaultdict(set)
    for model, anchors in RECORD_ANCHORS.items():
        records = model.objects.filter(work_order__in=orders)
        for field, groups in anchors.items():
            days = _days_of(records, field)
            for group in groups:
                found[group] |= days
    found["rework"] |= _days_of(WorkOrder.objects.filter(rework_of__in=orders), "created_at")
    return dict(found)


def order_days(orders: QuerySet) -> GroupDays:
    """Every (group, day) these work orders count in, directly or through their records."""
    found: GroupDays = defaultdict(set)
    for field, groups in ORDER_ANCHORS.items():
        days = _days_of(orders, field)
        for group in groups:
            found[group] |= days
    return merge(dict(found), linked_days(orders))


def record_days(model, records: QuerySet) -> GroupDays:
    """Every (group, day) these customer-voice records (one model's) count in as they
    stand: `instance_days` for many records in a fixed number of queries (an import reads
    them before it moves them)."""
    found: GroupDays = {}
    for field, groups in RECORD_ANCHORS[model].items():
        days = _days_of(records, field)
        for group in groups:
            found.setdefault(group, set()).update(days)
    if model in (SurveyResponse, FollowUp):
        closed = _days_of(WorkOrder.objects.filter(pk__in=records.values("work_order")), "closed_at")
        found.setdefault("closed", set()).update(closed)
    if model is SurveyResponse:
        sent = _days_of(SurveyInvitation.objects.filter(response__in=records), "sent_at")
        found.setdefault("invitations", set()).update(sent)
    return {group: days for group, days in found.items() if days}


def instance_days(instance, *, linked: bool = True) -> GroupDays:
    """(group, days) one record counts in as it stands (for signals: call before and after
    the change). `linked`: for a work order, also the records that count through it."""
    found: GroupDays = {}
    if isinstance(instance, WorkOrder):
        add_anchor_days(found, ORDER_ANCHORS, instance.__dict__)
        if linked and instance.pk:
            merge(found, linked_days(WorkOrder.objects.filter(pk=instance.pk)))
        return found
    if isinstance(instance, LabourLine):
        completed = (
            WorkOrder.objects.filter(pk=instance.work_order_id).values_list("completed_at", flat=True).first()
        )
        return {"hours": {local_day(completed)}} if completed else {}
    anchors = RECORD_ANCHORS.get(type(instance))
    if anchors is None:
        return found
    add_anchor_days(found, anchors, instance.__dict__)
    order_id = getattr(instance, "work_order_id", None)
    if order_id and isinstance(instance, SurveyResponse | FollowUp):
        # FOLLOWUP_COVERAGE: the order is covered (or not) on the day it was closed.
        closed = WorkOrder.objects.filter(pk=order_id).values_list("closed_at", flat=True).first()
        if closed:
            found.setdefault("closed", set()).add(local_day(closed))
    if isinstance(instance, SurveyResponse) and instance.pk:
        # SURVEY_RESPONSE_RATE: the invitation it answers counts as answered on its sent day.
        found.setdefault("invitations", set()).update(
            _days_of(SurveyInvitation.objects.filter(response=instance.pk), "sent_at")
        )
    return found


def changed(before: WorkOrder | None, after: WorkOrder, fields=ATTRIBUTION) -> bool:
    return before is None or any(getattr(before, f) != getattr(after, f) for f in fields)
