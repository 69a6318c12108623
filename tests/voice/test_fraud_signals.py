"""Fraud signals of a survey response (voice/services/fraud.py, VoicePolicy thresholds):
answered within seconds of opening, from a device or address of the staff on the order,
from a device answering many surveys, or as part of a run of top marks. Each fires and
does not fire; a flagged response waits for review; the checks cost a fixed number of
queries."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicescore.core.models import UserDevice
from servicescore.voice.models import SurveyResponse, VoicePolicy
from servicescore.voice.services.fraud import screen_response

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
Signal = SurveyResponse.Signal
NOW = timezone.now()
_numbers = itertools.count()


@pytest.fixture
def order(network):
    return WorkOrderFactory(
        service_center=network.sc1, technician=network.tech, advisor=network.advisor, state="closed"
    )


@pytest.fixture
def policy(db):
    policy = VoicePolicy.current()
    policy.fraud_fast_seconds = 8
    policy.fraud_device_limit = 3
    policy.fraud_top_marks_run = 3
    policy.save()
    return policy


def answer(order, *, ago=datetime.timedelta(0), overall=4, opened_after=None, **fields):
    submitted = NOW - ago
    return SurveyResponse.objects.create(
        external_id=f"S{next(_numbers)}",
        work_order=order,
        submitted_at=submitted,
        opened_at=submitted - opened_after if opened_after is not None else None,
        overall=overall,
        **fields,
    )


def top(order, **fields):
    return answer(order, overall=5, attitude=5, quality=5, speed=5, nps=10, **fields)


def device_of(employee, *, ip="10.0.0.9", device="staff-phone", seen=datetime.timedelta(days=1)):
    return UserDevice.objects.create(user=employee.user, ip=ip, device=device, last_seen=NOW - seen)


# --- FAST -----------------------------------------------------------------------------------


def test_an_answer_within_seconds_of_opening_is_fast(order, policy):
    assert Signal.FAST in screen_response(response=answer(order, opened_after=datetime.timedelta(seconds=3)))


def test_an_answer_after_a_minute_is_not_fast(order, policy):
    assert Signal.FAST not in screen_response(
        response=answer(order, opened_after=datetime.timedelta(minutes=1))
    )


def test_an_answer_without_an_opening_time_is_not_fast(order, policy):
    assert Signal.FAST not in screen_response(response=answer(order))


# --- STAFF_DEVICE ---------------------------------------------------------------------------


def test_an_answer_from_the_technicians_address_is_flagged(order, policy, network):
    device_of(network.tech, ip="10.0.0.9")
    response = answer(order, ip="10.0.0.9", device="customer-phone")
    assert Signal.STAFF_DEVICE in screen_response(response=response)


def test_an_answer_from_the_advisors_device_is_flagged(order, policy, network):
    device_of(network.advisor, ip="10.0.0.9", device="advisor-phone")
    response = answer(order, ip="172.16.0.1", device="advisor-phone")
    assert Signal.STAFF_DEVICE in screen_response(response=response)


def test_a_colleague_not_on_the_order_does_not_flag_it(order, policy, network):
    device_of(network.tech_colleague, ip="10.0.0.9", device="colleague-phone")
    response = answer(order, ip="10.0.0.9", device="colleague-phone")
    assert Signal.STAFF_DEVICE not in screen_response(response=response)


def test_a_staff_device_last_seen_over_30_days_ago_does_not_flag_it(order, policy, network):
    device_of(network.tech, ip="10.0.0.9", seen=datetime.timedelta(days=31))
    response = answer(order, ip="10.0.0.9")
    assert Signal.STAFF_DEVICE not in screen_response(response=response)


def test_an_answer_without_address_or_device_is_not_a_staff_device(order, policy, network):
    device_of(network.tech, ip="10.0.0.9", device="")
    assert Signal.STAFF_DEVICE not in screen_response(response=answer(order))


# --- DEVICE_BURST ---------------------------------------------------------------------------


def test_a_device_answering_more_than_the_limit_in_a_week_is_flagged(order, policy):
    for days in (1, 2, 6):
        answer(order, ago=datetime.timedelta(days=days), device="shared-tablet")
    assert Signal.DEVICE_BURST in screen_response(response=answer(order, device="shared-tablet"))


def test_a_device_answering_up_to_the_limit_is_not_flagged(order, policy):
    for days in (1, 2):
        answer(order, ago=datetime.timedelta(days=days), device="family-phone")
    assert Signal.DEVICE_BURST not in screen_response(response=answer(order, device="family-phone"))


def test_answers_older_than_a_week_do_not_count_for_the_burst(order, policy):
    for days in (8, 9, 10):
        answer(order, ago=datetime.timedelta(days=days), device="old-phone")
    assert Signal.DEVICE_BURST not in screen_response(response=answer(order, device="old-phone"))


# --- TOP_MARKS_RUN --------------------------------------------------------------------------


def test_top_marks_after_a_run_of_top_marks_for_the_technician_are_flagged(order, policy):
    for days in (1, 2, 3):
        top(order, ago=datetime.timedelta(days=days))
    assert Signal.TOP_MARKS_RUN in screen_response(response=top(order))


def test_one_lower_mark_in_the_run_breaks_it(order, policy):
    top(order, ago=datetime.timedelta(days=1))
    answer(order, ago=datetime.timedelta(days=2), overall=5, attitude=4)
    top(order, ago=datetime.timedelta(days=3))
    assert Signal.TOP_MARKS_RUN not in screen_response(response=top(order))


def test_a_run_shorter_than_the_threshold_is_not_flagged(order, policy):
    for days in (1, 2):
        top(order, ago=datetime.timedelta(days=days))
    assert Signal.TOP_MARKS_RUN not in screen_response(response=top(order))


def test_a_response_below_top_marks_ends_no_run(order, policy):
    for days in (1, 2, 3):
        top(order, ago=datetime.timedelta(days=days))
    assert Signal.TOP_MARKS_RUN not in screen_response(response=answer(order, overall=4))


def test_top_marks_of_another_technician_do_not_make_a_run(order, policy, network):
    other = WorkOrderFactory(service_center=network.sc1, technician=network.tech_colleague, state="closed")
    for days in (1, 2, 3):
        top(other, ago=datetime.timedelta(days=days))
    assert Signal.TOP_MARKS_RUN not in screen_response(response=top(order))


# --- the queue ------------------------------------------------------------------------------


def test_a_flagged_response_waits_for_review(order, policy):
    response = answer(order, opened_after=datetime.timedelta(seconds=2))
    screen_response(response=response)
    response.refresh_from_db()
    assert (response.flags, response.review) == (["fast"], SurveyResponse.Review.PENDING)


def test_a_response_without_signals_is_not_queued(order, policy):
    response = answer(order, opened_after=datetime.timedelta(minutes=5))
    assert screen_response(response=response) == []
    response.refresh_from_db()
    assert (response.flags, response.review) == ([], SurveyResponse.Review.NONE)


def test_the_checks_cost_the_same_queries_whatever_the_history(order, policy, network):
    def queries_for_one():
        response = top(order, ip="10.0.0.9", device="tablet", opened_after=datetime.timedelta(seconds=1))
        with CaptureQueriesContext(connection) as captured:
            screen_response(response=response)
        return len(captured)

    device_of(network.tech, ip="10.0.0.9")
    few = queries_for_one()
    for days in range(1, 30):
        top(order, ago=datetime.timedelta(days=days), device="tablet")
        device_of(network.advisor, ip=f"10.1.0.{days}", device=f"d{days}")
    assert queries_for_one() == few <= 6
