"""The home page's "My score" card for a person with imported figures but no scorecard (a
parts manager whose position no active scheme covers yet, or whose scorecard is not
computed yet): his figures of the last complete month, each a link to the facts behind it,
and a line saying why there is no score."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from servicescore.appraisal.selectors.home import last_complete_month
from servicescore.kpi.models import ComputedPeriod, FactIndicator, MetricFact

from ..conftest import login
from ..factories import EmployeeFactory, TemplateVersionFactory, UserFactory
from .scorecards import english

pytestmark = pytest.mark.django_db
HOME = reverse("home")
FACTS = reverse("indicators:facts")
COVERAGE = reverse("kpi_templates:coverage")
CODES = ["STOCKOUT_RATE", "STOCK_TURNOVER", "PARTS_ACCURACY", "FACT_D", "FACT_E"]


@pytest.fixture
def client(client):
    return english(client)


@pytest.fixture
def period():
    return last_complete_month(timezone.now())


@pytest.fixture
def parts(network):
    return EmployeeFactory(
        employee_no="P1",
        name="员工P1",
        position="parts_manager",
        org_unit=network.sc1,
        user=UserFactory(username="p1", role="parts_manager"),
    )


def figures(employee, period, count=1):
    for n, code in enumerate(CODES[:count]):
        FactIndicator.objects.get_or_create(
            code=code, defaults={"name_zh": f"指标{n}", "name_en": f"Figure {n}", "unit": "%"}
        )
        MetricFact.objects.create(indicator=code, period=period, value=3.5 + n, employee=employee)


def my_card(html):
    start = html.index('data-section-kind="my-score"')
    return html[start : html.index("</section>", start)]


def test_parts_manager_without_a_scheme_sees_his_figures_as_links(client, network, parts, period):
    figures(parts, period)
    MetricFact.objects.create(indicator="STOCKOUT_RATE", period=period, value=9, employee=network.tech)
    login(client, parts)
    html = my_card(client.get(HOME).content.decode())
    link = f"{FACTS}?period={period}&amp;indicator=STOCKOUT_RATE&amp;q=P1"
    assert f'<a href="{link}" class="text-nowrap" data-link="fact">3.50 %</a>' in html
    assert "9 %" not in html  # a colleague's figure


def test_parts_manager_without_a_scheme_is_told_no_scheme_covers_his_position(client, network, parts, period):
    figures(parts, period)
    login(client, parts)
    response = client.get(HOME)
    assert response.context["my"]["unscored"]["no_scheme"] is True
    html = my_card(response.content.decode())
    assert "data-my-no-scheme" in html
    assert "No active appraisal scheme covers your position (Parts manager) yet" in html
    assert COVERAGE not in html  # a parts manager may not open the scheme pages


def test_with_a_scheme_but_no_scorecard_the_card_says_when_figures_were_last_computed(
    client, network, parts, period
):
    TemplateVersionFactory(template__name="配件经理考核", template__position="parts_manager")
    ComputedPeriod.objects.create(
        period=period, computed_at=datetime.datetime(2026, 11, 1, 18, 30, tzinfo=datetime.UTC)
    )
    figures(parts, period)
    login(client, parts)
    response = client.get(HOME)
    assert response.context["my"]["unscored"]["no_scheme"] is False
    html = my_card(response.content.decode())
    assert "data-my-not-computed" in html and "data-my-no-scheme" not in html
    assert f"Your scorecard for {period} has not been computed yet." in html
    assert "Figures last computed 2026-11-02 02:30" in html


def test_a_scheme_of_a_unit_above_him_counts_as_his_scheme(client, network, parts, period):
    TemplateVersionFactory(
        template__name="配件经理考核", template__position="parts_manager", template__org_unit=network.sc1
    )
    figures(parts, period)
    login(client, parts)
    html = my_card(client.get(HOME).content.decode())
    assert "Figures not computed yet" in html and "data-my-no-scheme" not in html


def test_a_scheme_of_another_centre_is_not_his_scheme(client, network, parts, period):
    TemplateVersionFactory(
        template__name="配件经理考核", template__position="parts_manager", template__org_unit=network.sc2
    )
    figures(parts, period)
    login(client, parts)
    assert "data-my-no-scheme" in my_card(client.get(HOME).content.decode())


def test_no_figures_and_no_scorecard_still_shows_no_card(client, network, parts):
    login(client, parts)
    assert "my" not in client.get(HOME).context


def test_figures_of_another_month_are_not_shown(client, network, parts, period):
    figures(parts, "2020-01")
    login(client, parts)
    assert "my" not in client.get(HOME).context


def test_the_card_takes_the_same_queries_however_many_figures(
    client, network, parts, period, django_assert_max_num_queries
):
    figures(parts, period, count=1)
    login(client, parts)
    client.get(HOME)
    with django_assert_max_num_queries(14) as few:
        assert client.get(HOME).status_code == 200
    MetricFact.objects.all().delete()
    figures(parts, period, count=5)
    with django_assert_max_num_queries(len(few)):
        response = client.get(HOME)
    assert len(response.context["my"]["facts"]) == 5


def test_hr_without_a_scheme_gets_a_link_to_the_scheme_coverage(client, network, period):
    figures(network.hr, period)
    login(client, network.hr)
    html = my_card(client.get(HOME).content.decode())
    assert "No active appraisal scheme covers your position (HR) yet" in html
    assert f'href="{COVERAGE}"' in html
