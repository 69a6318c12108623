"""`servicescore kpi compute` marks a running period provisional (kpi-library.md,
Scoring), additions only to import-formats.md's shapes: JSON says so beside the period,
CSV gets a last `provisional` column for a running period only, the table a first line."""

import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from ..appraisal.scorecards import at

pytestmark = pytest.mark.django_db
ARGS = ("--period", "2026-10", "--org", "SC1-T1", "--indicator", "WO_COMPLETED")


def run(*args):
    out = io.StringIO()
    call_command("kpi", "compute", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def running(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at("10-20 09:00"))


@pytest.fixture
def ended(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at("12-02 09:00"))


def test_json_of_a_running_period_says_provisional(october, running):
    body = json.loads(run(*ARGS, "--format", "json"))
    assert body["provisional"] is True and body["period"] == "2026-10" and body["rows"]


def test_json_of_an_ended_period_says_not_provisional(october, ended):
    assert json.loads(run(*ARGS, "--format", "json"))["provisional"] is False


def test_csv_of_a_running_period_ends_each_row_with_provisional(october, running):
    lines = run(*ARGS, "--format", "csv").splitlines()
    assert lines[0] == "employee_no,indicator,value,numerator,denominator,provisional"
    assert all(line.endswith(",true") for line in lines[1:]) and len(lines) > 1


def test_csv_of_an_ended_period_is_unchanged(october, ended):
    assert (
        run(*ARGS, "--format", "csv").splitlines()[0] == "employee_no,indicator,value,numerator,denominator"
    )


def test_the_table_of_a_running_period_opens_with_a_provisional_line(october, running, settings):
    from django.utils import translation

    with translation.override("en"):
        first = run(*ARGS).splitlines()[0]
    assert first == "2026-10 has not ended: these values are provisional."


def test_the_table_of_an_ended_period_opens_with_its_header(october, ended):
    assert run(*ARGS).splitlines()[0].startswith("employee_no")
