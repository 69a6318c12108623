"""An excluded survey response no longer counts anywhere (kpi/families/voice.py): not in
CSAT and NPS, not as an answered invitation, not as follow-up coverage; a flagged one counts
until it is excluded. Excluding it queues the recompute of the people and days it counted
for, so the stored figure behind the scorecard changes."""

import datetime

import pytest

from servicescore.core.periods import parse_period
from servicescore.kpi.compute import compute_period
from servicescore.kpi.models import RecomputeRequest
from servicescore.kpi.services import recompute as recompute_services
from servicescore.org.models import Employee
from servicescore.voice.models import SurveyInvitation, SurveyResponse
from servicescore.voice.services.fraud import response_review

from ..factories import WorkOrderFactory
from ..kpi.october import result

pytestmark = pytest.mark.django_db
CST = datetime.timezone(datetime.timedelta(hours=8))
Review = SurveyResponse.Review


def at(text):
    return datetime.datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=CST)


@pytest.fixture
def answered(network):
    """Two closed October orders of T1, each answered within the week: a 5 (flagged) and a 2."""
    orders, responses = [], []
    for n, (day, overall, review) in enumerate([("10-05", 5, Review.PENDING), ("10-12", 2, Review.NONE)]):
        order = WorkOrderFactory(
            service_center=network.sc1,
            technician=network.tech,
            advisor=network.advisor,
            state="closed",
            created_at=at(f"{day} 08:00"),
            completed_at=at(f"{day} 12:00"),
            closed_at=at(f"{day} 18:00"),
        )
        response = SurveyResponse.objects.create(
            external_id=f"R{n}",
            work_order=order,
            submitted_at=at(f"{day} 20:00"),
            overall=overall,
            nps=10 if overall == 5 else 3,
            flags=["fast"] if review else [],
            review=review,
        )
        SurveyInvitation.objects.create(work_order=order, sent_at=at(f"{day} 19:00"), response=response)
        orders.append(order)
        responses.append(response)
    network.flagged = responses[0]
    return network


def figures(code, employee_no="T1"):
    rows = compute_period(parse_period("2026-10"), Employee.objects.all(), codes=[code])
    row = next(row for row in rows if row.employee_no == employee_no and row.indicator == code)
    return (row.numerator, row.denominator)


def exclude(net):
    return response_review(
        response=net.flagged, decision=Review.EXCLUDED, reason="技师本人手机填写", by=net.manager.user
    )


def test_a_flagged_response_counts_until_it_is_excluded(answered):
    assert figures("CSAT") == (1, 2)


def test_an_excluded_response_leaves_csat(answered):
    exclude(answered)
    assert figures("CSAT") == (0, 1)


def test_an_excluded_response_leaves_nps(answered):
    exclude(answered)
    assert figures("NPS") == (-1, 1)


def test_an_excluded_response_does_not_answer_its_invitation(answered):
    exclude(answered)
    assert figures("SURVEY_RESPONSE_RATE") == (1, 2)


def test_an_excluded_response_does_not_cover_its_order(answered):
    exclude(answered)
    assert figures("FOLLOWUP_COVERAGE") == (1, 2)


def test_a_confirmed_response_still_counts(answered):
    response_review(
        response=answered.flagged, decision=Review.CONFIRMED, reason="客户本人确认", by=answered.manager.user
    )
    assert figures("CSAT") == (1, 2)


def test_excluding_queues_the_recompute_of_its_day(answered, settings, django_capture_on_commit_callbacks):
    settings.KPI_AUTO_RECOMPUTE = True
    RecomputeRequest.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False):
        exclude(answered)
    assert ("responses", datetime.date(2026, 10, 5)) in set(
        RecomputeRequest.objects.values_list("group", "day")
    )


def test_excluding_changes_the_stored_csat_of_the_technician(
    answered, settings, django_capture_on_commit_callbacks
):
    recompute_services.recompute_period("2026-10")
    assert result("CSAT", employee=answered.tech) == (50, 1, 2)
    settings.KPI_AUTO_RECOMPUTE = True
    with django_capture_on_commit_callbacks(execute=True):
        exclude(answered)
    assert result("CSAT", employee=answered.tech) == (0, 0, 1)


@pytest.mark.parametrize("code", ["CSAT", "NPS", "SURVEY_RESPONSE_RATE", "FOLLOWUP_COVERAGE"])
def test_the_evidence_leaves_out_the_excluded_response_too(answered, code):
    from servicescore.kpi.catalog import catalog
    from servicescore.kpi.evidence import evidence

    exclude(answered)
    found = evidence(catalog(manual=False)[code], answered.tech, parse_period("2026-10"))
    assert found.totals() == pytest.approx(figures(code))
