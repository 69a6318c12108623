"""The scheme coverage page (/appraisal-templates/coverage/): every position with its
active people in the reader's scope and the active scheme scoring them (company-wide or
within their unit), and the people no active scheme scores, with what would fix it;
linked from the scheme list and the team page."""

import pytest
from django.urls import reverse
from django.utils import translation

from servicescore.appraisal.default_schemes import install_default_templates
from servicescore.appraisal.models import Template, TemplateVersion
from servicescore.appraisal.services import schemes

from ..conftest import login
from ..factories import EmployeeFactory

pytestmark = pytest.mark.django_db
URL = "/appraisal-templates/coverage/"


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def defaults(network):
    install_default_templates()
    return network


def row(response, position):
    return next(r for r in response.context["positions"] if r.position == position)


def retire(code):
    schemes.retire(TemplateVersion.objects.get(template__code=code, status="active"))


def test_the_url_is_named_in_the_scheme_pages():
    assert reverse("kpi_templates:coverage") == URL


def test_hr_sees_every_position_with_its_people_and_the_scheme_scoring_them(client, defaults):
    login(client, defaults.hr)
    response = client.get(URL)
    assert response.status_code == 200
    assert [r.position for r in response.context["positions"]] == [
        "technician", "service_advisor", "warranty_clerk", "cs_agent", "cs_manager", "dispatcher",
        "parts_manager", "foreman", "service_manager", "hr",
    ]  # fmt: skip
    technicians = row(response, "technician")
    assert technicians.label == "Technician" and technicians.staff == 4
    assert [(use.version.template.code, use.count) for use in technicians.schemes] == [("TECH-NEV", 4)]
    assert response.context["unscored_count"] == 0
    assert "data-everyone-scored" in response.content.decode()


def test_people_without_an_active_scheme_are_listed_with_what_to_do(client, defaults):
    retire("TEAM-LEAD")
    login(client, defaults.hr)
    response = client.get(URL)
    assert [p.employee_no for p in response.context["unscored"]] == ["F1"]
    foremen = row(response, "foreman")
    assert foremen.unscored == 1 and foremen.schemes == [] and foremen.fix.code == "TEAM-LEAD"
    page = response.content.decode()
    assert reverse("org:profile", args=[defaults.foreman.pk]) in page
    assert f'href="{reverse("kpi_templates:template", args=[foremen.fix.pk])}" data-fix="TEAM-LEAD"' in page


def test_a_position_whose_default_is_not_installed_is_told_to_install_it(client, network):
    login(client, network.hr)
    response = client.get(URL)
    assert row(response, "hr").default_missing
    assert response.context["unscored_count"] == 11
    assert 'data-fix="install"' in response.content.decode()


def test_people_under_a_unit_scheme_are_counted_under_it(client, defaults):
    field = Template.objects.get(code="FIELD-TECH")
    schemes.change_settings(field, name=field.name, rationale=field.rationale, org_unit=defaults.sc2)
    schemes.activate(field.versions.get())
    login(client, defaults.hr)
    uses = {use.version.template.code: use.count for use in row(client.get(URL), "technician").schemes}
    assert uses == {"TECH-NEV": 3, "FIELD-TECH": 1}


def test_a_manager_sees_only_the_people_of_his_subtree(client, network):
    login(client, network.manager)
    response = client.get(URL)
    assert response.status_code == 200
    listed = {p.employee_no for p in response.context["unscored"]}
    assert listed == {"M1", "F1", "T1", "T2", "T3", "A1", "D1", "CS1"}
    assert row(response, "technician").staff == 3


def test_people_who_left_are_not_counted(client, defaults):
    EmployeeFactory(employee_no="X1", position="hr", org_unit=defaults.company, status="left")
    login(client, defaults.hr)
    assert row(client.get(URL), "hr").staff == 1


def test_a_technician_does_not_find_the_page(client, network):
    login(client, network.tech)
    assert client.get(URL).status_code == 404


def test_the_page_takes_a_fixed_number_of_queries(client, network, django_assert_max_num_queries):
    login(client, network.hr)
    client.get(URL)
    for n in range(30):
        EmployeeFactory(employee_no=f"N{n}", position="dispatcher", org_unit=network.sc2)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.context["unscored_count"] == 41


def test_the_list_shows_the_first_people_and_counts_the_rest(network):
    from servicescore.appraisal.selectors.coverage import scheme_coverage

    context = scheme_coverage(network.hr.user, shown=5)
    assert len(context["unscored"]) == 5 and context["unscored_more"] == 6


def test_the_scheme_list_links_to_the_coverage(client, defaults):
    login(client, defaults.hr)
    assert URL in client.get(reverse("kpi_templates:list")).content.decode()


def test_the_team_page_says_how_many_have_no_scheme_and_links_to_the_coverage(client, defaults):
    retire("TEAM-LEAD")
    retire("HR")
    login(client, defaults.hr)
    response = client.get(reverse("kpi:team_scores"))
    page = response.content.decode()
    assert response.context["unscored_count"] == 2
    assert f'href="{URL}"' in page and "2 people have no appraisal scheme" in page


def test_the_team_page_says_nothing_when_everyone_has_a_scheme(client, defaults):
    login(client, defaults.hr)
    assert URL not in client.get(reverse("kpi:team_scores")).content.decode()
