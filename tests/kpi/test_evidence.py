"""The contract between the evidence and the engine: for every indicator, every person and
period of a fixture full of edge cases, adding up the records the evidence lists gives
exactly the numerator and denominator `kpi.compute.compute_period` computes.

Edge cases: the month boundary in the company zone, cancelled work orders (and the
responses, complaints and comebacks on them), the comeback window, advisor versions, a
response on an order whose lead is also its advisor, complaints naming an employee,
invalid complaints, follow-ups outside FOLLOWUP_COVERAGE's 7 days, NPS passives,
referrals (not praise), monthly and averaged facts, a quarter, derived indicators (one
dividing by zero) and people with no records at all.
"""

import datetime
from decimal import Decimal

import pytest

from servicescore.core.periods import parse_period
from servicescore.kpi.catalog import catalog
from servicescore.kpi.compute import compute_period
from servicescore.kpi.evidence import DENOMINATOR, NUMERATOR, RECORDS, as_number, derived_value, evidence
from servicescore.kpi.models import DerivedIndicator, ManualRating, MetricFact
from servicescore.kpi.registry import DERIVED, FACTS
from servicescore.org.models import Employee
from servicescore.voice.models import Complaint, FollowUp, Praise, SurveyInvitation, SurveyResponse
from servicescore.workorders.models import LabourLine

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
CST = datetime.timezone(datetime.timedelta(hours=8))
PERIODS = ["2026-09", "2026-10", "2026-11", "2026-Q4"]


def at(text):
    """A local (Asia/Shanghai) time 'MM-DD HH:MM' in 2026."""
    return datetime.datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def order(network, technician, created, completed=None, *, closed=None, **fields):
    if completed:
        fields.setdefault("state", "closed" if closed else "completed")
    return WorkOrderFactory(
        service_center=network.sc1,
        technician=technician,
        created_at=at(created),
        completed_at=at(completed) if completed else None,
        closed_at=at(closed) if closed else None,
        **fields,
    )


_numbers = iter(range(1, 10_000))


def response(work_order, submitted, overall, nps=None):
    return SurveyResponse.objects.create(
        external_id=f"R{next(_numbers)}",
        work_order=work_order,
        submitted_at=at(submitted),
        overall=overall,
        nps=nps,
    )


def complaint(
    received, *, work_order=None, employee=None, handler=None, valid=True, resolved=None, satisfied_after=None
):
    return Complaint.objects.create(
        external_id=f"C{next(_numbers)}",
        received_at=at(received),
        work_order=work_order,
        employee=employee,
        handler=handler,
        valid=valid,
        resolved_at=at(resolved) if resolved else None,
        satisfied_after=satisfied_after,
    )


def call(work_order, agent, called, reached):
    return FollowUp.objects.create(
        external_id=f"F{next(_numbers)}",
        work_order=work_order,
        agent=agent,
        called_at=at(called),
        reached=reached,
    )


