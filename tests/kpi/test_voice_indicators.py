"""Customer-voice indicators against hand-computed values (kpi-library.md): attribution
through the work order (technician and advisor, once when they are the same person),
complaints with an explicit employee, cancelled orders, the month boundary, the 7-day
follow-up window and the 48-hour complaint deadline."""

import datetime

import pytest

from servicescore.core.periods import parse_period
from servicescore.kpi.compute import compute_period
from servicescore.org.models import Employee
from servicescore.voice.models import Complaint, FollowUp, Praise, SurveyInvitation, SurveyResponse

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
CST = datetime.timezone(datetime.timedelta(hours=8))


def at(text):
    return datetime.datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def order(network, tech, advisor, day, state="closed", **fields):
    return WorkOrderFactory(
        service_center=network.sc1,
        technician=tech,
        advisor=advisor,
        state=state,
        created_at=at(f"{day} 08:00"),
        completed_at=at(f"{day} 12:00") if state != "cancelled" else None,
        closed_at=at(f"{day} 18:00") if state == "closed" else None,
        cancelled_at=at(f"{day} 09:00") if state == "cancelled" else None,
        **fields,
    )


def response(n, work_order, when, overall, nps=None):
    return SurveyResponse.objects.create(
        external_id=f"R{n}", work_order=work_order, submitted_at=at(when), overall=overall, nps=nps
    )


@pytest.fixture
def voice(network):
    t1, t2, a1, agent = network.tech, network.tech_colleague, network.advisor, network.cs_agent
    o1 = order(network, t1, a1, "10-05")
    o2 = order(network, t1, a1, "10-10")
    o3 = order(network, t2, a1, "10-20")
    o5 = order(network, t2, t2, "10-21")  # technician and advisor are the same person
    cancelled = order(network, t1, a1, "10-22", state="cancelled")
    r1 = response(1, o1, "10-06 10:00", 5, nps=10)
    r2 = response(2, o2, "10-31 23:30", 3, nps=6)  # still October in Shanghai
    response(3, o2, "11-01 00:30", 1, nps=0)  # November
    response(4, o3, "10-21 10:00", 4, nps=9)
    response(5, cancelled, "10-23 10:00", 1, nps=0)  # a cancelled order never counts
    response(6, o5, "10-30 10:00", 5)  # 9 days after closing: does not cover o5
    for wo, sent, answer in [
        (o1, "10-05 13:00", r1),
        (o2, "10-10 13:00", r2),
        (o3, "10-20 13:00", None),
        (o1, "09-30 13:00", None),
    ]:
        SurveyInvitation.objects.create(work_order=wo, sent_at=at(sent), response=answer)
    for n, (wo, when, reached) in enumerate(
        [
            (o1, "10-08 10:00", True),
            (o2, "10-12 10:00", False),
            (o5, "10-29 10:00", True),
            (o3, "11-02 10:00", True),
        ]
    ):
        FollowUp.objects.create(
            external_id=f"F{n}", work_order=wo, agent=agent, called_at=at(when), reached=reached
        )
    complaint = dict(handler=agent)
    Complaint.objects.create(
        external_id="C1",
        work_order=o1,
        received_at=at("10-07 09:00"),
        resolved_at=at("10-08 08:00"),
        satisfied_after=True,
        **complaint,
    )
    Complaint.objects.create(
        external_id="C2",
        work_order=o1,
        employee=a1,
        received_at=at("10-09 09:00"),
        resolved_at=at("10-12 09:00"),
        satisfied_after=False,
        **complaint,
    )
    Complaint.objects.create(
        external_id="C3", work_order=o3, valid=False, received_at=at("10-15 09:00"), **complaint
    )
    Complaint.objects.create(
        external_id="C4",
        work_order=o3,
        received_at=at("09-28 09:00"),
        resolved_at=at("10-02 09:00"),
        satisfied_after=True,
        **complaint,
    )
    for when, kind in [
        ("10-03 10:00", "praise"),
        ("10-25 10:00", "praise"),
        ("10-26 10:00", "referral"),
        ("11-03 10:00", "praise"),
    ]:
        Praise.objects.create(employee=t1, received_at=at(when), kind=kind)
    return network


def values(period="2026-10"):
    rows = compute_period(parse_period(period), Employee.objects.all())
    return {(row.employee_no, row.indicator): row for row in rows}


