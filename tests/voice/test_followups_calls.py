"""Recording a follow-up call (回访): reached with a satisfaction, or not reached with a retry
and finally "unreachable"; a complaint opened from the issues; every bad input refused
with its code and nothing written; the call queues the agent's FOLLOWUP_* recompute."""

import datetime

import pytest
from django.utils import timezone

from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.core.models import AuditEntry
from servicescore.kpi.models import RecomputeRequest
from servicescore.voice.models import Complaint, FollowUp, FollowUpTask, VoicePolicy
from servicescore.voice.services.followups import followup_record, followup_task_take

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def task(network):
    order = WorkOrderFactory(
        service_center=network.sc1,
        technician=network.tech,
        state="closed",
        closed_at=NOW - datetime.timedelta(hours=5),
    )
    return FollowUpTask.objects.create(
        work_order=order, reason="sample", due_at=NOW + datetime.timedelta(hours=1)
    )


def record(task, network, **fields):
    fields.setdefault("reached", True)
    return followup_record(task=task, by=network.cs_agent.user, now=NOW, **fields)


def test_a_reached_call_finishes_the_task(network, task):
    call = record(task, network, satisfied=4, note="满意")
    task.refresh_from_db()
    assert (call.agent, call.satisfied, call.called_at, call.note) == (network.cs_agent, 4, NOW, "满意")
    assert (task.state, task.attempts, task.closed_at, task.assigned_to) == ("done", 1, NOW, network.cs_agent)


def test_a_reached_call_may_leave_the_satisfaction_out(network, task):
    assert record(task, network).satisfied is None


def test_an_unanswered_call_schedules_a_retry(network, task):
    record(task, network, reached=False)
    task.refresh_from_db()
    retry = VoicePolicy.current().followup_retry_hours
    assert (task.state, task.attempts, task.next_try_at) == ("open", 1, NOW + datetime.timedelta(hours=retry))


def test_the_last_unanswered_attempt_makes_the_customer_unreachable(network, task):
    VoicePolicy.objects.filter(pk=VoicePolicy.current().pk).update(followup_max_attempts=2)
    record(task, network, reached=False)
    record(task, network, reached=False)
    task.refresh_from_db()
    assert (task.state, task.attempts, task.next_try_at, task.closed_at) == ("unreachable", 2, None, NOW)
    assert FollowUp.objects.filter(task=task).count() == 2


def test_the_call_is_audited(network, task):
    call = record(task, network, satisfied=5)
    entry = AuditEntry.objects.get(object_id=str(call.pk), action="create")
    assert entry.actor == network.cs_agent.user
    assert entry.changes["satisfied"] == [None, 5]
    assert AuditEntry.objects.filter(object_id=str(task.pk), action="call").exists()


def test_a_call_can_open_a_complaint_from_its_issues(network, task):
    call = record(task, network, satisfied=2, issues="异响未修好\n第二次来店", open_complaint=True)
    complaint = Complaint.objects.get()
    assert call.complaint == complaint
    assert (complaint.source, complaint.summary, complaint.work_order) == (
        "followup",
        "异响未修好",
        task.work_order,
    )
    assert complaint.registered_by == network.cs_agent.user


def test_issues_alone_open_no_complaint(network, task):
    record(task, network, satisfied=3, issues="等待时间长")
    assert not Complaint.objects.exists()


def test_comments_with_script_tags_are_stored_as_text(network, task):
    call = record(task, network, note="<script>alert(1)</script>")
    assert call.note == "<script>alert(1)</script>"


@pytest.mark.parametrize("satisfied", [0, 6, -1, "5", 4.5, True])
def test_a_satisfaction_out_of_range_is_refused(network, task, satisfied):
    with pytest.raises(Invalid) as error:
        record(task, network, satisfied=satisfied)
    assert error.value.domain_code == "followup_satisfaction_out_of_range"
    assert not FollowUp.objects.exists()


def test_a_satisfaction_without_reaching_the_customer_is_refused(network, task):
    with pytest.raises(Invalid) as error:
        record(task, network, reached=False, satisfied=3)
    assert error.value.domain_code == "followup_satisfaction_not_reached"
    task.refresh_from_db()
    assert (task.attempts, FollowUp.objects.count()) == (0, 0)


def test_a_complaint_without_reaching_the_customer_is_refused(network, task):
    with pytest.raises(Invalid) as error:
        record(task, network, reached=False, issues="x", open_complaint=True)
    assert error.value.domain_code == "followup_satisfaction_not_reached"


def test_a_complaint_without_issues_is_refused(network, task):
    with pytest.raises(Invalid) as error:
        record(task, network, satisfied=1, open_complaint=True)
    assert error.value.domain_code == "followup_issues_required"
    assert not Complaint.objects.exists()
    assert not FollowUp.objects.exists()


def test_a_100_kb_note_is_refused(network, task):
    with pytest.raises(Invalid) as error:
        record(task, network, note="长" * 100_000)
    assert (error.value.domain_code, error.value.field) == ("followup_text_too_long", "note")
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize("state", ["done", "unreachable", "cancelled"])
def test_a_task_no_longer_open_takes_no_call(network, task, state):
    FollowUpTask.objects.filter(pk=task.pk).update(state=state)
    with pytest.raises(Conflict) as error:
        record(task, network)
    assert error.value.domain_code == "followup_task_not_open"
    assert not FollowUp.objects.exists()


def test_an_agent_of_another_centre_cannot_record_a_call(network, task):
    from ..factories import EmployeeFactory, UserFactory

    other = EmployeeFactory(
        employee_no="CS9",
        position="cs_agent",
        org_unit=network.sc2,
        user=UserFactory(username="cs9", role="cs_agent"),
    )
    with pytest.raises(NotFound) as error:
        followup_record(task=task, by=other.user, reached=True)
    assert error.value.domain_code == "followup_not_found"


def test_a_technician_cannot_record_a_call(network, task):
    with pytest.raises(Refused):
        followup_record(task=task, by=network.tech.user, reached=True)


def test_a_manager_records_a_call_of_his_centre(network, task):
    call = followup_record(task=task, by=network.manager.user, reached=True, satisfied=5)
    assert call.agent == network.manager


def test_the_call_queues_the_agents_follow_up_figures(network, task, settings):
    settings.KPI_AUTO_RECOMPUTE = True
    record(task, network, satisfied=5)
    groups = set(RecomputeRequest.objects.values_list("group", flat=True))
    assert {"calls", "closed"} <= groups


def test_an_agent_takes_a_task(network, task):
    followup_task_take(task=task, by=network.cs_agent.user)
    task.refresh_from_db()
    assert task.assigned_to == network.cs_agent


def test_a_task_another_agent_took_is_not_taken_over(network, task):
    from ..factories import EmployeeFactory, UserFactory

    colleague = EmployeeFactory(
        employee_no="CS2",
        position="cs_agent",
        org_unit=network.sc1,
        user=UserFactory(username="cs2", role="cs_agent"),
    )
    FollowUpTask.objects.filter(pk=task.pk).update(assigned_to=colleague)
    with pytest.raises(Conflict) as error:
        followup_task_take(task=task, by=network.cs_agent.user)
    assert error.value.domain_code == "followup_task_taken"


def test_a_manager_takes_over_a_task(network, task):
    FollowUpTask.objects.filter(pk=task.pk).update(assigned_to=network.cs_agent)
    followup_task_take(task=task, by=network.manager.user)
    task.refresh_from_db()
    assert task.assigned_to == network.manager