@pytest.fixture
def records(network):
    t1, t2, a1, cs = network.tech, network.tech_colleague, network.advisor, network.cs_agent
    a = order(
        network,
        t1,
        "10-01 08:00",
        "10-01 12:00",
        closed="10-02 09:00",
        advisor=a1,
        started_at=at("10-01 09:00"),
        first_response_at=at("10-01 08:20"),
        due_at=at("10-01 18:00"),
        resolution="fixed",
        visits=1,
        difficulty=Decimal("1.5"),
        labor_amount=Decimal("300"),
        parts_cost=Decimal("100"),
        travel_cost=Decimal("20.50"),
    )
    b = order(
        network,
        t1,
        "10-02 08:00",
        "10-03 08:00",
        closed="10-20 08:00",
        advisor=a1,
        started_at=at("10-02 10:00"),
        first_response_at=at("10-02 09:00"),
        due_at=at("10-02 20:00"),
        resolution="fixed",
        visits=2,
        labor_amount=Decimal("100"),
    )
    c = order(network, t1, "10-05 08:00", "10-05 10:00", resolution="not_fixed")  # no start, due, answer
    boundary_in = order(network, t1, "10-30 08:00", "10-31 23:30", advisor=t1)  # lead is also advisor
    boundary_out = order(network, t1, "10-30 08:00", "11-01 00:30", closed="11-01 01:00", advisor=a1)
    cancelled = order(
        network, t1, "10-06 08:00", state="cancelled", cancelled_at=at("10-06 09:00"), advisor=a1, closed=None
    )
    september = order(network, t1, "08-20 08:00", "08-25 08:00", resolution="fixed")
    cancelled_original = order(network, t1, "10-07 08:00", state="cancelled", advisor=a1)
    order(network, t2, "10-20 08:00", rework_of=a, first_response_at=at("10-20 08:10"))  # inside the window
    order(network, t2, "10-10 08:00", rework_of=september)  # 46 days after: outside
    order(network, t2, "10-11 08:00", rework_of=cancelled_original)
    order(network, t2, "10-12 08:00", rework_of=a, state="cancelled")  # a cancelled comeback
    order(
        network,
        t2,
        "10-04 08:00",
        "10-04 09:00",
        advisor=a1,
        resolution="no_fault_found",
        due_at=at("10-04 08:30"),
        travel_cost=Decimal("7"),
        visits=3,
        closed="10-04 10:00",
    )

    LabourLine.objects.create(
        work_order=a, technician=t1, standard_hours=Decimal("2"), clocked_hours=Decimal("2.5")
    )
    LabourLine.objects.create(
        work_order=a, technician=t2, standard_hours=Decimal("1"), clocked_hours=Decimal("1")
    )
    LabourLine.objects.create(
        work_order=b, technician=t2, standard_hours=Decimal("3"), clocked_hours=Decimal("2")
    )
    LabourLine.objects.create(
        work_order=cancelled, technician=t1, standard_hours=Decimal("9"), clocked_hours=Decimal("9")
    )
    LabourLine.objects.create(
        work_order=boundary_out, technician=t1, standard_hours=Decimal("1"), clocked_hours=Decimal("1")
    )

    # Responses: on a (T1 + A1), on the order T1 both leads and advises, on a cancelled order,
    # NPS promoter / passive / detractor / none, and one submitted in November.
    r_a = response(a, "10-03 10:00", 5, nps=10)
    response(b, "10-19 10:00", 3, nps=7)  # before closing: does not cover b
    response(boundary_in, "10-31 23:40", 2, nps=3)
    response(cancelled, "10-07 10:00", 5, nps=10)
    response(c, "11-02 10:00", 4)
    SurveyInvitation.objects.create(work_order=a, sent_at=at("10-02 09:05"), response=r_a)
    SurveyInvitation.objects.create(work_order=b, sent_at=at("10-20 08:05"))
    SurveyInvitation.objects.create(work_order=cancelled, sent_at=at("10-06 10:00"))
    SurveyInvitation.objects.create(work_order=boundary_out, sent_at=at("11-01 01:00"))

    # Follow-ups: a is covered by its survey response (within 7 days); b's reached call is
    # 8 days late, its on-time call did not reach; the T2 order is covered by a call.
    call(b, cs, "10-21 09:00", reached=False)
    call(b, cs, "10-28 09:00", reached=True)
    t2_order = b.__class__.objects.get(technician=t2, resolution="no_fault_found")
    call(t2_order, cs, "10-05 09:00", reached=True)
    call(a, cs, "09-30 09:00", reached=True)  # before closing: does not cover, and September's call

    # Complaints: unnamed on T1's order (T1 and A1), naming T2 on T1's order (T2 only), invalid,
    # on a cancelled order (unnamed: nobody; naming T1: T1), with handling outcomes.
    complaint("10-08 10:00", work_order=a, handler=cs, resolved="10-09 09:00", satisfied_after=True)
    complaint(
        "10-09 10:00", work_order=a, employee=t2, handler=cs, resolved="10-12 10:00", satisfied_after=False
    )
    complaint("10-10 10:00", work_order=b, valid=False, handler=cs)
    complaint("10-11 10:00", work_order=cancelled, handler=cs, resolved="11-02 10:00", satisfied_after=True)
    complaint("10-12 10:00", work_order=cancelled, employee=t1)
    complaint("09-28 10:00", work_order=a, handler=cs, resolved="10-01 10:00")

    Praise.objects.create(employee=t1, work_order=a, received_at=at("10-05 10:00"))
    Praise.objects.create(employee=t1, received_at=at("10-06 10:00"), kind=Praise.Kind.REFERRAL)
    Praise.objects.create(employee=t1, received_at=at("11-06 10:00"))

    for month, hours in (("2026-10", "160"), ("2026-11", "150.5")):
        MetricFact.objects.create(
            indicator="AVAILABLE_HOURS", period=month, value=Decimal(hours), employee=t1
        )
    MetricFact.objects.create(indicator="ATTENDANCE_RATE", period="2026-10", value=Decimal("95"), employee=t1)
    MetricFact.objects.create(indicator="ATTENDANCE_RATE", period="2026-11", value=Decimal("90"), employee=t1)
    MetricFact.objects.create(indicator="TRAINING_HOURS", period="2026-10", value=Decimal("6"), employee=t2)
    MetricFact.objects.create(
        indicator="TRAINING_HOURS", period="2026-10", value=Decimal("99"), org_unit=network.sc1
    )  # a unit's fact is nobody's

    DerivedIndicator.objects.create(
        code="QUALITY", name_zh="质量", name_en="Quality", unit="%", formula="0.5 * CSAT + 0.5 * FTFR"
    )
    DerivedIndicator.objects.create(
        code="HOURS_PER_ORDER",
        name_zh="单均工时",
        name_en="Hours per order",
        unit="hours",
        formula="FLAGGED_HOURS / WO_COMPLETED",
    )
    return network