def test_satisfaction_counts_through_the_work_order(voice):
    v = values()
    assert (v["T1", "CSAT"].numerator, v["T1", "CSAT"].denominator, v["T1", "CSAT"].value) == (1, 2, 50)
    assert v["T1", "CSAT_AVG"].value == 4
    assert v["T1", "NPS"].value == 0  # one promoter, one detractor
    assert (v["A1", "CSAT"].numerator, v["A1", "CSAT"].denominator) == (2, 3)
    assert v["A1", "CSAT_AVG"].value == 4
    assert v["A1", "NPS"].value == pytest.approx(100 / 3)
    # T2 is technician and advisor of o5: its response counts once.
    assert (v["T2", "CSAT"].numerator, v["T2", "CSAT"].denominator) == (2, 2)
    assert v["T2", "CSAT_AVG"].value == 4.5
    assert (v["T2", "NPS"].numerator, v["T2", "NPS"].denominator, v["T2", "NPS"].value) == (1, 1, 100)


def test_november_takes_the_response_after_local_midnight(voice):
    v = values("2026-11")
    assert (v["T1", "CSAT"].numerator, v["T1", "CSAT"].denominator) == (0, 1)
    assert v["T1", "NPS"].value == -100


def test_survey_response_rate_counts_invitations_sent_in_the_month(voice):
    v = values()
    assert (v["T1", "SURVEY_RESPONSE_RATE"].numerator, v["T1", "SURVEY_RESPONSE_RATE"].denominator) == (2, 2)
    assert v["A1", "SURVEY_RESPONSE_RATE"].value == pytest.approx(200 / 3)
    assert v["T2", "SURVEY_RESPONSE_RATE"].value == 0


def test_followup_coverage_needs_a_reached_call_or_a_response_within_7_days(voice):
    v = values()
    assert (v["T1", "FOLLOWUP_COVERAGE"].numerator, v["T1", "FOLLOWUP_COVERAGE"].denominator) == (1, 2)
    assert (v["A1", "FOLLOWUP_COVERAGE"].numerator, v["A1", "FOLLOWUP_COVERAGE"].denominator) == (2, 3)
    assert (v["T2", "FOLLOWUP_COVERAGE"].numerator, v["T2", "FOLLOWUP_COVERAGE"].denominator) == (1, 2)


def test_followup_reach_rate_is_the_agents(voice):
    row = values()["CS1", "FOLLOWUP_REACH_RATE"]
    assert (row.numerator, row.denominator) == (2, 3)


def test_complaint_rate_uses_the_explicit_employee_and_valid_complaints(voice):
    v = values()
    assert (v["T1", "COMPLAINT_RATE"].numerator, v["T1", "COMPLAINT_RATE"].denominator) == (1, 2)
    assert v["T1", "COMPLAINT_RATE"].value == 50
    # the advisor: C1 through the order, C2 named; per 100 orders he completed as advisor
    assert (v["A1", "COMPLAINT_RATE"].numerator, v["A1", "COMPLAINT_RATE"].denominator) == (2, 3)
    assert (v["T2", "COMPLAINT_RATE"].numerator, v["T2", "COMPLAINT_RATE"].value) == (0, 0)


def test_complaint_handling_is_the_handlers(voice):
    v = values()
    on_time = v["CS1", "COMPLAINT_ON_TIME_RATE"]
    assert (on_time.numerator, on_time.denominator) == (1, 3)  # C1 in 23 h; C2 took 72 h; C3 open
    recovery = v["CS1", "COMPLAINT_RECOVERY_RATE"]
    assert (recovery.numerator, recovery.denominator) == (2, 3)  # C1, C4 (received in September)


def test_praise_counts_praise_only(voice):
    v = values()
    assert v["T1", "PRAISE_COUNT"].value == 2
    assert v["T2", "PRAISE_COUNT"].value == 0


def test_no_voice_data_is_null(voice):
    v = values()
    for code in [
        "CSAT",
        "CSAT_AVG",
        "NPS",
        "SURVEY_RESPONSE_RATE",
        "FOLLOWUP_COVERAGE",
        "FOLLOWUP_REACH_RATE",
    ]:
        assert v["T3", code].value is None, code
    assert v["T3", "COMPLAINT_RATE"].value is None  # completed nothing


def test_quarter_pools_the_months(voice):
    v = values("2026-Q4")
    assert (v["T1", "CSAT"].numerator, v["T1", "CSAT"].denominator) == (1, 3)
    assert v["T1", "PRAISE_COUNT"].value == 3
