import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from servicescore.workorders import services
from servicescore.workorders.models import LabourLine, State, WorkOrder, WorkOrderEvent

from ..factories import WorkOrderFactory


@pytest.fixture
def order(network):
    return services.open_work_order(
        external_id="WO-1",
        service_center=network.sc1,
        type="repair",
        priority="normal",
        created_at=timezone.now() - datetime.timedelta(hours=3),
        by=network.dispatcher.user,
    )


def walk_to(order, state, network):
    user, tech, dispatcher = network.tech.user, network.tech, network.dispatcher.user
    at = order.created_at
    steps = [
        ("dispatched", lambda o, t: services.assign(o, technician=tech, by=dispatcher, at=t)),
        ("accepted", lambda o, t: services.accept(o, by=user, at=t)),
        ("in_progress", lambda o, t: services.check_in(o, by=user, at=t, latitude=31.2, longitude=121.5)),
        ("completed", lambda o, t: services.complete(o, resolution="fixed", by=user, at=t)),
        ("closed", lambda o, t: services.close(o, by=network.advisor.user, at=t)),
    ]
    for name, step in steps:
        at += datetime.timedelta(minutes=10)
        order = step(order, at)
        if name == state:
            break
    return order


def test_create_fills_due_times_from_sla_policy(order):
    # Default policy for repair/normal: first response in 60 minutes, done in 48 hours.
    assert order.response_due_at == order.created_at + datetime.timedelta(minutes=60)
    assert order.due_at == order.created_at + datetime.timedelta(hours=48)
    assert order.events.get().action == "create"


def test_full_lifecycle_writes_an_event_per_transition(order, network):
    order = walk_to(order, "closed", network)
    assert order.state == State.CLOSED
    events = list(order.events.values_list("action", "from_state", "to_state"))
    assert events == [
        ("create", "", "new"),
        ("dispatch", "new", "dispatched"),
        ("accept", "dispatched", "accepted"),
        ("start", "accepted", "in_progress"),
        ("complete", "in_progress", "completed"),
        ("close", "completed", "closed"),
    ]
    start_event = order.events.get(action="start")
    assert start_event.latitude == Decimal("31.200000")
    assert start_event.actor == network.tech.user
    assert order.first_response_at == order.dispatched_at


def test_illegal_transition_is_refused_with_a_clear_message(order, network):
    with pytest.raises(ValidationError) as error:
        services.complete(order, resolution="fixed", by=network.tech.user)
    assert "Cannot complete work order WO-1: it is New." in str(error.value)
    order.refresh_from_db()
    assert order.state == State.NEW
    assert order.events.count() == 1


def test_closed_order_cannot_be_cancelled(order, network):
    order = walk_to(order, "closed", network)
    with pytest.raises(ValidationError, match="Cannot cancel"):
        services.cancel(order, reason="customer left", by=network.advisor.user)


def test_cancel_needs_a_reason_and_works_from_any_open_state(order, network):
    with pytest.raises(ValidationError, match="Say why"):
        services.cancel(order, reason="  ", by=network.advisor.user)
    order = walk_to(order, "accepted", network)
    order = services.cancel(order, reason="客户取消", by=network.advisor.user)
    assert order.state == State.CANCELLED
    assert order.cancel_reason == "客户取消"
    assert order.cancelled_at is not None


def test_completing_without_a_technician_is_refused(network):
    order = WorkOrderFactory(service_center=network.sc1, state=State.IN_PROGRESS)
    with pytest.raises(ValidationError, match="without a technician"):
        services.complete(order, resolution="fixed")
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS


def test_timestamps_that_go_backwards_are_refused(order, network):
    order = walk_to(order, "accepted", network)
    with pytest.raises(ValidationError, match="started_at is earlier than accepted_at"):
        services.check_in(order, at=order.accepted_at - datetime.timedelta(minutes=1))
    order.refresh_from_db()
    assert order.state == State.ACCEPTED
    assert order.started_at is None


def test_reopen_returns_a_completed_order_to_work(order, network):
    order = walk_to(order, "completed", network)
    order = services.reopen(order, reason="客户反映异响仍在", by=network.foreman.user)
    assert order.state == State.IN_PROGRESS
    assert order.completed_at is None and order.resolution == ""


def test_stale_copy_cannot_move_an_order_twice(order, network):
    """Two requests holding the same old copy: the second sees the real state, not its own."""
    stale = WorkOrder.objects.get(pk=order.pk)
    services.assign(order, technician=network.tech, by=network.dispatcher.user)
    with pytest.raises(ValidationError, match="it is now Dispatched"):
        services.assign(stale, technician=network.tech_colleague, by=network.dispatcher.user)
    order.refresh_from_db()
    assert order.technician == network.tech
    assert WorkOrderEvent.objects.filter(work_order=order, action="dispatch").count() == 1


def test_negative_hours_are_refused(order, network):
    order = walk_to(order, "accepted", network)
    with pytest.raises(ValidationError, match="cannot be negative"):
        services.record_labour(
            order,
            technician=network.tech,
            standard_hours=Decimal("-1"),
            clocked_hours=Decimal("2"),
            by=network.foreman.user,
        )
    assert not LabourLine.objects.exists()


def test_labour_line_is_replaced_not_duplicated(order, network):
    order = walk_to(order, "accepted", network)
    for hours in ("2", "3"):
        services.record_labour(
            order,
            technician=network.tech,
            standard_hours=Decimal(hours),
            clocked_hours=Decimal("2.5"),
            by=network.foreman.user,
        )
    assert list(order.labour_lines.values_list("standard_hours", flat=True)) == [Decimal("3.00")]


def test_difficulty_zero_is_refused(network):
    with pytest.raises(ValidationError) as error:
        services.open_work_order(
            external_id="WO-2",
            service_center=network.sc1,
            type="repair",
            difficulty=Decimal("0"),
            by=network.dispatcher.user,
        )
    assert "difficulty" in error.value.message_dict
    assert not WorkOrder.objects.filter(external_id="WO-2").exists()
