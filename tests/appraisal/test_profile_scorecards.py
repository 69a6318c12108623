"""An employee's profile lists their monthly scorecards (appraisal's section of org's page,
core/sections.py), to those who may read that person's scores."""

from django.urls import reverse

from ..conftest import login
from ..factories import ScorecardFactory


def profile(client, employee):
    return client.get(reverse("org:profile", args=[employee.pk]))


def test_hr_sees_a_technicians_scorecards_newest_first_linked_to_their_pages(client, network):
    version = ScorecardFactory(employee=network.tech, period="2026-09", final_score=71.5, grade="C").version
    ScorecardFactory(employee=network.tech, period="2026-10", final_score=88.0, grade="A", version=version)
    ScorecardFactory(employee=network.tech_colleague, period="2026-10", grade="B", version=version)
    login(client, network.hr)
    response = profile(client, network.tech)
    assert [card.period for card in response.context["scorecards"]] == ["2026-10", "2026-09"]
    html = response.content.decode()
    assert reverse("kpi:scorecard", args=[network.tech.employee_no, "2026-10"]) in html
    assert "71.50" in html


def test_a_technician_sees_his_own_scorecards_on_his_profile(client, network):
    ScorecardFactory(employee=network.tech, period="2026-10")
    login(client, network.tech)
    assert [card.period for card in profile(client, network.tech).context["scorecards"]] == ["2026-10"]


def test_a_dispatcher_sees_the_profile_but_not_the_scores(client, network):
    ScorecardFactory(employee=network.tech, period="2026-10")
    login(client, network.dispatcher)
    response = profile(client, network.tech)
    assert response.status_code == 200
    assert 'id="scorecards"' not in response.content.decode()


def test_without_scorecards_the_section_says_none_are_computed_yet(client, network):
    login(client, network.hr)
    assert 'id="scorecards"' in profile(client, network.tech).content.decode()
    assert list(profile(client, network.tech).context["scorecards"]) == []


def test_quarterly_scorecards_are_listed_and_linked_too_newest_first(client, network):
    version = ScorecardFactory(employee=network.tech, period="2026-09").version
    ScorecardFactory(employee=network.tech, period="2026-Q3", version=version)
    ScorecardFactory(employee=network.tech, period="2026-10", version=version)
    login(client, network.hr)
    response = profile(client, network.tech)
    assert [card.period for card in response.context["scorecards"]] == ["2026-10", "2026-09", "2026-Q3"]
    assert reverse("kpi:scorecard", args=[network.tech.employee_no, "2026-Q3"]) in response.content.decode()
