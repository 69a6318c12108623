"""The team view: the scorecards of the people in the user's scope, sortable, with the
grade distribution (chart and table); leads, managers, HR and admin only; bad input and a
query count that does not grow with the team."""

import json

import pytest
from django.urls import reverse

from servicescore.appraisal.selectors.team import TEAM_PER_PAGE

from ..conftest import login
from ..factories import EmployeeFactory
from .scorecards import english, scorecard, technician_version

pytestmark = pytest.mark.django_db
TEAM = reverse("kpi:team_scores")


@pytest.fixture
def client(client):
    return english(client)


@pytest.fixture
def cards(network):
    version = technician_version()
    return {
        "T1": scorecard(network.tech, version, final=88.0, grade="A", adjustment=2.0, base=86.0),
        "T2": scorecard(network.tech_colleague, version, final=96.0, grade="S"),
        "T3": scorecard(network.tech_other_team, version, final=72.5, grade="B", vetoed=False),
        "T4": scorecard(network.tech_sc2, version, final=91.0, grade="A"),
        "A1": scorecard(network.advisor, version, final=99.0, grade="D", vetoed=True),
        "OLD": scorecard(network.tech, version, period="2026-09", final=50.0, grade="D"),
    }


def listed(response):
    return [card.employee.employee_no for card in response.context["page_obj"]]


def test_manager_sees_his_centre_only(client, network, cards):
    login(client, network.manager)
    response = client.get(TEAM)
    assert response.status_code == 200
    assert response.context["period"] == "2026-10"  # the newest period by default
    assert sorted(listed(response)) == ["A1", "T1", "T2", "T3"]
    assert "员工T4" not in response.content.decode()


def test_hr_and_regional_manager_see_everyone_below_them(client, network, cards):
    for viewer in (network.hr, network.regional_manager, network.auditor):
        login(client, viewer)
        assert sorted(listed(client.get(TEAM))) == ["A1", "T1", "T2", "T3", "T4"]


def test_foreman_sees_his_team(client, network, cards):
    login(client, network.foreman)
    assert sorted(listed(client.get(TEAM))) == ["T1", "T2"]


def test_self_only_roles_go_to_their_own_scorecard(client, network, cards):
    for person in (network.tech, network.advisor, network.cs_agent):
        login(client, person)
        response = client.get(TEAM, {"period": "2026-10"})
        assert response.status_code == 302 and response["Location"] == reverse("kpi:my_scorecard")


def test_dispatcher_sees_no_team_scores(client, network, cards):
    """A dispatcher sees his centre's work orders, not its people's scores."""
    login(client, network.dispatcher)
    assert client.get(TEAM).status_code == 404
    assert client.get(reverse("kpi:scorecard", args=["T1", "2026-10"])).status_code == 404


def test_sorted_by_final_score_best_first_vetoed_shown(client, network, cards):
    login(client, network.manager)
    response = client.get(TEAM)
    assert listed(response) == ["A1", "T2", "T1", "T3"]
    html = response.content.decode()
    assert html.count("Vetoed</span>") == 1
    assert f'href="{reverse("kpi:scorecard", args=["T1", "2026-10"])}"' in html


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("name", ["A1", "T1", "T2", "T3"]),  # 员工A1, 员工T1 …
        ("-name", ["T3", "T2", "T1", "A1"]),
        ("final", ["T3", "T1", "T2", "A1"]),
        ("grade", ["T2", "T1", "T3", "A1"]),  # S, A, B, D
        ("-adjustment", ["T1", "A1", "T2", "T3"]),
        ("vetoed", ["T1", "T2", "T3", "A1"]),
        ("position", ["A1", "T1", "T2", "T3"]),  # service_advisor before technician
        ("nonsense", ["A1", "T2", "T1", "T3"]),  # an unknown sort is the default
        ("-", ["A1", "T2", "T1", "T3"]),
    ],
)
def test_every_column_sorts(client, network, cards, sort, expected):
    login(client, network.manager)
    assert listed(client.get(TEAM, {"sort": sort})) == expected


def test_sort_by_centre(client, network, cards):
    login(client, network.hr)
    rows = client.get(TEAM, {"sort": "centre"}).context["page_obj"]
    assert [card.centre_name for card in rows] == ["上海浦东服务中心"] * 4 + ["杭州服务中心"]


def test_sort_links_toggle_and_keep_the_filters(client, network, cards):
    login(client, network.manager)
    response = client.get(TEAM, {"sort": "final", "org_unit": network.t11.pk, "period": "2026-10"})
    links = response.context["sort_links"]
    assert links["final"]["direction"] == "asc" and "sort=-final" in links["final"]["url"]
    assert f"org_unit={network.t11.pk}" in links["name"]["url"] and "sort=name" in links["name"]["url"]
    assert "sort=-base" in links["base"]["url"]  # scores sort best first on the first click


