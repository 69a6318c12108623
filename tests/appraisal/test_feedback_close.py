"""Closing 360° feedback (services/feedback.py `feedback_close`): an evaluation moves on
to calibration when all its requests are answered or declined or the deadline passed;
HR may close it early with a reason; each move is recorded."""

import datetime

import pytest
from django.utils import timezone

from servicescore.appraisal.models import Evaluation, EvaluationChange
from servicescore.appraisal.services.feedback import (
    feedback_close,
    feedback_close_due,
    feedback_decline,
    feedback_request,
)
from servicescore.core.errors import Invalid, Refused

from ..conftest import login
from .cycle_setup_y import cycle_with, evaluation, technician_version


@pytest.fixture
def waiting(network):
    cycle = cycle_with(technician_version(), stage="feedback")
    found = evaluation(cycle, network.tech, state=Evaluation.State.FEEDBACK)
    [request] = feedback_request(
        by=network.foreman.user, evaluation=found, raters=["T2"], indicators=["TEAMWORK"]
    )
    return network, cycle, found, request


def test_an_evaluation_whose_requests_are_all_answered_moves_to_calibration(waiting):
    net, cycle, found, request = waiting
    feedback_decline(by=net.tech_colleague.user, request=request)
    assert feedback_close(by=net.manager.user, cycle=cycle) == 1
    found.refresh_from_db()
    assert found.state == Evaluation.State.CALIBRATION
    change = found.changes.get(kind=EvaluationChange.Kind.STAGE)
    assert (change.old, change.new) == ("feedback", "calibration")


def test_a_pending_request_keeps_the_evaluation_in_feedback(waiting):
    net, cycle, found, _request = waiting
    assert feedback_close(by=net.manager.user, cycle=cycle) == 0
    found.refresh_from_db()
    assert found.state == Evaluation.State.FEEDBACK


def test_a_passed_deadline_closes_it_anyway(waiting):
    net, cycle, found, _request = waiting
    cycle.feedback_due = timezone.localdate() - datetime.timedelta(days=1)
    cycle.save()
    assert feedback_close(by=None, cycle=cycle) == 1


def test_hr_closes_early_with_a_reason(waiting):
    net, cycle, found, _request = waiting
    assert feedback_close(by=net.hr.user, cycle=cycle, reason="评审会提前") == 1
    assert found.changes.get(kind=EvaluationChange.Kind.STAGE).reason == "评审会提前"


def test_a_service_manager_cannot_close_early(waiting):
    net, cycle, found, _request = waiting
    with pytest.raises(Refused):
        feedback_close(by=net.manager.user, cycle=cycle, reason="提前")
    found.refresh_from_db()
    assert found.state == Evaluation.State.FEEDBACK


def test_closing_one_evaluation_early_without_a_reason_is_refused(waiting):
    net, _cycle, found, _request = waiting
    with pytest.raises(Invalid) as refused:
        feedback_close(by=net.hr.user, evaluation=found)
    assert refused.value.domain_code == "feedback_close_reason"


def test_a_foreman_cannot_close_feedback(waiting):
    net, cycle, _found, _request = waiting
    with pytest.raises(Refused):
        feedback_close(by=net.foreman.user, cycle=cycle)


def test_the_close_button_is_404_for_a_technician(client, waiting):
    net, cycle, found, _request = waiting
    login(client, net.tech)
    assert client.post(f"/appraisal/cycles/{cycle.pk}/feedback/close/", {"reason": "x"}).status_code == 404
    found.refresh_from_db()
    assert found.state == Evaluation.State.FEEDBACK


def test_the_scheduled_job_moves_on_only_what_is_complete_or_late(network, waiting):
    net, cycle, found, request = waiting
    late_cycle = cycle_with(technician_version(), stage="feedback")
    late_cycle.feedback_due = timezone.localdate() - datetime.timedelta(days=2)
    late_cycle.save()
    late = evaluation(late_cycle, net.tech_colleague, state=Evaluation.State.FEEDBACK)
    feedback_request(by=net.foreman.user, evaluation=late, raters=["A1"], indicators=["TEAMWORK"])
    assert feedback_close_due() == 1
    late.refresh_from_db()
    found.refresh_from_db()
    assert (late.state, found.state) == (Evaluation.State.CALIBRATION, Evaluation.State.FEEDBACK)


def test_beat_moves_due_feedback_on_every_hour(settings):
    [entry] = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "appraisal.close_due_feedback"
    ]
    assert entry["schedule"] == 3600.0
