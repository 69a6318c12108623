"""Which closed work orders get a follow-up call (回访): every complaint, every comeback and a
stable sample of the rest, due a set time after closing; a cancelled order's task goes
with it; a manager adds any closed order by hand."""

import datetime

import pytest
from django.utils import timezone

from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.core.models import AuditEntry
from servicescore.voice.models import Complaint, FollowUpTask, VoicePolicy
from servicescore.voice.services.followups import followup_task_add, followup_task_queue, in_sample
from servicescore.workorders import services as work_orders

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


def closed_order(network, **fields):
    fields.setdefault("closed_at", timezone.now() - datetime.timedelta(hours=1))
    return WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed", **fields)


def set_rules(**values):
    VoicePolicy.objects.filter(pk=VoicePolicy.current().pk).update(**values)


def test_the_sample_takes_about_its_share_of_many_orders():
    chosen = sum(in_sample(order_id, 30) for order_id in range(1, 10001))
    assert 2800 <= chosen <= 3200


def test_the_sample_picks_the_same_orders_again():
    assert [n for n in range(500) if in_sample(n, 30)] == [n for n in range(500) if in_sample(n, 30)]


def test_a_larger_share_keeps_every_order_of_a_smaller_one():
    assert all(in_sample(n, 50) for n in range(2000) if in_sample(n, 20))


@pytest.mark.parametrize(("percent", "expected"), [(0, 0), (100, 300)])
def test_no_sample_and_everything_are_exact(percent, expected):
    assert sum(in_sample(n, percent) for n in range(300)) == expected


def test_an_order_with_a_complaint_is_always_queued(network):
    set_rules(followup_sample_percent=0)
    order = closed_order(network)
    Complaint.objects.create(received_at=timezone.now(), work_order=order)
    task = followup_task_queue(order=order)
    assert task.reason == FollowUpTask.Reason.COMPLAINT


def test_a_comeback_is_always_queued(network):
    set_rules(followup_sample_percent=0)
    original = closed_order(network)
    task = followup_task_queue(order=closed_order(network, rework_of=original))
    assert task.reason == FollowUpTask.Reason.COMEBACK


def test_a_comeback_is_not_queued_when_the_rule_is_off(network):
    set_rules(followup_sample_percent=0, followup_all_comebacks=False)
    original = closed_order(network)
    assert followup_task_queue(order=closed_order(network, rework_of=original)) is None


def test_an_order_outside_the_sample_is_not_queued(network):
    set_rules(followup_sample_percent=0)
    assert followup_task_queue(order=closed_order(network)) is None
    assert not FollowUpTask.objects.exists()


def test_the_task_is_due_the_set_hours_after_closing(network):
    set_rules(followup_sample_percent=100, followup_due_hours=24)
    order = closed_order(network)
    task = followup_task_queue(order=order)
    assert (task.reason, task.due_at, task.state) == (
        "sample",
        order.closed_at + datetime.timedelta(hours=24),
        "open",
    )


def test_queueing_twice_keeps_one_task(network):
    set_rules(followup_sample_percent=100)
    order = closed_order(network)
    assert followup_task_queue(order=order) == followup_task_queue(order=order)
    assert FollowUpTask.objects.count() == 1


def test_an_order_not_closed_is_not_queued(network):
    set_rules(followup_sample_percent=100)
    order = WorkOrderFactory(service_center=network.sc1, state="completed")
    assert followup_task_queue(order=order) is None


def test_closing_a_work_order_queues_its_call(network):
    set_rules(followup_sample_percent=100)
    order = WorkOrderFactory(
        service_center=network.sc1, technician=network.tech, state="completed", completed_at=timezone.now()
    )
    work_orders.close(order, by=network.manager.user)
    task = FollowUpTask.objects.get(work_order=order)
    assert task.state == "open"
    assert AuditEntry.objects.filter(object_id=str(task.pk), action="create").exists()


def test_cancelling_a_work_order_cancels_its_open_task(network):
    order = WorkOrderFactory(service_center=network.sc1, state="new")
    task = FollowUpTask.objects.create(work_order=order, reason="manual", due_at=timezone.now())
    work_orders.cancel(order, reason="客户取消", by=network.manager.user)
    task.refresh_from_db()
    assert (task.state, task.closed_at is not None) == ("cancelled", True)


def test_cancelling_leaves_a_finished_task_alone(network):
    order = WorkOrderFactory(service_center=network.sc1, state="new")
    task = FollowUpTask.objects.create(work_order=order, reason="manual", due_at=timezone.now(), state="done")
    work_orders.cancel(order, reason="客户取消", by=network.manager.user)
    task.refresh_from_db()
    assert task.state == "done"


def test_a_manager_adds_a_closed_order_by_hand(network):
    set_rules(followup_sample_percent=0, followup_due_hours=10)
    order = closed_order(network)
    now = timezone.now()
    task = followup_task_add(by=network.manager.user, order_id=order.pk, now=now)
    assert (task.reason, task.due_at) == ("manual", now + datetime.timedelta(hours=10))
    assert AuditEntry.objects.filter(object_id=str(task.pk), actor=network.manager.user).exists()


def test_adding_reopens_an_unreachable_task(network):
    order = closed_order(network)
    FollowUpTask.objects.create(
        work_order=order, reason="sample", due_at=timezone.now(), state="unreachable", attempts=3
    )
    task = followup_task_add(by=network.manager.user, order_id=order.pk)
    assert (task.state, task.reason, task.attempts, task.closed_at) == ("open", "manual", 0, None)


def test_adding_an_order_already_queued_is_a_conflict(network):
    order = closed_order(network)
    FollowUpTask.objects.create(work_order=order, reason="sample", due_at=timezone.now())
    with pytest.raises(Conflict) as error:
        followup_task_add(by=network.manager.user, order_id=order.pk)
    assert error.value.domain_code == "followup_already_queued"


def test_adding_an_open_order_is_refused(network):
    order = WorkOrderFactory(service_center=network.sc1, state="in_progress")
    with pytest.raises(Invalid) as error:
        followup_task_add(by=network.manager.user, order_id=order.pk)
    assert error.value.domain_code == "followup_order_not_closed"
    assert not FollowUpTask.objects.exists()


def test_an_agent_may_not_add_orders_by_hand(network):
    with pytest.raises(Refused):
        followup_task_add(by=network.cs_agent.user, order_id=closed_order(network).pk)


def test_a_manager_may_not_add_an_order_of_another_centre(network):
    order = WorkOrderFactory(service_center=network.sc2, technician=network.tech_sc2, state="closed")
    with pytest.raises(NotFound):
        followup_task_add(by=network.manager.user, order_id=order.pk)
    assert not FollowUpTask.objects.exists()
