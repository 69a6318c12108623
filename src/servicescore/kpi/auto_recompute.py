"""Stale results: when a record that indicators count is saved or deleted through the
ORM, queue a recompute of what it touches before and after the change — the (group, day)
pairs of the stored daily components for records (kpi/dirty_days.py), the month and person
for facts and manual ratings. Bulk imports do not send signals; the importer queues its
own requests (kpi.services.import_recompute.ImportTouches)."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from servicescore.voice.models import Complaint, FollowUp, Praise, SurveyInvitation, SurveyResponse
from servicescore.workorders.models import LabourLine, WorkOrder

from .dirty_days import COUNTED, changed, instance_days, merge
from .models import ManualRating, MetricFact
from .services.recompute import request_recompute, request_recompute_days

RECORDS = (WorkOrder, LabourLine, SurveyResponse, SurveyInvitation, FollowUp, Complaint, Praise)
PER_PERSON = (MetricFact, ManualRating)


def _remember(sender, instance, **kwargs):
    """Before a save or delete: what the record counts in as stored."""
    if not settings.KPI_AUTO_RECOMPUTE or instance.pk is None:
        return
    old = sender.objects.filter(pk=instance.pk).first()
    if old is None:
        return
    if isinstance(old, PER_PERSON):
        instance._kpi_before = {"people": [(old.period, old.employee_id)]}
        return
    deleting = kwargs.get("signal") is pre_delete
    if isinstance(old, WorkOrder) and not deleting and not changed(old, instance, COUNTED):
        instance._kpi_before = {"unchanged": True}
        return
    linked = not isinstance(old, WorkOrder) or deleting or changed(old, instance)
    instance._kpi_before = {"days": instance_days(old, linked=linked), "linked": linked}


def _queue(sender, instance, **kwargs):
    """After a save or delete: queue what the record counted in before and counts in now."""
    if not settings.KPI_AUTO_RECOMPUTE:
        return
    before = getattr(instance, "_kpi_before", {})
    if isinstance(instance, PER_PERSON):
        pairs = set(before.get("people", [])) | {(instance.period, instance.employee_id)}
        for period, employee in sorted(pairs, key=str):
            # No employee: an org unit's fact, which changes roll-ups only: everyone's figures
            # again from the stored components, nothing re-aggregated.
            request_recompute(period, [employee] if employee else None, rebuild=False)
        return
    if before.get("unchanged"):
        return  # no field an indicator reads was changed
    deleted = kwargs.get("signal") is post_delete
    linked = before.get("linked", not kwargs.get("created")) and not deleted
    days = merge(dict(before.get("days", {})), instance_days(instance, linked=linked))
    request_recompute_days(days)


def connect():
    for model in RECORDS + PER_PERSON:
        name = model.__name__
        pre_save.connect(_remember, sender=model, dispatch_uid=f"kpi-before-{name}")
        pre_delete.connect(_remember, sender=model, dispatch_uid=f"kpi-before-delete-{name}")
        post_save.connect(_queue, sender=model, dispatch_uid=f"kpi-save-{name}")
        post_delete.connect(_queue, sender=model, dispatch_uid=f"kpi-delete-{name}")
