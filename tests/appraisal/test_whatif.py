"""What-if: a draft template version over a past month beside the active versions, per
service centre (mean score, grade counts) and the people whose grade would change; only
the user's scope; only the people the draft would score; a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.appraisal.models import Template, TemplateItem, TemplateVersion
from servicescore.appraisal.selectors.whatif import draft_of, last_month, what_if
from servicescore.appraisal.services import schemes
from servicescore.kpi.models import EmployeeResults

from ..conftest import login
from ..factories import EmployeeFactory, employee_result

pytestmark = pytest.mark.django_db
PERIOD = last_month()


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def csat_results(people_values, period=PERIOD):
    for person, value in people_values:
        employee_result(
            person, period=period, indicator="CSAT", value=value, numerator=value, denominator=100, sample=100
        )


@pytest.fixture
def draft(network):
    """Active v1: CSAT linear 70 → 0, 95 → 100. Draft v2: 60 → 0, 90 → 100 (more lenient).

    T1 95: 100 S → 100 S        T2 85: 60 C → 83.3 B        T3 80: 40 D → 66.7 C   (SC1)
    T4 75: 20 D → 50 D (SC2)
    """
    template = Template.objects.create(code="TECH", name="技师方案", position="technician")
    v1 = TemplateVersion.objects.create(template=template, number=1, status="active")
    TemplateItem.objects.create(version=v1, indicator="CSAT", weight=100, target=95, threshold=70)
    v2 = schemes.start_draft(template)
    v2.items.update(target=90, threshold=60)
    csat_results(
        [
            (network.tech, 95),
            (network.tech_colleague, 85),
            (network.tech_other_team, 80),
            (network.tech_sc2, 75),
        ]
    )
    return v2


def test_hr_sees_every_centre_mean_scores_grade_counts_and_the_changes(network, draft):
    result = what_if(network.hr.user, draft_of(draft), PERIOD)
    assert result.people == 4 and result.changes_count == 2
    assert result.grades[:5] == ["S", "A", "B", "C", "D"]
    sc1, sc2 = result.centres
    assert (sc1.code, sc2.code) == ("SC1", "SC2")
    assert sc1.active.mean == pytest.approx((100 + 60 + 40) / 3)
    assert sc1.draft.mean == pytest.approx((100 + 250 / 3 + 200 / 3) / 3)
    assert dict(zip(result.grades, sc1.cells, strict=True))["S"] == (1, 1)
    assert dict(zip(result.grades, sc1.cells, strict=True))["B"] == (0, 1)
    assert dict(zip(result.grades, sc1.cells, strict=True))["D"] == (1, 0)
    assert (sc1.changed, sc2.changed) == (2, 0)
    assert sc2.active.mean == pytest.approx(20) and sc2.draft.mean == pytest.approx(50)
    changes = {c.employee_no: (c.active_grade, c.draft_grade) for c in result.changes}
    assert changes == {"T2": ("C", "B"), "T3": ("D", "C")}
    t2 = next(c for c in result.changes if c.employee_no == "T2")
    assert t2.active_score == pytest.approx(60) and t2.draft_score == pytest.approx(250 / 3)
    assert t2.active_version == "TECH v1" and t2.centre == "上海浦东服务中心"
    assert result.total.active.people == 4 and result.total.changed == 2


def test_a_service_managers_what_if_lists_only_his_centre(client, network, draft):
    result = what_if(network.manager.user, draft_of(draft), PERIOD)
    assert [c.code for c in result.centres] == ["SC1"]
    assert result.people == 3
    login(client, network.manager)
    page = client.get(
        reverse("kpi_templates:whatif"), {"version": draft.pk, "period": PERIOD}
    ).content.decode()
    assert 'data-centre="SC1"' in page and 'data-centre="SC2"' not in page
    assert 'data-employee="T2" data-from="C" data-to="B"' in page
    # (not a bare "T4": the random CSRF token may contain it)
    assert 'data-employee="T4"' not in page and "员工T4" not in page and "杭州" not in page
    assert 'data-people="3" data-changes="2"' in page
    assert 'id="whatif-chart-data"' in page  # the chart, whose numbers are the table's


def test_people_another_template_covers_are_left_out(network, draft):
    field = Template.objects.create(code="FIELD", name="上门", position="technician", org_unit=network.sc2)
    version = TemplateVersion.objects.create(template=field, number=1, status="active")
    TemplateItem.objects.create(version=version, indicator="CSAT", weight=100, target=80, threshold=50)
    result = what_if(network.hr.user, draft_of(draft), PERIOD)
    assert [c.code for c in result.centres] == ["SC1"] and result.people == 3
    # ... while a draft of that unit's template covers only them, compared with its active version.
    field_draft = schemes.start_draft(field)
    result = what_if(network.hr.user, draft_of(field_draft), PERIOD)
    assert [c.code for c in result.centres] == ["SC2"] and result.changes_count == 0


def test_a_second_company_wide_template_is_compared_in_the_place_of_the_active_one(network, draft):
    other = Template.objects.create(code="TECH-B", name="技师方案B", position="technician")
    trial = schemes.start_draft(other)
    TemplateItem.objects.create(version=trial, indicator="CSAT", weight=100, target=80, threshold=40)
    result = what_if(network.hr.user, draft_of(trial), PERIOD)
    assert result.displaces == "TECH v1" and result.people == 4
    assert what_if(network.hr.user, draft_of(draft), PERIOD).displaces == ""


def test_a_new_template_without_an_active_version_compares_with_what_people_get_now(network, draft):
    unit = Template.objects.create(
        code="SC1-TECH", name="浦东技师", position="technician", org_unit=network.sc1
    )
    new = schemes.start_draft(unit)
    TemplateItem.objects.create(version=new, indicator="CSAT", weight=100, target=80, threshold=40)
    result = what_if(network.hr.user, draft_of(new), PERIOD)
    assert result.people == 3
    # T3 (80) is on target under the new one: 100 S, against 40 D under the company-wide v1.
    t3 = next(c for c in result.changes if c.employee_no == "T3")
    assert (t3.active_grade, t3.draft_grade, t3.active_version) == ("D", "S", "TECH v1")


def test_a_month_without_results_says_nobody_has_a_score(client, network, draft):
    EmployeeResults.objects.all().delete()
    login(client, network.hr)
    page = client.get(
        reverse("kpi_templates:whatif"), {"version": draft.pk, "period": PERIOD}
    ).content.decode()
    assert "data-no-results" in page and f"kpi recompute --period {PERIOD}" in page


def test_what_if_page_refuses_bad_input(client, network, draft):
    login(client, network.manager)
    url = reverse("kpi_templates:whatif")
    page = client.get(url, {"version": draft.pk, "period": "2026-13"}).content.decode()
    assert "Give a month as YYYY-MM" in page and "data-centres" not in page
    this_month = timezone.localdate().strftime("%Y-%m")
    page = client.get(url, {"version": draft.pk, "period": this_month}).content.decode()
    assert "has not ended yet" in page
    active = draft.template.versions.get(status="active")
    page = client.get(url, {"version": active.pk, "period": PERIOD}).content.decode()
    assert "Select a valid choice" in page and "data-centres" not in page
    page = client.get(url, {"version": "x", "period": PERIOD}).content.decode()
    assert "Select a valid choice" in page


def test_what_if_defaults_to_last_month_and_the_first_draft(client, network, draft):
    login(client, network.hr)
    page = client.get(reverse("kpi_templates:whatif")).content.decode()
    assert f'value="{PERIOD}"' in page and 'data-people="4" data-changes="2"' in page


def test_without_drafts_the_page_says_how_to_make_one(client, network):
    login(client, network.hr)
    page = client.get(reverse("kpi_templates:whatif")).content.decode()
    assert "data-no-drafts" in page


def queries_for(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_people(client, network, draft):
    login(client, network.hr)
    url = reverse("kpi_templates:whatif")
    run = lambda: what_if(network.hr.user, draft_of(draft), PERIOD)  # noqa: E731
    page = lambda: client.get(url, {"version": draft.pk, "period": PERIOD})  # noqa: E731
    page()  # warm the content-type and session caches
    at_n = queries_for(run), queries_for(page)
    more = [
        EmployeeFactory(position="technician", org_unit=unit)
        for unit in (network.t11, network.t12, network.t21)
        for _ in range(10)
    ]
    csat_results([(person, 60 + n) for n, person in enumerate(more)])
    assert what_if(network.hr.user, draft_of(draft), PERIOD).people == 34
    at_n_plus_30 = queries_for(run), queries_for(page)
    assert at_n == at_n_plus_30
    assert at_n[0] <= 16
