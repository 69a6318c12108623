"""A month in progress is provisional (kpi-library.md, Scoring): its scorecards keep a score
but get no grade unless the scheme opts in, the pages open on the last complete month and
label the running one wherever it shows. "Now" is fixed: 2 December 2026, 09:00 local."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from servicescore.appraisal.models import Scorecard, Template, TemplateItem, TemplateVersion
from servicescore.appraisal.scoring import Figure, score
from servicescore.appraisal.selectors.whatif import draft_of, what_if
from servicescore.appraisal.services import schemes
from servicescore.kpi.registry import INDICATORS, MANUAL_RATINGS
from servicescore.kpi.services import recompute as services

from ..conftest import login
from ..factories import employee_result
from .scorecards import at, english, scorecard, technician_version

BANDS = [
    {"grade": "S", "min": 95},
    {"grade": "A", "min": 85},
    {"grade": "B", "min": 70},
    {"grade": "C", "min": 60},
    {"grade": "D", "min": None},
]
LOOKUP = INDICATORS | MANUAL_RATINGS
TEAM = reverse("kpi:team_scores")


@pytest.fixture
def december(monkeypatch):
    """Now is 2 December: November has ended, December is running."""
    monkeypatch.setattr(timezone, "now", lambda: at("12-02 09:00"))


def items(veto=False):
    rows = [TemplateItem(indicator="CSAT", weight=Decimal(100), target=Decimal(95), threshold=Decimal(70))]
    if veto:
        rows.append(
            TemplateItem(indicator="COMPLAINT_RATE", kind="veto", basis="numerator", threshold=Decimal(1))
        )
    return rows


GOOD = {"CSAT": Figure(95, 19, 20, 20), "COMPLAINT_RATE": Figure(0, 0, 10)}
VETOED = {"CSAT": Figure(95, 19, 20, 20), "COMPLAINT_RATE": Figure(10, 1, 10)}


# --- scoring ---------------------------------------------------------------------------------


def test_a_provisional_score_keeps_its_score_but_gets_no_grade():
    result = score(items(), BANDS, GOOD, {}, LOOKUP, provisional=True)
    assert (result.final, result.grade, result.provisional) == (100, "", True)


def test_a_scheme_that_grades_a_running_month_gives_a_provisional_grade():
    result = score(items(), BANDS, GOOD, {}, LOOKUP, provisional=True, grade_provisional=True)
    assert (result.final, result.grade, result.provisional) == (100, "S", True)


def test_a_veto_on_a_provisional_scorecard_gives_no_grade_but_stays_vetoed():
    result = score(items(veto=True), BANDS, VETOED, {}, LOOKUP, provisional=True)
    assert (result.grade, result.vetoed) == ("", True)


def test_a_veto_graded_provisionally_is_the_lowest_grade():
    result = score(items(veto=True), BANDS, VETOED, {}, LOOKUP, provisional=True, grade_provisional=True)
    assert (result.grade, result.vetoed) == ("D", True)


# --- stored scorecards -----------------------------------------------------------------------


@pytest.fixture
def scheme(october):
    """The default technician scheme without a minimum share (the October records give
    data for 35 % of its weight)."""
    from servicescore.appraisal.default_schemes import install_default_templates

    install_default_templates()
    TemplateVersion.objects.update(min_data_share=0)
    return october


def test_a_running_months_stored_scorecards_are_provisional_without_a_grade(scheme, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at("10-20 09:00"))
    services.recompute_period("2026-10")
    card = Scorecard.objects.get(employee=scheme.tech, period="2026-10")
    assert card.provisional and card.final_score is not None and card.grade == ""


def test_a_finished_months_stored_scorecards_have_a_grade(scheme, december):
    services.recompute_period("2026-10")
    card = Scorecard.objects.get(employee=scheme.tech, period="2026-10")
    assert not card.provisional and card.grade


def test_a_scheme_that_grades_a_running_month_stores_a_provisional_grade(scheme, monkeypatch):
    TemplateVersion.objects.update(grade_provisional=True)
    monkeypatch.setattr(timezone, "now", lambda: at("10-20 09:00"))
    services.recompute_period("2026-10")
    card = Scorecard.objects.get(employee=scheme.tech, period="2026-10")
    assert card.provisional and card.grade


# --- the period a page opens on --------------------------------------------------------------


@pytest.fixture
def two_months(network, december):
    version = technician_version()
    return {
        "11": scorecard(network.tech, version, period="2026-11", final=88.0, grade="A"),
        "12": scorecard(network.tech, version, period="2026-12", final=60.0, grade="", provisional=True),
    }


def scorecard_url(employee, period):
    return reverse("kpi:scorecard", args=[employee.employee_no, period])


@pytest.mark.django_db
def test_my_scorecard_opens_the_last_complete_month_not_the_running_one(client, network, two_months):
    login(client, network.tech)
    response = client.get(reverse("kpi:my_scorecard"))
    assert response["Location"] == scorecard_url(network.tech, "2026-11")


@pytest.mark.django_db
def test_my_scorecard_opens_the_running_month_when_it_is_the_only_one(client, network, december):
    scorecard(network.tech, technician_version(), period="2026-12", grade="", provisional=True)
    login(client, network.tech)
    response = client.get(reverse("kpi:my_scorecard"))
    assert response["Location"] == scorecard_url(network.tech, "2026-12")


@pytest.mark.django_db
def test_the_team_page_opens_on_the_last_complete_month(client, network, two_months):
    login(english(client), network.manager)
    response = client.get(TEAM)
    assert response.context["period"] == "2026-11" and not response.context["running"]
    html = response.content.decode()
    assert 'value="2026-12" data-provisional>2026-12 (provisional)</option>' in html
    assert "data-provisional-period" not in html


@pytest.mark.django_db
def test_the_running_month_stays_reachable_from_the_team_pages_picker(client, network, two_months):
    login(english(client), network.manager)
    response = client.get(TEAM, {"period": "2026-12"})
    html = response.content.decode()
    assert response.context["period"] == "2026-12"
    assert "data-provisional-period" in html and "2026-12 has not ended" in html
    assert "data-no-grades" in html and "data-grade-chart" not in html  # nobody is graded yet


@pytest.mark.django_db
def test_the_scorecard_pages_picker_labels_the_running_month(client, network, two_months):
    login(english(client), network.tech)
    html = client.get(scorecard_url(network.tech, "2026-11")).content.decode()
    assert 'href="/scores/T1/2026-12/" data-provisional>2026-12' in html
    assert (
        "data-provisional>" in html
        and 'class="alert alert-warning" role="status" data-provisional' not in html
    )


# --- labels ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_provisional_scorecard_says_so_and_shows_its_score_without_a_grade(client, network, two_months):
    login(english(client), network.tech)
    html = client.get(scorecard_url(network.tech, "2026-12")).content.decode()
    assert "This month has not ended yet: the score is provisional and no grade is given." in html
    assert "60.00" in html
    grade = html.split("data-grade>", 1)[1].split("</div>", 1)[0]
    assert "Provisional" in grade


@pytest.mark.django_db
def test_the_team_table_shows_provisional_instead_of_a_grade(client, network, two_months):
    login(english(client), network.manager)
    response = client.get(TEAM, {"period": "2026-12"})
    row = response.content.decode().split('data-scorecard-row="T1"', 1)[1].split("</tr>", 1)[0]
    assert "Provisional" in row and "60.00" in row


@pytest.mark.django_db
def test_the_profile_marks_a_provisional_scorecard(client, network, two_months):
    login(english(client), network.hr)
    html = client.get(reverse("org:profile", args=[network.tech.pk])).content.decode()
    running = html.split('data-period="2026-12"', 1)[1].split("</tr>", 1)[0]
    finished = html.split('data-period="2026-11"', 1)[1].split("</tr>", 1)[0]
    assert "data-provisional" in running and "data-provisional" not in finished


@pytest.mark.django_db
def test_a_what_if_of_a_running_month_is_provisional(network, monkeypatch):
    template = Template.objects.create(code="TECH", name="技师方案", position="technician")
    v1 = TemplateVersion.objects.create(template=template, number=1, status="active")
    TemplateItem.objects.create(version=v1, indicator="CSAT", weight=100, target=95, threshold=70)
    draft = schemes.start_draft(template)
    monkeypatch.setattr(timezone, "now", lambda: at("10-20 09:00"))
    employee_result(
        network.tech, period="2026-10", indicator="CSAT", value=95, numerator=95, denominator=100, sample=100
    )
    result = what_if(network.hr.user, draft_of(draft), "2026-10")
    assert result.provisional
    assert result.total.draft.mean == 100 and set(result.total.draft.grades) == {""}  # a score, no grade


# --- the scheme's switch -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_editor_saves_grade_a_running_month_and_the_version_page_shows_it(client, network):
    from .test_template_editor import csat, editor_data

    template = Template.objects.create(code="TECH", name="技师方案", position="technician")
    draft = TemplateVersion.objects.create(template=template, number=1)
    login(english(client), network.hr)
    url = reverse("kpi_templates:version", args=[draft.pk])
    editor = client.get(url).content.decode()
    assert 'name="grade_provisional"' in editor and 'name="min_data_share"' in editor
    response = client.post(
        url, editor_data([csat(weight="100")], action="activate") | {"grade_provisional": "on"}
    )
    assert response.status_code == 302, response.content.decode()
    draft.refresh_from_db()
    assert draft.grade_provisional and draft.status == "active"
    html = client.get(url).content.decode()
    assert 'data-grade-provisional="true"' in html and "A month still running is graded" in html
