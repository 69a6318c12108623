"""Stale results: when a record that indicators count is saved or deleted through the
ORM, queue a recompute of the months and people it touches (before and after the
change). Bulk imports do not send signals; the importer queues its own request."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save

from servicescore.core.periods import month_of
from servicescore.voice.models import Complaint, FollowUp, Praise, SurveyInvitation, SurveyResponse
from servicescore.workorders.models import LabourLine, WorkOrder

from .models import ManualRating, MetricFact

ORDER_TIMES = ("created_at", "completed_at", "closed_at")
ORDER_PEOPLE = ("technician_id", "advisor_id")


def _order_touches(order) -> tuple[set, set]:
    months = {month_of(getattr(order, f)) for f in ORDER_TIMES if getattr(order, f, None)}
    people = {getattr(order, f) for f in ORDER_PEOPLE} - {None}
    return months, people


def touched(instance) -> tuple[set[str], set[int]]:
    """(months, employee ids) whose results this record counts in."""
    if isinstance(instance, WorkOrder):
        months, people = _order_touches(instance)
        original = (
            instance.rework_of_id
            and WorkOrder.objects.filter(pk=instance.rework_of_id)
            .values_list("technician", flat=True)
            .first()
        )
        return months, people | ({original} if original else set())
    if isinstance(instance, LabourLine):
        order = (
            WorkOrder.objects.filter(pk=instance.work_order_id).values_list("completed_at", flat=True).first()
        )
        return ({month_of(order)} if order else set()), {instance.technician_id}
    order_fields = {
        SurveyResponse: ("submitted_at",),
        SurveyInvitation: ("sent_at",),
        FollowUp: ("called_at",),
        Complaint: ("received_at", "resolved_at"),
        Praise: ("received_at",),
    }
    if type(instance) in order_fields:
        months = {
            month_of(getattr(instance, f)) for f in order_fields[type(instance)] if getattr(instance, f)
        }
        people = {getattr(instance, f, None) for f in ("agent_id", "employee_id", "handler_id")} - {None}
        if getattr(instance, "work_order_id", None):
            order = WorkOrder.objects.filter(pk=instance.work_order_id).first()
            if order is not None:
                order_months, order_people = _order_touches(order)
                people |= order_people
                if isinstance(instance, SurveyResponse | FollowUp):
                    months |= {m for m in order_months if order.closed_at and m == month_of(order.closed_at)}
        return months, people
    if isinstance(instance, MetricFact | ManualRating):
        if isinstance(instance, MetricFact) and instance.employee_id is None:
            return {instance.period}, set()  # an org unit's fact: roll-ups only
        return {instance.period}, {instance.employee_id}
    return set(), set()


def _remember(sender, instance, **kwargs):
    if not settings.KPI_AUTO_RECOMPUTE or instance.pk is None:
        return
    old = sender.objects.filter(pk=instance.pk).first()
    instance._kpi_before = touched(old) if old is not None else (set(), set())


def _queue(sender, instance, **kwargs):
    if not settings.KPI_AUTO_RECOMPUTE:
        return
    from .services import request_recompute

    months, people = touched(instance)
    before_months, before_people = getattr(instance, "_kpi_before", (set(), set()))
    people |= before_people
    if not people and not isinstance(instance, MetricFact):
        return  # counts for no one (e.g. an order not yet assigned)
    for month in sorted(months | before_months):
        # No people: an org unit's fact, which changes roll-ups only; recompute the month.
        request_recompute(month, sorted(people) or None)


WATCHED = [
    WorkOrder,
    LabourLine,
    SurveyResponse,
    SurveyInvitation,
    FollowUp,
    Complaint,
    Praise,
    MetricFact,
    ManualRating,
]


def connect():
    for model in WATCHED:
        pre_save.connect(_remember, sender=model, dispatch_uid=f"kpi-before-{model.__name__}")
        post_save.connect(_queue, sender=model, dispatch_uid=f"kpi-save-{model.__name__}")
        post_delete.connect(_queue, sender=model, dispatch_uid=f"kpi-delete-{model.__name__}")
