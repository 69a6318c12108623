"""The appraisal sections of the home page: everyone's own score of the last complete month
(and the running month's, marked provisional), and for leads, service managers and HR the
score panel of their people — grades counted with the provisional and insufficient-data
scorecards apart, each number a link to the team view filtered to it, the six-month trend
as a chart and a table, the best and weakest, and those without a scorecard."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from servicescore.appraisal.models import TemplateItem
from servicescore.appraisal.selectors.home import last_complete_month, months_up_to
from servicescore.core.periods import month_of
from servicescore.kpi.models import FactIndicator, MetricFact
from servicescore.org.models import Employee

from ..conftest import login
from ..factories import EmployeeFactory, UserFactory, employee_result
from .scorecards import english, scorecard, technician_version

pytestmark = pytest.mark.django_db
HOME = reverse("home")
TEAM = reverse("kpi:team_scores")


@pytest.fixture
def client(client):
    return english(client)


@pytest.fixture
def period():
    return last_complete_month(timezone.now())


@pytest.fixture
def version():
    version = technician_version()
    TemplateItem.objects.create(version=version, indicator="FTFR", weight=60)
    TemplateItem.objects.create(version=version, indicator="CSAT", weight=40)
    return version


@pytest.fixture
def cards(network, version, period):
    return {
        "T1": scorecard(network.tech, version, period=period, final=88.0, grade="A"),
        "T2": scorecard(network.tech_colleague, version, period=period, final=96.0, grade="S"),
        "T3": scorecard(
            network.tech_other_team, version, period=period, final=None, grade="", insufficient=True
        ),
        "A1": scorecard(network.advisor, version, period=period, final=71.0, grade="", provisional=True),
        "T4": scorecard(network.tech_sc2, version, period=period, final=60.0, grade="C"),
    }


def panel(response):
    return response.context["panel"]


def test_manager_sees_his_centres_grades_with_the_others_counted_apart(client, network, cards):
    login(client, network.manager)
    data = panel(client.get(HOME))
    assert [(row["grade"], row["count"]) for row in data["distribution"]] == [("S", 1), ("A", 1)]
    assert (data["provisional_count"], data["insufficient_count"]) == (1, 1)
    assert data["mean_final"] == pytest.approx(92.0)  # the two graded ones only


def test_each_grade_opens_the_team_view_filtered_to_it(client, network, cards, period):
    login(client, network.manager)
    row = panel(client.get(HOME))["distribution"][0]
    response = client.get(row["url"])
    assert [card.employee.employee_no for card in response.context["page_obj"]] == ["T2"]
    assert response.context["distribution"][0]["count"] == 1  # the distribution stays whole


@pytest.mark.parametrize("kind, shown", [("provisional", ["A1"]), ("insufficient", ["T3"])])
def test_counted_apart_numbers_open_the_team_view_filtered_to_them(client, network, cards, kind, shown):
    login(client, network.manager)
    url = panel(client.get(HOME))[f"{kind}_url"]
    assert [card.employee.employee_no for card in client.get(url).context["page_obj"]] == shown


def test_team_view_ignores_a_malformed_grade_filter(client, network, cards, period):
    login(client, network.manager)
    response = client.get(TEAM, {"period": period, "grade": "<script>"})
    assert response.status_code == 200
    assert response.context["grade"] == ""
    assert response.context["count"] == 4


def test_foreman_sees_only_his_team(client, network, cards):
    login(client, network.foreman)
    data = panel(client.get(HOME))
    assert [card.employee.employee_no for card in data["best"]] == ["T2", "T1"]
    assert "员工T4" not in client.get(HOME).content.decode()


def test_best_and_weakest_link_to_their_scorecards_without_repeating_anyone(client, network, cards, period):
    login(client, network.hr)
    data = panel(client.get(HOME))
    assert [card.employee.employee_no for card in data["best"]] == ["T2", "T1", "T4"]
    assert data["weakest"] == []  # three graded people: all among the best
    assert data["best"][0].url == reverse("kpi:scorecard", args=["T2", period])
    assert client.get(data["best"][0].url).status_code == 200


def test_people_without_a_scorecard_are_counted_and_named(client, network, cards):
    login(client, network.manager)
    data = panel(client.get(HOME))
    names = [person["name"] for person in data["unscored"]]
    # M1 (himself), F1, D1, CS1 have none this month
    assert data["unscored_count"] == 4 and names == ["员工CS1", "员工D1", "员工F1", "员工M1"]
    assert data["coverage_url"] == reverse("kpi_templates:coverage")


def test_trend_averages_graded_final_scores_and_the_heaviest_items_by_month(client, network, version, period):
    months = months_up_to(period, 6)
    scorecard(network.tech, version, period=months[-2], final=70.0, grade="B")
    scorecard(network.tech_colleague, version, period=months[-2], final=80.0, grade="A")
    scorecard(network.tech, version, period=period, final=90.0, grade="A")
    employee_result(employee=network.tech, period=period, indicator="FTFR", value=80.0)
    employee_result(employee=network.tech_colleague, period=period, indicator="FTFR", value=90.0)
    login(client, network.foreman)
    response = client.get(HOME)
    trend = panel(response)["trend"]
    final, ftfr, csat = trend["series"]
    assert trend["months"] == months
    assert [line["key"] for line in trend["series"]] == ["final", "FTFR", "CSAT"]  # heaviest first
    assert final["values"][-2:] == [75.0, 90.0] and final["values"][0] is None
    assert ftfr["values"][-1] == 85.0
    found = re.search(
        r'<script id="score-trend-data" type="application/json">(.*?)</script>', response.content.decode()
    )
    chart = json.loads(found[1])
    assert chart["months"] == months and chart["series"][0]["values"] == final["values"]
    assert 'data-table="home-trend"' in response.content.decode()  # the same figures as a table


def test_panel_loads_echarts_only_where_it_is_shown(client, network, cards):
    login(client, network.manager)
    assert "vendor/echarts.min.js" in client.get(HOME).content.decode()
    login(client, network.tech)
    assert "vendor/echarts.min.js" not in client.get(HOME).content.decode()


@pytest.mark.parametrize("who", ["tech", "dispatcher", "advisor", "cs_agent"])
def test_roles_without_a_team_get_no_panel(client, network, cards, who):
    login(client, getattr(network, who))
    assert "panel" not in client.get(HOME).context


def test_my_score_shows_last_months_final_score_and_grade_with_a_link(client, network, cards, period):
    login(client, network.tech)
    response = client.get(HOME)
    my = response.context["my"]
    assert my["scorecard"].final_score == 88.0 and my["scorecard"].grade == "A"
    assert reverse("kpi:scorecard", args=["T1", period]) in response.content.decode()


def test_my_score_labels_the_running_months_score_provisional(client, network, version):
    scorecard(network.tech, version, period=month_of(timezone.now()), final=77.0, grade="", provisional=True)
    login(client, network.tech)
    html = client.get(HOME).content.decode()
    assert "data-running-final>77.0<" in html and "Provisional" in html


def test_no_my_score_card_without_a_scorecard(client, network, cards):
    login(client, network.dispatcher)
    assert "my" not in client.get(HOME).context


def test_parts_manager_sees_his_figures_of_last_month(client, network, period):
    parts = EmployeeFactory(
        employee_no="P1",
        name="员工P1",
        position="parts_manager",
        org_unit=network.sc1,
        user=UserFactory(username="p1", role="parts_manager"),
    )
    scorecard(parts, technician_version(), period=period, final=80.0, grade="B")
    FactIndicator.objects.get_or_create(
        code="STOCKOUT_RATE", defaults={"name_zh": "缺货率", "name_en": "Stock-out rate", "unit": "%"}
    )
    MetricFact.objects.create(indicator="STOCKOUT_RATE", period=period, value=3.5, employee=parts)
    MetricFact.objects.create(indicator="STOCKOUT_RATE", period=period, value=9, employee=network.tech)
    login(client, parts)
    my = client.get(HOME).context["my"]
    assert [(fact["code"], str(fact["value"])) for fact in my["facts"]] == [("STOCKOUT_RATE", "3.5")]
    assert client.get(my["facts_url"]).status_code == 200


def _team(network, version, period, n):
    for i in range(n):
        person = EmployeeFactory(
            employee_no=f"X{n}-{i}", name=f"员工X{i}", position="technician", org_unit=network.t11
        )
        scorecard(person, version, period=period, final=60.0 + i % 40, grade="B")
        employee_result(employee=person, period=period, indicator="FTFR", value=80.0)


def test_panel_queries_do_not_grow_with_the_team(
    client, network, version, period, django_assert_max_num_queries
):
    login(client, network.manager)
    _team(network, version, period, 5)
    client.get(HOME)
    with django_assert_max_num_queries(25) as small:
        assert client.get(HOME).status_code == 200
    _team(network, version, period, 45)
    assert Employee.objects.filter(employee_no__startswith="X").count() == 50
    with django_assert_max_num_queries(len(small)):
        assert client.get(HOME).status_code == 200
