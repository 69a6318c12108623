"""A year's indicator results (`kpi recompute --period 2026`): stored only when asked for —
an annual cycle recomputed over the whole year — pooled from the records like a quarter,
and following their months once stored."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from servicescore.kpi.models import ComputedPeriod, EmployeeResults
from servicescore.kpi.results import stored_result
from servicescore.kpi.services import jobs
from servicescore.kpi.services.recompute import recompute_period

from .october import done

pytestmark = pytest.mark.django_db


def _result(period, employee, code):
    return stored_result(employee, period, code)


def test_a_year_pools_the_numerators_and_denominators_of_its_months(network, october):
    done(network, network.tech, "11-10")
    recompute_period("2026")
    year = _result("2026", network.tech, "WO_COMPLETED")
    recompute_period("2026-Q4")
    q4 = _result("2026-Q4", network.tech, "WO_COMPLETED")
    assert year.value == q4.value == 3  # October's two and November's one
    assert ComputedPeriod.objects.filter(period="2026").exists()


def test_the_command_recomputes_a_year(network, october):
    out = StringIO()
    call_command("kpi", "recompute", "--period", "2026", stdout=out)
    assert json.loads(out.getvalue().splitlines()[-1])["period"] == "2026"
    assert EmployeeResults.objects.filter(period="2026").exists()


def test_a_stored_year_follows_its_months_in_a_recompute_job(
    network, october, django_capture_on_commit_callbacks
):
    recompute_period("2026")
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_recompute(user=network.hr.user, periods=["2026-10"])
    assert job.periods == ["2026-10", "2026"]


def test_an_unstored_year_is_left_alone(network, october, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_recompute(user=network.hr.user, periods=["2026-10"])
    assert job.periods == ["2026-10"]
    assert not EmployeeResults.objects.filter(period="2026").exists()


def test_the_queue_recomputes_the_stored_quarter_and_year_of_a_month(network, october):
    from servicescore.kpi.services.recompute import _stored_quarters

    recompute_period("2026")
    assert _stored_quarters({"2026-10": {network.tech.pk}}) == {"2026": {network.tech.pk}}
    recompute_period("2026-Q4")
    assert _stored_quarters({"2026-10": None, "2026-11": {1}}) == {"2026": None, "2026-Q4": None}
