"""Work-order indicators against hand-computed values from kpi-library.md, including the
month boundary in the company time zone, cancelled orders, the comeback window, the
advisor versions and "no data"."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from servicescore.core.periods import parse_period
from servicescore.kpi.compute import compute_period
from servicescore.org.models import Employee
from servicescore.workorders.models import LabourLine

from ..factories import EmployeeFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
CST = datetime.timezone(datetime.timedelta(hours=8))


def at(text):
    """A local (Asia/Shanghai) time 'MM-DD HH:MM' in 2026."""
    return datetime.datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def done(network, tech, created, completed, **fields):
    fields.setdefault("state", "completed")
    return WorkOrderFactory(
        service_center=network.sc1,
        technician=tech,
        created_at=at(created),
        completed_at=at(completed),
        **fields,
    )


def values(period="2026-10", people=None):
    employees = Employee.objects.filter(pk__in=[p.pk for p in people]) if people else Employee.objects.all()
    return {(row.employee_no, row.indicator): row for row in compute_period(parse_period(period), employees)}


@pytest.fixture
def october(network):
    t1 = network.tech
    a = done(
        network,
        t1,
        "10-01 08:00",
        "10-01 12:00",
        started_at=at("10-01 09:00"),
        first_response_at=at("10-01 08:20"),
        due_at=at("10-01 18:00"),
        resolution="fixed",
        visits=1,
        difficulty=Decimal("1.5"),
        labor_amount=Decimal("300"),
        parts_cost=Decimal("100"),
        travel_cost=Decimal("20"),
    )
    done(
        network,
        t1,
        "10-02 08:00",
        "10-03 08:00",
        started_at=at("10-02 10:00"),
        first_response_at=at("10-02 09:00"),
        due_at=at("10-02 20:00"),
        resolution="fixed",
        visits=2,
        labor_amount=Decimal("100"),
    )
    done(
        network, t1, "10-05 08:00", "10-05 10:00", resolution="not_fixed"
    )  # no start, no due, never answered
    # 23:30 local on 31 October is October; 00:30 local on 1 November (16:30Z) is not.
    done(network, t1, "10-30 08:00", "10-31 23:30")
    done(network, t1, "10-30 08:00", "11-01 00:30")
    # Cancelled orders never count.
    WorkOrderFactory(
        service_center=network.sc1,
        technician=t1,
        created_at=at("10-06 08:00"),
        state="cancelled",
        cancelled_at=at("10-06 09:00"),
    )
    # Comebacks of a: one inside the 30-day window, one outside (after a September original).
    WorkOrderFactory(
        service_center=network.sc1,
        technician=network.tech_colleague,
        rework_of=a,
        created_at=at("10-20 08:00"),
    )
    september = done(network, t1, "08-20 08:00", "08-25 08:00")
    WorkOrderFactory(
        service_center=network.sc1,
        technician=network.tech_colleague,
        rework_of=september,
        created_at=at("10-10 08:00"),
    )  # 46 days after: outside the window
    LabourLine.objects.create(
        work_order=a, technician=t1, standard_hours=Decimal("2"), clocked_hours=Decimal("2.5")
    )
    LabourLine.objects.create(
        work_order=a,
        technician=network.tech_colleague,
        standard_hours=Decimal("1"),
        clocked_hours=Decimal("1"),
    )
    return a


def test_counts_sums_and_the_month_boundary(network, october):
    v = values(people=[network.tech])
    assert v["T1", "WO_COMPLETED"].value == 4  # the 00:30 1-November order is November's
    assert v["T1", "WORKLOAD"].value == 4.5  # 1.5 + 1 + 1 + 1
    assert v["T1", "LABOR_REVENUE"].value == 400
    assert v["T1", "FLAGGED_HOURS"].value == 2


def test_response_rates_count_never_answered_orders(network, october):
    v = values(people=[network.tech])
    # created in October, led by T1, not cancelled: a, b, c, d, e (the cancelled one is out)
    rate = v["T1", "RESPONSE_30MIN_RATE"]
    assert (rate.numerator, rate.denominator) == (1, 5) and rate.value == 20.0
    avg = v["T1", "RESPONSE_TIME_AVG"]
    assert (avg.numerator, avg.denominator) == (80.0, 2) and avg.value == 40.0  # 20 and 60 minutes


def test_durations_and_rates_over_completed_orders(network, october):
    v = values(people=[network.tech])
    assert v["T1", "REPAIR_TIME_AVG"].value == pytest.approx((3 + 22) / 2)  # a: 3 h, b: 22 h
    assert v["T1", "TURNAROUND_AVG"].value == pytest.approx((4 + 24 + 2 + 39.5) / 4)
    assert (v["T1", "ON_TIME_RATE"].numerator, v["T1", "ON_TIME_RATE"].denominator) == (1, 2)
    assert v["T1", "REPAIR_SUCCESS_RATE"].value == pytest.approx(100 * 2 / 3)
    assert v["T1", "FTFR"].value == pytest.approx(100 * 1 / 3)
    assert v["T1", "PARTS_COST_PER_WO"].value == 25.0  # 100 over 4 completed
    assert v["T1", "TRAVEL_COST_PER_VISIT"].value == pytest.approx(20 / 5)  # visits 1 + 2 + 1 + 1
    assert v["T1", "EFFICIENCY"].value == 80.0


def test_comebacks_inside_the_window_only(network, october, settings):
    v = values(people=[network.tech])
    rework = v["T1", "REWORK_RATE"]
    assert (rework.numerator, rework.denominator) == (1, 4) and rework.value == 25.0
    settings.COMEBACK_WINDOW_DAYS = 60  # a company setting: now the September comeback counts too
    assert values(people=[network.tech])["T1", "REWORK_RATE"].numerator == 2


def test_no_data_is_null_not_zero(network, october):
    v = values(people=[network.tech_sc2])
    assert v["T4", "WO_COMPLETED"].value == 0
    for code in ("ON_TIME_RATE", "FTFR", "RESPONSE_TIME_AVG", "EFFICIENCY", "PRODUCTIVITY", "REWORK_RATE"):
        assert v["T4", code].value is None, code
        assert v["T4", code].denominator == 0


def test_advisor_versions_follow_the_advisor(network):
    done(
        network,
        network.tech,
        "10-01 08:00",
        "10-01 12:00",
        advisor=network.advisor,
        labor_amount=Decimal("50"),
    )
    v = values(people=[network.advisor, network.tech])
    assert v["A1", "WO_COMPLETED"].value == 1 and v["A1", "LABOR_REVENUE"].value == 50
    assert v["T1", "WO_COMPLETED"].value == 1
    assert v["A1", "REPAIR_SUCCESS_RATE"].value is None  # a technician indicator: not the advisor's


def test_quarter_pools_numerators_and_denominators(network, october):
    done(network, network.tech, "11-10 08:00", "11-10 09:00", due_at=at("11-10 10:00"))
    q = values("2026-Q4", people=[network.tech])["T1", "ON_TIME_RATE"]
    assert (q.numerator, q.denominator) == (2, 3)  # not the mean of October's 50 % and November's 100 %


def test_productivity_uses_available_hours_facts(network, october):
    from servicescore.kpi.models import MetricFact

    MetricFact.objects.create(
        indicator="AVAILABLE_HOURS", period="2026-10", value=Decimal("10"), employee=network.tech
    )
    assert values(people=[network.tech])["T1", "PRODUCTIVITY"].value == 25.0


def test_the_query_count_does_not_grow_with_people(network, october):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            compute_period(parse_period("2026-10"), Employee.objects.all())
        return len(captured)

    before = queries()
    for n in range(30):
        tech = EmployeeFactory(employee_no=f"X{n}", org_unit=network.sc1, position="technician")
        done(network, tech, "10-03 08:00", "10-03 12:00", resolution="fixed")
    assert queries() == before
    assert before <= 30  # one or two per component group, whatever the number of people


def run(*args):
    out = io.StringIO()
    call_command("kpi", "compute", *args, stdout=out)
    return out.getvalue()


def test_command_json_shape_and_filters(network, october):
    body = json.loads(
        run("--period", "2026-10", "--org", "SC1-T1", "--indicator", "FTFR", "--format", "json")
    )
    assert body["period"] == "2026-10"
    rows = {row["employee_no"]: row for row in body["rows"]}
    assert set(rows) == {"F1", "T1", "T2"}
    assert rows["T1"] == {
        "employee_no": "T1",
        "indicator": "FTFR",
        "value": pytest.approx(100 / 3),
        "numerator": 1,
        "denominator": 3,
    }
    assert rows["T2"]["value"] is None


def test_command_csv_and_table(network, october):
    csv_text = run("--period", "2026-10", "--org", "SC1-T1", "--indicator", "WO_COMPLETED", "--format", "csv")
    assert csv_text.splitlines()[0] == "employee_no,indicator,value,numerator,denominator"
    assert "T1,WO_COMPLETED,4,4," in csv_text
    assert "T1" in run("--period", "2026-10", "--indicator", "FTFR")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--period", "2026-13"], "is not a period"),
        (["--period", "2026-10", "--indicator", "NOPE"], "unknown indicator NOPE"),
        (["--period", "2026-10", "--org", "NOWHERE"], "unknown org unit code NOWHERE"),
    ],
)
def test_command_usage_errors(network, args, message):
    from django.utils import translation

    with translation.override("en"), pytest.raises(CommandError, match=message) as raised:
        run(*args)
    assert raised.value.returncode == 2


def test_docs_kpi_md_is_generated_from_the_definitions():
    from pathlib import Path

    from servicescore.kpi.registry import markdown

    committed = Path(__file__).resolve().parents[2] / "docs" / "kpi.md"
    assert committed.read_text(encoding="utf-8") == markdown(), "run: servicescore kpi docs > docs/kpi.md"
