"""Stored results: recompute_period stores employees' results, pools them into every org
unit above, scores the scorecards; changes to records queue a recompute of only the
people and months they touch (a Celery task, inline without a broker); past scorecards
keep the template version they used."""

import datetime
from decimal import Decimal

import pytest

from servicescore.exchange.importer import run_import
from servicescore.exchange.tables import Table
from servicescore.kpi import services
from servicescore.kpi.defaults import install_default_templates
from servicescore.kpi.models import IndicatorResult, RecomputeRequest, Scorecard, Template, TemplateVersion
from servicescore.voice.models import SurveyResponse

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
CST = datetime.timezone(datetime.timedelta(hours=8))


def at(text):
    return datetime.datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def done(network, tech, day, resolution="fixed", **fields):
    return WorkOrderFactory(
        service_center=tech.org_unit.parent if tech.org_unit.kind == "team" else tech.org_unit,
        technician=tech,
        state="completed",
        created_at=at(f"{day} 08:00"),
        completed_at=at(f"{day} 12:00"),
        resolution=resolution,
        **fields,
    )


def result(code, period="2026-10", employee=None, unit=None):
    return (
        IndicatorResult.objects.filter(period=period, indicator=code, employee=employee, org_unit=unit)
        .values_list("value", "numerator", "denominator")
        .first()
    )


@pytest.fixture
def october(network):
    done(network, network.tech, "10-02")
    done(network, network.tech, "10-03", resolution="not_fixed")
    done(network, network.tech_colleague, "10-04")
    done(network, network.tech_sc2, "10-05", resolution="not_fixed")
    return network


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
    assert not IndicatorResult.objects.filter(period="2026-12").exists()


def test_scorecards_use_the_active_template_and_keep_their_version(october):
    net = october
    install_default_templates()
    services.recompute_period("2026-10")
    card = Scorecard.objects.get(employee=net.tech, period="2026-10")
    first = card.version
    assert first.template.code == "TECH-NEV" and card.final_score is not None and card.grade
    ftfr = next(line for line in card.items if line["indicator"] == "FTFR")
    assert (ftfr["raw_value"], ftfr["numerator"], ftfr["denominator"]) == (50, 1, 2)
    assert ftfr["shrunk"] and ftfr["prior"] == pytest.approx(200 / 3)  # the service centre's rate
    csat = next(line for line in card.items if line["indicator"] == "CSAT")
    assert csat["no_data"] and csat["effective_weight"] == 0
    # editing the active template makes version 2; activating it retires version 1
    template = Template.objects.get(code="TECH-NEV")
    draft = services.draft_version(template)
    assert draft.number == 2 and draft.items.count() == first.items.count()
    draft.items.filter(indicator="FTFR").update(weight=Decimal(25))
    draft.items.filter(indicator="CSAT").update(weight=Decimal(25))
    services.activate(draft)
    first.refresh_from_db()
    assert first.status == TemplateVersion.Status.RETIRED
    services.recompute_period("2026-10")
    assert Scorecard.objects.get(employee=net.tech, period="2026-10").version == first  # past score keeps v1
    services.recompute_period("2026-11")
    assert Scorecard.objects.get(employee=net.tech, period="2026-11").version == draft


def test_activation_refuses_weights_that_do_not_sum_to_100(october):
    install_default_templates()
    template = Template.objects.get(code="TECH-NEV")
    draft = services.draft_version(template)
    draft.items.filter(indicator="CSAT").update(weight=Decimal("29.5"))
    with pytest.raises(services.TemplateError) as error:
        services.activate(draft)
    assert error.value.problems[0][1] == "weight"
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert template.versions.get(number=1).status == "active"


def test_recompute_runs_a_fixed_number_of_queries(october, django_assert_max_num_queries):
    install_default_templates()
    with django_assert_max_num_queries(60):
        services.recompute_period("2026-10")


def test_recompute_of_many_people_stores_only_their_scorecards(october, monkeypatch):
    """Above the IN-list limit the families read everyone; only the requested people's
    results and scorecards are replaced."""
    net = october
    install_default_templates()
    services.recompute_period("2026-10")
    monkeypatch.setattr(services, "PEOPLE_FILTER_LIMIT", 1)
    monkeypatch.setattr("servicescore.kpi.compute.PEOPLE_FILTER_LIMIT", 1)
    services.recompute_period("2026-10", people={net.tech.pk, net.tech_colleague.pk})
    assert Scorecard.objects.filter(period="2026-10", employee=net.tech).count() == 1
    assert Scorecard.objects.filter(period="2026-10").count() > 2
    assert result("FTFR", employee=net.tech) == (50, 1, 2)


def test_an_empty_request_queues_nothing(network):
    services.request_recompute("2026-10", [])
    assert not RecomputeRequest.objects.exists()