def test_grade_distribution_as_chart_data_and_table(client, network, cards):
    login(client, network.manager)
    response = client.get(TEAM)
    assert response.context["distribution"] == [
        {"grade": "S", "count": 1},
        {"grade": "A", "count": 1},
        {"grade": "B", "count": 1},
        {"grade": "D", "count": 1},
    ]
    html = response.content.decode()
    chart = json.loads(
        html.split('<script id="grade-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert chart["grades"] == ["S", "A", "B", "D"] and chart["counts"] == [1, 1, 1, 1]
    # the same figures as a table, each grade a link to its scorecards
    assert (
        'data-grade="S"><td><a href="?period=2026-10&amp;grade=S">S</a></td><td class="text-end">1</td>'
        in html
    )
    assert "vendor/echarts.min.js" in html
    assert response.context["vetoed_count"] == 1
    assert response.context["mean_final"] == pytest.approx((88 + 96 + 72.5 + 99) / 4)


def test_org_unit_narrows_to_its_subtree(client, network, cards):
    login(client, network.manager)
    assert sorted(listed(client.get(TEAM, {"org_unit": network.t12.pk}))) == ["T3"]
    assert sorted(listed(client.get(TEAM, {"org_unit": network.sc1.pk}))) == ["A1", "T1", "T2", "T3"]


@pytest.mark.parametrize("org_unit", ["abc", "99999999", "-1", "1.5"])
def test_unknown_org_unit_is_404(client, network, cards, org_unit):
    login(client, network.manager)
    assert client.get(TEAM, {"org_unit": org_unit}).status_code == 404


def test_org_unit_out_of_scope_is_404(client, network, cards):
    login(client, network.manager)
    assert client.get(TEAM, {"org_unit": network.sc2.pk}).status_code == 404
    login(client, network.foreman)
    assert client.get(TEAM, {"org_unit": network.t12.pk}).status_code == 404


def test_an_older_period_and_a_period_without_scorecards(client, network, cards):
    login(client, network.manager)
    response = client.get(TEAM, {"period": "2026-09"})
    assert listed(response) == ["T1"] and response.context["periods"] == ["2026-10", "2026-09"]
    response = client.get(TEAM, {"period": "2025-01"})
    assert response.status_code == 200 and listed(response) == []
    assert "No scorecards to show." in response.content.decode()


def test_a_team_without_any_scorecard(client, network):
    login(client, network.manager)
    response = client.get(TEAM)
    assert response.status_code == 200 and response.context["period"] is None
    assert "No scorecards have been computed for your team yet." in response.content.decode()


@pytest.mark.parametrize("period", ["2026-13", "2026-00", "x"])
def test_malformed_period_gets_a_clear_message(client, network, cards, period):
    login(client, network.manager)
    response = client.get(TEAM, {"period": period})
    assert response.status_code == 400
    assert (
        "is not a period: use YYYY-MM (e.g. 2026-10) or YYYY-Qn (e.g. 2026-Q4)." in response.content.decode()
    )


def test_the_team_is_paginated(client, network, cards):
    version = cards["T1"].version
    for n in range(TEAM_PER_PAGE):
        scorecard(
            EmployeeFactory(employee_no=f"N{n:03d}", position="technician", org_unit=network.t11),
            version,
            final=float(n),
        )
    login(client, network.manager)
    first = client.get(TEAM)
    assert len(first.context["page_obj"]) == TEAM_PER_PAGE and first.context["count"] == TEAM_PER_PAGE + 4
    assert len(client.get(TEAM, {"page": 2}).context["page_obj"]) == 4
    assert client.get(TEAM, {"page": "last-one"}).status_code == 200


@pytest.mark.parametrize("viewer", ["manager", "foreman", "hr"])
def test_team_view_query_count_does_not_grow_with_the_team(
    client, network, cards, django_assert_num_queries, viewer
):
    version = cards["T1"].version

    def add(n, start):
        for i in range(start, start + n):
            unit = network.t11 if i % 2 else network.t12
            scorecard(
                EmployeeFactory(employee_no=f"N{i:03d}", position="technician", org_unit=unit),
                version,
                final=float(i % 100),
                grade="ABCDS"[i % 5],
                vetoed=i % 7 == 0,
            )

    add(3, 0)
    login(client, getattr(network, viewer))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        before = client.get(TEAM, {"sort": "centre"})
    add(30, 100)
    with django_assert_num_queries(len(few)):
        after = client.get(TEAM, {"sort": "centre"})
    assert after.context["count"] == before.context["count"] + (30 if viewer != "foreman" else 15)