def counted(found):
    """(numerator, denominator) added up record by record in Python, stated as the engine
    states them (facts without a row have neither; an empty count is 0)."""
    item = found.indicator
    numerator = denominator = None
    rows = 0
    for section in found.sections:
        for record in section.records:
            rows += 1
            if section.numerator is not None:
                part = as_number(record.numerator_part, section.convert)
                assert record.in_numerator or not part, (item.code, record)
                numerator = (numerator or 0) + (part or 0)
            if section.denominator is not None:
                denominator = (denominator or 0) + (as_number(record.denominator_part) or 0)
    if item.family == FACTS:
        if not rows:
            return None, None
        return numerator, (denominator if item.fact_aggregation == "mean" else None)
    numerator = numerator if numerator is not None else (0.0 if item.convert else 0)
    return numerator, (denominator or 0) if item.has_denominator else None


@pytest.mark.parametrize("period_code", PERIODS)
def test_counting_the_evidence_gives_the_engines_numerator_and_denominator(records, period_code):
    period = parse_period(period_code)
    items = catalog(manual=False)
    people = {e.pk: e for e in Employee.objects.all()}
    rows = compute_period(period, Employee.objects.all(), items=items)
    values = {(row.employee_id, row.indicator): row for row in rows}
    checked = 0
    for row in rows:
        item = items[row.indicator]
        found = evidence(item, people[row.employee_id], period)
        where = f"{row.employee_no} {row.indicator} {period_code}"
        if item.family == DERIVED:
            components = {code: values[row.employee_id, code].value for code in found.components}
            assert derived_value(item, components) == (row.value, row.note), where
            continue
        numerator, denominator = counted(found)
        assert numerator == pytest.approx(row.numerator), where
        assert denominator == pytest.approx(row.denominator), where
        assert found.totals() == (pytest.approx(row.numerator), pytest.approx(row.denominator)), where
        assert found.value(numerator, denominator) == pytest.approx(row.value), where
        checked += 1
    assert checked > 300


