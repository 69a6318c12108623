"""Escalation of complaints past their deadline: one level at a time, once per level
(running again changes nothing), recorded and told to the centre's managers (from level 2
also those above); resolved complaints are left alone."""

import datetime

import pytest

from servicescore.core.models import AuditEntry, InboxMessage
from servicescore.voice.models import Complaint
from servicescore.voice.services import complaints as services
from servicescore.voice.tasks import escalate_overdue_complaints_task

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 10, 12, 9, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def complaint(network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    return services.complaint_register(
        by=network.cs_agent.user, work_order=order, summary="异响", received_at=T0, now=T0
    )


def inbox(employee):
    return list(InboxMessage.objects.filter(user=employee.user).values_list("notification__kind", flat=True))


def test_nothing_is_escalated_before_the_deadline(network, complaint):
    assert services.escalate_overdue_complaints(now=T0 + 47 * HOUR) == 0
    complaint.refresh_from_db()
    assert complaint.escalation_level == 0 and complaint.escalated_at is None


def test_past_the_deadline_it_is_escalated_once_and_the_centre_manager_told(network, complaint):
    when = T0 + 49 * HOUR
    assert services.escalate_overdue_complaints(now=when) == 1
    assert services.escalate_overdue_complaints(now=when) == 0  # idempotent
    complaint.refresh_from_db()
    assert (complaint.escalation_level, complaint.escalated_at) == (1, when)
    assert list(complaint.events.filter(kind="escalated").values_list("at", flat=True)) == [when]
    assert AuditEntry.objects.filter(action="escalate", object_id=str(complaint.pk)).count() == 1
    assert inbox(network.manager) == ["complaint_escalated"]
    assert inbox(network.regional_manager) == []


def test_a_further_deadline_later_it_goes_up_a_level_to_the_managers_above(network, complaint):
    services.escalate_overdue_complaints(now=T0 + 49 * HOUR)
    assert services.escalate_overdue_complaints(now=T0 + 60 * HOUR) == 0  # still level 1
    assert services.escalate_overdue_complaints(now=T0 + 97 * HOUR) == 1
    complaint.refresh_from_db()
    assert complaint.escalation_level == 2
    assert inbox(network.regional_manager) == ["complaint_escalated"]
    assert len(inbox(network.manager)) == 2


def test_a_resolved_complaint_is_not_escalated(network, complaint):
    Complaint.objects.filter(pk=complaint.pk).update(state="resolved")
    assert services.escalate_overdue_complaints(now=T0 + 100 * HOUR) == 0


def test_the_beat_task_runs_the_service(network, complaint):
    Complaint.objects.filter(pk=complaint.pk).update(due_at=T0)
    assert escalate_overdue_complaints_task() == 1


def test_the_beat_schedule_has_the_task(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "voice.escalate_overdue_complaints" in tasks
