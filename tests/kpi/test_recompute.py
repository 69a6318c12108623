"""Stored results: recompute_period stores employees' results and pools them into every
org unit above; changes to records queue a recompute of only the people and months they
touch (a Celery task, inline without a broker). The scorecards a recompute stores are
tests/appraisal/test_scorecard_recompute.py's."""

import datetime

import pytest

from servicescore.appraisal.default_schemes import install_default_templates
from servicescore.exchange.importer import run_import
from servicescore.exchange.tables import Table
from servicescore.kpi.models import EmployeeResults, IndicatorResult, RecomputeRequest
from servicescore.kpi.services import recompute as services
from servicescore.kpi.signals import figures_stored
from servicescore.voice.models import SurveyResponse

from .october import at, done, result

pytestmark = pytest.mark.django_db


def test_results_are_stored_and_pooled_into_every_unit_above(october):
    net = october
    stats = services.recompute_period("2026-10")
    assert stats["results"] > 0 and stats["org_unit_results"] > 0
    assert result("FTFR", employee=net.tech) == (50, 1, 2)
    assert result("FTFR", unit=net.t11) == (
        pytest.approx(200 / 3),
        2,
        3,
    )  # pooled, not the mean of 50 and 100
    assert result("FTFR", unit=net.sc1) == (pytest.approx(200 / 3), 2, 3)
    assert result("FTFR", unit=net.sc2) == (0, 0, 1)
    assert result("FTFR", unit=net.company) == (50, 2, 4)
    assert result("WO_COMPLETED", unit=net.region)[0] == 4
    # an employee with no data has no stored row; reading it gives null / 0
    assert result("FTFR", employee=net.tech_other_team) is None


def test_recompute_of_some_days_leaves_the_others_alone(october):
    net = october
    services.recompute_period("2026-10")
    services.build_components("2026-10")  # queued by the full recompute, after its commit
    done(net, net.tech_colleague, "10-06", resolution="not_fixed")
    done(net, net.tech, "10-07", resolution="not_fixed")
    stats = services.recompute_period("2026-10", days={"done": {datetime.date(2026, 10, 6)}})
    assert stats["people"] == 1  # only who the re-aggregated day counts for
    assert result("FTFR", employee=net.tech_colleague) == (50, 1, 2)
    assert result("FTFR", employee=net.tech) == (50, 1, 2)  # 10-07 not re-aggregated: the old figure
    assert result("FTFR", unit=net.t11)[1:] == (2, 4)  # roll-ups follow the stored figures
    # a recompute of people alone reads the stored days: no records are read again
    services.recompute_period("2026-10", people={net.tech.pk})
    assert result("FTFR", employee=net.tech) == (50, 1, 2)
    services.recompute_period("2026-10")
    assert result("FTFR", employee=net.tech) == (pytest.approx(100 / 3), 1, 3)


def test_changing_a_record_queues_a_recompute_of_who_it_touches(
    october, settings, django_capture_on_commit_callbacks
):
    net = october
    settings.KPI_AUTO_RECOMPUTE = True
    services.recompute_period("2026-10")
    with django_capture_on_commit_callbacks(execute=True):
        order = done(net, net.tech, "10-08", resolution="not_fixed")
    assert result("FTFR", employee=net.tech) == (pytest.approx(100 / 3), 1, 3)
    assert not RecomputeRequest.objects.exists()
    # reassigning it recomputes both technicians
    with django_capture_on_commit_callbacks(execute=True):
        order.technician = net.tech_colleague
        order.save()
    assert result("FTFR", employee=net.tech) == (50, 1, 2)
    assert result("FTFR", employee=net.tech_colleague) == (50, 1, 2)
    # a survey response counts through its work order
    with django_capture_on_commit_callbacks(execute=True):
        SurveyResponse.objects.create(
            external_id="R1", work_order=order, submitted_at=at("10-09 10:00"), overall=5
        )
    assert result("CSAT", employee=net.tech_colleague) == (100, 1, 1)


def test_an_import_queues_the_months_and_people_it_touched(
    october, settings, django_capture_on_commit_callbacks
):
    net = october
    settings.KPI_AUTO_RECOMPUTE = True
    header = [
        "external_id",
        "service_center",
        "type",
        "created_at",
        "completed_at",
        "technician",
        "resolution",
    ]
    rows = [
        (
            2,
            [
                "WO-NEW",
                "SC2",
                "repair",
                "2026-11-02T08:00:00+08:00",
                "2026-11-02T10:00:00+08:00",
                "T4",
                "fixed",
            ],
        )
    ]
    with django_capture_on_commit_callbacks(execute=True):
        report = run_import("work_orders", Table(header, rows))
    assert report.ok, report.errors
    assert result("FTFR", period="2026-11", employee=net.tech_sc2) == (100, 1, 1)
    assert result("FTFR", period="2026-11", unit=net.sc2) == (100, 1, 1)
    assert result("FTFR", period="2026-11", employee=net.tech) is None  # untouched people are not computed
    # a dry run queues nothing
    with django_capture_on_commit_callbacks(execute=True):
        run_import(
            "work_orders",
            Table(header, [(2, ["WO-DRY", "SC2", "repair", "2026-12-02T08:00:00+08:00", "", "T4", ""])]),
            dry_run=True,
        )
    assert not EmployeeResults.objects.filter(period="2026-12").exists()
    assert not IndicatorResult.objects.filter(period="2026-12").exists()


def test_recompute_runs_a_fixed_number_of_queries(october, django_assert_max_num_queries):
    install_default_templates()
    with django_assert_max_num_queries(60):
        services.recompute_period("2026-10")


def test_an_empty_request_queues_nothing(network):
    services.request_recompute("2026-10", [])
    assert not RecomputeRequest.objects.exists()


def test_without_a_receiver_a_recompute_stores_the_figures_alone(october, monkeypatch):
    """kpi needs no app above it: nobody listening, nothing is scored."""
    monkeypatch.setattr(figures_stored, "receivers", [])
    summary = services.recompute_period("2026-10")
    assert "scorecards" not in summary
    assert result("FTFR", employee=october.tech) == (50, 1, 2)


def test_a_receiver_that_fails_undoes_the_figures_of_its_recompute(october):
    """The receivers run inside the recompute's transaction: all of it commits, or none."""

    def broken(**kwargs):
        raise RuntimeError("scoring failed")

    figures_stored.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError, match="scoring failed"):
            services.recompute_period("2026-10")
    finally:
        figures_stored.disconnect(dispatch_uid="test-broken")
    assert not EmployeeResults.objects.filter(period="2026-10").exists()
    assert not IndicatorResult.objects.filter(period="2026-10").exists()


def test_the_receivers_get_the_period_the_people_and_the_figures_in_memory(october):
    heard = []

    def listening(*, period, people, stored, **kwargs):
        heard.append((period.code, people, stored.figures[october.tech.pk]["FTFR"]))
        return {"listened": 1, "seconds": {"listening": 0.0}}

    figures_stored.connect(listening, dispatch_uid="test-listening")
    try:
        summary = services.recompute_period("2026-10", people={october.tech.pk})
    finally:
        figures_stored.disconnect(dispatch_uid="test-listening")
    assert heard == [("2026-10", None, (50.0, 1.0, 2.0, 2))]  # the month's days are not built: everyone
    assert summary["listened"] == 1 and "listening" in summary["seconds"]
