"""Facts as indicators (built-in and company-defined), derived indicators through the safe
evaluator, and the bad input the issue names: a cycle, an unknown code, `__import__`, a
division by zero at run time, a fact for an unknown employee, a period like 2026-13."""

import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from servicescore.core.periods import parse_period
from servicescore.exchange.importer import run_import
from servicescore.exchange.tables import Table
from servicescore.kpi.compute import compute_period
from servicescore.kpi.derived import Formula, find_cycle
from servicescore.kpi.models import DerivedIndicator, FactIndicator, MetricFact
from servicescore.kpi.results import stored_result
from servicescore.org.models import Employee

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def values(period="2026-10", codes=None):
    rows = compute_period(parse_period(period), Employee.objects.all(), codes)
    return {(row.employee_no, row.indicator): row for row in rows}


def fact(code, period, value, employee=None, org_unit=None):
    return MetricFact.objects.create(
        indicator=code, period=period, value=Decimal(value), employee=employee, org_unit=org_unit
    )


def test_facts_are_indicators_and_quarters_sum_or_average(network):
    fact("AVAILABLE_HOURS", "2026-10", "160", network.tech)
    fact("AVAILABLE_HOURS", "2026-11", "150", network.tech)
    fact("ATTENDANCE_RATE", "2026-10", "96", network.tech)
    fact("ATTENDANCE_RATE", "2026-11", "100", network.tech)
    month = values("2026-10")
    assert month["T1", "AVAILABLE_HOURS"].value == 160
    assert month["T2", "AVAILABLE_HOURS"].value is None  # nothing imported: no data
    quarter = values("2026-Q4")
    assert quarter["T1", "AVAILABLE_HOURS"].value == 310  # hours add up
    assert quarter["T1", "ATTENDANCE_RATE"].value == 98  # a rate averages its months


def test_a_company_can_add_its_own_fact_indicator(network):
    FactIndicator.objects.create(
        code="CERT_PASS", name_zh="认证通过", name_en="Certification passed", unit="%"
    )
    report = run_import(
        "metric_facts",
        Table(["indicator", "period", "value", "employee"], [(2, ["CERT_PASS", "2026-10", "87.5", "T1"])]),
    )
    assert report.ok, report.errors
    assert values()["T1", "CERT_PASS"].value == 87.5


def test_a_fact_for_an_unknown_employee_is_rejected_with_its_row(network):
    report = run_import(
        "metric_facts",
        Table(
            ["indicator", "period", "value", "employee"],
            [
                (2, ["AVAILABLE_HOURS", "2026-10", "160", "T1"]),
                (3, ["AVAILABLE_HOURS", "2026-10", "150", "T999"]),
            ],
        ),
    )
    assert [(e.row, e.column) for e in report.errors] == [(3, "employee")]
    assert "T999" in report.errors[0].message
    assert not MetricFact.objects.exists()


def derived(code, formula):
    item = DerivedIndicator(code=code, name_zh=code, name_en=code, formula=formula)
    item.full_clean()
    item.save()
    return item


def test_derived_indicator_is_evaluated_per_person(network):
    fact("TRAINING_SCORE", "2026-10", "80", network.tech)
    fact("ATTENDANCE_RATE", "2026-10", "90", network.tech)
    derived("READINESS", "0.5 * TRAINING_SCORE + 0.5 * ATTENDANCE_RATE")
    derived("READY_FLAG", "if(READINESS >= 85, 1, 0) + max(0, min(1, 2))")
    v = values()
    assert v["T1", "READINESS"].value == 85
    assert v["T1", "READY_FLAG"].value == 2
    assert v["T2", "READINESS"].value is None
    assert "TRAINING_SCORE" in v["T2", "READINESS"].note


def test_division_by_zero_gives_null_with_the_reason_and_the_run_goes_on(network):
    fact("TRAINING_SCORE", "2026-10", "80", network.tech)
    fact("TRAINING_HOURS", "2026-10", "0", network.tech)
    fact("TRAINING_HOURS", "2026-10", "4", network.tech_colleague)
    fact("TRAINING_SCORE", "2026-10", "60", network.tech_colleague)
    derived("SCORE_PER_HOUR", "TRAINING_SCORE / TRAINING_HOURS")
    v = values()
    assert v["T1", "SCORE_PER_HOUR"].value is None
    assert "division by zero" in v["T1", "SCORE_PER_HOUR"].note
    assert v["T2", "SCORE_PER_HOUR"].value == 15


@pytest.mark.parametrize(
    "formula, message",
    [
        ("CSAT +", "Syntax error"),
        ("CSAT + NO_SUCH_CODE", "Unknown indicator NO_SUCH_CODE"),
        ('__import__("os").system("true")', "can be called"),
        ("CSAT.__class__", "Only numbers and indicator codes"),
        ("open('x')", "can be called"),
        ("'text'", "Only numbers and indicator codes"),
    ],
)
def test_bad_formulas_are_refused_when_saved(network, formula, message):
    with pytest.raises(ValidationError) as error:
        derived("BAD", formula)
    assert message in str(error.value)
    assert not DerivedIndicator.objects.filter(code="BAD").exists()


def test_a_cycle_is_refused_when_saved(network):
    derived("A_IND", "CSAT * 2")
    derived("B_IND", "A_IND + 1")
    a = DerivedIndicator.objects.get(code="A_IND")
    a.formula = "B_IND - 1"
    with pytest.raises(ValidationError) as error:
        a.full_clean()
    assert "A_IND → B_IND → A_IND" in str(error.value)
    with pytest.raises(ValidationError, match="cycle"):
        derived("SELF", "SELF + 1")


def test_cycle_finder_and_formula_names():
    assert find_cycle({"X": "Y + 1", "Y": "Z", "Z": "X"}) == ["X", "Y", "Z", "X"]
    assert find_cycle({"X": "CSAT", "Y": "X"}) is None
    assert Formula("if(CSAT > 90, FTFR, 0)").names == {"CSAT", "FTFR"}


def run(*args):
    out = io.StringIO()
    call_command("kpi", "compute", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "26-10", "2026-10-01", ""])
def test_command_refuses_a_bad_period_with_usage_status(network, period):
    with pytest.raises(CommandError) as error:
        run("--period", period)
    assert error.value.returncode == 2
    assert "is not a period" in str(error.value)


def test_command_prints_derived_and_facts_and_refuses_manual_codes(network):
    fact("AVAILABLE_HOURS", "2026-10", "160", network.tech)
    body = json.loads(run("--period", "2026-10", "--indicator", "AVAILABLE_HOURS", "--format", "json"))
    rows = {row["employee_no"]: row for row in body["rows"]}
    assert rows["T1"]["value"] == 160 and rows["T2"]["value"] is None
    with pytest.raises(CommandError, match="unknown indicator TEAMWORK"):
        run("--period", "2026-10", "--indicator", "TEAMWORK")


def test_recompute_command_refuses_a_bad_period_and_stores_a_good_one(network):
    with pytest.raises(CommandError) as error:
        call_command("kpi", "recompute", "--period", "2026-13", stdout=io.StringIO())
    assert error.value.returncode == 2
    fact("AVAILABLE_HOURS", "2026-10", "160", network.tech)
    out = io.StringIO()
    call_command("kpi", "recompute", "--period", "2026-10", stdout=out)
    assert json.loads(out.getvalue())["period"] == "2026-10"
    assert stored_result(network.tech, "2026-10", "AVAILABLE_HOURS") is not None
