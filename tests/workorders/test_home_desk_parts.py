"""The parts manager's home page shows his own data (product.md, "Users and roles": own
data, "parts figures (imported)"): his scorecard and the figures imported for him, each
number a link to a page he may read — the facts list filtered to him, the indicator and the
month, or his scorecard. His service centre's parts consumption is not his data: it is
neither shown nor listed, and a colleague's fact guessed by id is 404."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from servicescore.appraisal.selectors.home import last_complete_month
from servicescore.kpi.models import FactIndicator, MetricFact
from servicescore.workorders.models import PartsLine

from ..appraisal.scorecards import english, scorecard, technician_version
from ..conftest import login
from ..factories import EmployeeFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
HOME = reverse("home")
INDICATORS = {
    "INVENTORY_ACCURACY": ("盘点准确率", "Inventory accuracy", "%"),
    "STOCKOUT_RATE": ("缺货率", "Stock-out rate", "%"),
}


@pytest.fixture
def client(client):
    return english(client)


@pytest.fixture
def period():
    return last_complete_month(timezone.now())


def parts_manager(centre, no):
    return EmployeeFactory(
        employee_no=no,
        name=f"员工{no}",
        position="parts_manager",
        org_unit=centre,
        user=UserFactory(username=no.lower(), role="parts_manager"),
    )


@pytest.fixture
def parts(network, period):
    """The parts manager P1 of SC1 with his scorecard and two facts of last month; the
    parts manager P2 of SC2 with his own fact of the same indicator and month."""
    for code, (zh, en, unit) in INDICATORS.items():
        FactIndicator.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "unit": unit})
    me = parts_manager(network.sc1, "P1")
    other = parts_manager(network.sc2, "P2")
    scorecard(me, technician_version(), period=period, final=80.0, grade="B")
    MetricFact.objects.create(indicator="STOCKOUT_RATE", period=period, value=Decimal("3.5"), employee=me)
    MetricFact.objects.create(
        indicator="INVENTORY_ACCURACY", period=period, value=Decimal("98.2"), employee=me
    )
    MetricFact.objects.create(indicator="STOCKOUT_RATE", period="2020-01", value=Decimal("7"), employee=me)
    theirs = MetricFact.objects.create(
        indicator="STOCKOUT_RATE", period=period, value=Decimal("9"), employee=other
    )
    return {"me": me, "other": other, "theirs": theirs}


def fact_links(html):
    """(href, shown value) of each of the figures' links."""
    return [
        (unescape(href), value.strip())
        for href, value in re.findall(r'<a href="([^"]+)"[^>]*data-link="fact"[^>]*>([^<]*)<', html)
    ]


def test_each_of_his_figures_opens_the_facts_list_of_exactly_that_fact(client, parts, period):
    login(client, parts["me"])
    links = fact_links(client.get(HOME).content.decode())
    assert len(links) == 2
    for href, shown in links:
        context = client.get(href).context
        assert context["count"] == 1
        (fact,) = context["page_obj"]
        assert fact.employee == parts["me"] and fact.period == period
        assert shown.startswith(fact.value_text)


def test_all_my_figures_lists_exactly_his_figures_of_the_month(client, parts):
    login(client, parts["me"])
    response = client.get(HOME)
    my = response.context["my"]
    listed = client.get(my["facts_url"]).context
    assert listed["count"] == len(my["facts"]) == 2


def test_his_score_opens_his_own_scorecard(client, parts, period):
    login(client, parts["me"])
    html = client.get(HOME).content.decode()
    found = re.search(r'<a href="([^"]+)"[^>]*data-link="score"', html)
    assert found
    response = client.get(unescape(found[1]))
    assert response.status_code == 200
    assert "P1" in response.content.decode()


def test_parts_manager_gets_404_for_a_colleagues_fact_guessed_by_id(client, parts):
    login(client, parts["me"])
    assert client.get(reverse("indicators:fact_edit", args=[parts["theirs"].pk])).status_code == 404
    assert client.get(reverse("indicators:fact_attachment", args=[parts["theirs"].pk])).status_code == 404


def test_a_colleagues_figures_filtered_by_his_number_list_nothing(client, parts, period):
    login(client, parts["me"])
    url = f"{reverse('indicators:facts')}?period={period}&indicator=STOCKOUT_RATE&q=P2"
    assert client.get(url).context["count"] == 0


def test_parts_manager_sees_no_figures_of_his_centres_parts(client, network, parts):
    done = WorkOrderFactory(
        service_center=network.sc1, technician=network.tech, state="completed", completed_at=timezone.now()
    )
    PartsLine.objects.create(
        work_order=done, part_no="F-1", name="滤芯", quantity=2, unit_price=Decimal("35.50")
    )
    login(client, parts["me"])
    response = client.get(HOME)
    assert "parts" not in response.context
    assert 'data-stat="parts-' not in response.content.decode()


def test_parts_managers_home_takes_a_bounded_number_of_queries(
    client, parts, period, django_assert_max_num_queries
):
    login(client, parts["me"])
    client.get(HOME)
    for code in ("ATTENDANCE_RATE", "TRAINING_HOURS", "TRAINING_SCORE", "INVENTORY_TURNOVER"):
        MetricFact.objects.create(indicator=code, period=period, value=Decimal("1"), employee=parts["me"])
    with django_assert_max_num_queries(10):
        response = client.get(HOME)
    assert len(fact_links(response.content.decode())) == 6
