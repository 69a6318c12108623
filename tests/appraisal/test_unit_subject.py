"""Unit-subject schemes (Template.subject "unit"): a team lead or service manager is scored
on the pooled results of the org unit they belong to for the work-order and voice
indicators, on their own facts and manual ratings, without shrinkage; the scorecard
follows the unit's figures after an incremental recompute; the evidence page shows the
unit's figure, not the person's own (empty) records."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from servicescore.appraisal.default_schemes import install_default_templates
from servicescore.appraisal.models import Scorecard, Template, TemplateChange, TemplateItem
from servicescore.appraisal.people_scoring import score_people
from servicescore.appraisal.services import schemes
from servicescore.core.errors import DomainError
from servicescore.core.models import AuditEntry
from servicescore.core.periods import parse_period
from servicescore.kpi.models import ManualRating, MetricFact, RecomputeRequest
from servicescore.kpi.services import recompute as services
from servicescore.org.models import Employee

from ..conftest import login
from ..factories import EmployeeFactory
from ..kpi.october import done

pytestmark = pytest.mark.django_db


def line(employee, code, period="2026-10"):
    card = Scorecard.objects.get(employee=employee, period=period)
    return next(item for item in card.items if item["indicator"] == code and item["kind"] == "scored")


@pytest.fixture
def scored(october):
    install_default_templates()
    services.recompute_period("2026-10")
    return october


def test_a_team_lead_is_scored_on_his_teams_pooled_figures(scored):
    ftfr = line(scored.foreman, "FTFR")
    assert (ftfr["raw_value"], ftfr["numerator"], ftfr["denominator"]) == (pytest.approx(200 / 3), 2, 3)
    assert ftfr["source"] == "unit"


def test_a_service_manager_is_scored_on_his_centres_figures(scored):
    on_time = line(scored.manager, "ON_TIME_RATE")
    assert on_time["source"] == "unit"
    regional = line(scored.regional_manager, "CSAT")
    assert regional["source"] == "unit"


def test_unit_figures_are_not_shrunk(scored):
    TemplateItem.objects.filter(version__template__code="TEAM-LEAD", indicator="FTFR").update(shrink_k=10)
    services.recompute_period("2026-10")
    ftfr = line(scored.foreman, "FTFR")
    assert not ftfr["shrunk"] and ftfr["k"] is None and ftfr["value"] == ftfr["raw_value"]


def test_manual_ratings_of_a_unit_scheme_are_the_persons_own(october):
    net = october
    install_default_templates()
    ManualRating.objects.create(
        employee=net.foreman, period="2026-10", indicator="TEAMWORK", reviewer=net.manager, rating=4
    )
    ManualRating.objects.create(
        employee=net.tech, period="2026-10", indicator="TEAMWORK", reviewer=net.foreman, rating=1, comment="x"
    )
    services.recompute_period("2026-10")
    teamwork = line(net.foreman, "TEAMWORK")
    assert teamwork["raw_value"] == 4 and "source" not in teamwork


def test_facts_of_a_unit_scheme_are_the_persons_own(october):
    net = october
    install_default_templates()
    MetricFact.objects.create(indicator="SAFETY_VIOLATIONS", period="2026-10", employee=net.tech, value=1)
    MetricFact.objects.create(indicator="TEAM_ATTRITION", period="2026-10", employee=net.manager, value=8)
    services.recompute_period("2026-10")
    assert not Scorecard.objects.get(employee=net.foreman, period="2026-10").vetoed
    assert line(net.manager, "TEAM_ATTRITION")["raw_value"] == 8


def test_scoring_unit_subject_people_takes_a_fixed_number_of_queries(scored):
    net = scored
    period = parse_period("2026-10")
    one = Employee.objects.filter(pk=net.foreman.pk)
    with CaptureQueriesContext(connection) as few:
        assert len(score_people(period, one)) == 1
    for n, unit in enumerate([net.t12, net.t21, net.sc2, net.region]):
        EmployeeFactory(
            employee_no=f"L{n}",
            position="foreman" if unit.kind == "team" else "service_manager",
            org_unit=unit,
        )
    many = Employee.objects.filter(position__in=["foreman", "service_manager"])
    expected = many.count()
    with CaptureQueriesContext(connection) as more:
        assert len(score_people(period, many)) == expected > 4
    assert len(more) == len(few)


def test_a_team_leads_scorecard_follows_his_team_after_an_incremental_recompute(
    scored, settings, django_capture_on_commit_callbacks
):
    net = scored
    services.build_components("2026-10")
    settings.KPI_AUTO_RECOMPUTE = True
    with django_capture_on_commit_callbacks(execute=True):
        done(net, net.tech_colleague, "10-06")
    assert not RecomputeRequest.objects.exists()
    ftfr = line(net.foreman, "FTFR")
    assert (ftfr["numerator"], ftfr["denominator"]) == (3, 4)


def test_a_regional_managers_scorecard_follows_a_centre_below_after_an_incremental_recompute(
    scored, settings, django_capture_on_commit_callbacks
):
    net = scored
    services.build_components("2026-10")
    settings.KPI_AUTO_RECOMPUTE = True
    before = line(net.regional_manager, "REWORK_RATE")
    with django_capture_on_commit_callbacks(execute=True):
        done(net, net.tech_sc2, "10-06")
    after = line(net.regional_manager, "REWORK_RATE")
    assert (before["denominator"], after["denominator"]) == (4, 5)


def test_the_evidence_of_a_unit_line_shows_the_units_figure_not_own_records(scored, client):
    net = scored
    login(client, net.manager)
    url = reverse("kpi:evidence", args=[net.foreman.employee_no, "2026-10", "FTFR"])
    with translation.override("en"):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "data-unit-figure" in page and net.t11.name in page
    assert response.context["sections"] == []
    assert response.context["unit_result"].numerator == 2


# --- "scored on" in the scheme's settings ------------------------------------------------------


def settings_post(template, **changes):
    data = {
        "name": template.name,
        "rationale": template.rationale,
        "org_unit": "",
        "subject": template.subject,
    }
    return data | changes


def test_an_editor_sets_a_scheme_to_be_scored_on_the_unit_and_it_is_recorded(client, network):
    install_default_templates()
    template = Template.objects.get(code="DISPATCHER")
    login(client, network.hr)
    url = reverse("kpi_templates:template", args=[template.pk])
    assert 'name="subject"' in client.get(url).content.decode()
    response = client.post(url, settings_post(template, subject="unit"))
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.subject == "unit"
    change = TemplateChange.objects.filter(template=template, action="settings_changed").get()
    assert change.detail["subject"] == {"before": "own", "after": "unit"}
    entry = AuditEntry.objects.filter(action="update", object_id=str(template.pk)).get()
    assert entry.changes["subject"] == ["own", "unit"]
    page = client.get(url).content.decode()
    assert "考核依据：本人的记录 → 所在组织单元的结果。" in page


def test_an_unknown_scored_on_is_refused_on_the_page_and_nothing_changes(client, network):
    install_default_templates()
    template = Template.objects.get(code="DISPATCHER")
    login(client, network.hr)
    response = client.post(
        reverse("kpi_templates:template", args=[template.pk]), settings_post(template, subject="team")
    )
    assert response.status_code == 200 and response.context["form"].errors["subject"]
    template.refresh_from_db()
    assert template.subject == "own" and not TemplateChange.objects.filter(action="settings_changed").exists()


def test_the_settings_service_refuses_an_unknown_subject_with_its_code(network):
    install_default_templates()
    template = Template.objects.get(code="DISPATCHER")
    with pytest.raises(DomainError) as error:
        schemes.change_settings(
            template, name=template.name, rationale="", subject="team", by=network.hr.user
        )
    assert [p.code for p in error.value.problems] == ["subject_unknown"]
    assert not AuditEntry.objects.exists()


def test_the_scorecard_marks_the_lines_scored_on_the_unit(scored, client):
    login(client, scored.manager)
    page = client.get(reverse("kpi:scorecard", args=[scored.foreman.employee_no, "2026-10"])).content.decode()
    assert page.count("data-unit-line") == 4  # CSAT, FTFR, ON_TIME_RATE, REWORK_RATE; not the manual items