def test_the_fixture_is_not_empty_where_it_matters(records):
    """Guards the contract test against passing on nothing: the edge cases give the
    hand-computed figures."""
    period = parse_period("2026-10")
    items = catalog(manual=False)
    t1, t2, a1, cs = records.tech, records.tech_colleague, records.advisor, records.cs_agent

    def totals(code, who):
        return evidence(items[code], who, period).totals()

    assert totals("WO_COMPLETED", t1) == (4, None)  # the 00:30 1-November order is November's
    assert totals("WO_COMPLETED", a1) == (3, None)  # advisor version: a, b and T2's order
    assert totals("REWORK_RATE", t1) == (1, 4)  # one comeback inside the window, not cancelled
    assert totals("RESPONSE_30MIN_RATE", t1) == (1, 5)  # cancelled orders are out
    assert totals("CSAT", t1) == (1, 3)  # a, b, boundary_in; not the cancelled order's
    assert totals("CSAT", a1) == (1, 2)  # a and b
    assert totals("NPS", t1) == (0, 3)  # one promoter, one passive, one detractor
    assert totals("FOLLOWUP_COVERAGE", t1) == (1, 2)  # a covered by its response; b's call too late
    assert totals("FOLLOWUP_COVERAGE", t2) == (1, 1)
    assert totals("FOLLOWUP_REACH_RATE", cs) == (2, 3)
    assert totals("COMPLAINT_RATE", t1) == (2, 4)  # unnamed on a, and naming T1 on a cancelled order
    assert totals("COMPLAINT_RATE", t2) == (1, 1)
    assert totals("COMPLAINT_ON_TIME_RATE", cs) == (1, 4)
    assert totals("COMPLAINT_RECOVERY_RATE", cs) == (1, 3)
    assert totals("PRAISE_COUNT", t1) == (1, None)
    assert totals("EFFICIENCY", t1) == (2, 2.5)
    assert totals("PRODUCTIVITY", t1) == (2.5, 160)
    assert totals("TRAVEL_COST_PER_VISIT", t1) == (20.5, 5)
    assert totals("RESPONSE_TIME_AVG", t1) == (80.0, 2)
    assert totals("ATTENDANCE_RATE", t1) == (95, 1)
    assert totals("TRAINING_HOURS", t2) == (6, None)
    assert totals("TRAINING_HOURS", t1) == (None, None)
    quarter = evidence(items["ATTENDANCE_RATE"], t1, parse_period("2026-Q4"))
    assert quarter.totals() == (185, 2) and quarter.value(185, 2) == 92.5


def test_sections_say_which_records_count_where(records):
    period = parse_period("2026-10")
    items = catalog(manual=False)
    rework = evidence(items["REWORK_RATE"], records.tech, period)
    assert [s.role for s in rework.sections] == [NUMERATOR, DENOMINATOR]
    assert [r.rework_of.external_id for r in rework.sections[0].records] == [
        WorkOrderFactory._meta.model.objects.get(
            technician=records.tech, visits=1, resolution="fixed", labor_amount=300
        ).external_id
    ]
    on_time = evidence(items["ON_TIME_RATE"], records.tech, period).sections[0]
    assert on_time.role == RECORDS and "due_at" in on_time.columns
    assert [r.in_numerator for r in on_time.records] == [True, False]  # only orders with a due time
    minutes = evidence(items["RESPONSE_TIME_AVG"], records.tech, period).sections[0]
    assert [as_number(r.numerator_part, minutes.convert) for r in minutes.records] == [20.0, 60.0]


def test_derived_indicators_point_to_their_components(records):
    items = catalog(manual=False)
    found = evidence(items["QUALITY"], records.tech, parse_period("2026-10"))
    assert found.is_derived and found.components == ["CSAT", "FTFR"] and found.sections == []


def test_manual_ratings_are_their_own_evidence(records):
    items = catalog()
    for reviewer, rating in ((records.foreman, 4), (records.manager, 5)):
        ManualRating.objects.create(
            employee=records.tech,
            period="2026-10",
            indicator="TEAMWORK",
            reviewer=reviewer,
            rating=rating,
            comment="好",
        )
    found = evidence(items["TEAMWORK"], records.tech, parse_period("2026-10"))
    assert found.is_manual
    assert found.totals() == (9, 2) and found.value(9, 2) == 4.5
    assert {r.reviewer.name for r in found.sections[0].records} == {
        records.foreman.name,
        records.manager.name,
    }


def test_every_component_group_of_the_engine_has_its_evidence():
    from servicescore.kpi.daily import ALL_GROUPS as GROUPS
    from servicescore.kpi.evidence import PERSON_OF_GROUP, SOURCE_OF_GROUP, SOURCES

    assert set(GROUPS) <= set(SOURCES) | set(SOURCE_OF_GROUP)
    assert set(SOURCE_OF_GROUP) <= set(PERSON_OF_GROUP)
    for name, source in SOURCES.items():
        keys = {
            part[1]
            for item in catalog(manual=False).values()
            for part in (item.numerator, item.denominator)
            if part and SOURCE_OF_GROUP.get(part[0], part[0]) == name
        }
        assert keys <= set(source.parts), name
