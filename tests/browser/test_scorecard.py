"""The explainable scorecard in a real browser on a 390×844 phone screen: a technician
opens his scorecard, drills down from an item to its evidence and from the evidence to a
work order behind it. And a service manager's team view draws its grade chart."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from servicescore.appraisal.models import TemplateItem
from servicescore.kpi.services.recompute import recompute_period

from ..factories import EmployeeFactory, TemplateVersionFactory, WorkOrderFactory
from .test_work_order_flows import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CST = datetime.timezone(datetime.timedelta(hours=8))


def at(day, hour):
    return datetime.datetime(2026, 10, day, hour, tzinfo=CST)


@pytest.fixture
def october(network):
    """T1's October: three orders (two fixed first time), scored by a technician template
    through the engine; T2 and T3 scored too, so that the team view has a distribution."""
    version = TemplateVersionFactory(template__name="技师考核方案", template__position="technician")
    TemplateItem.objects.create(
        version=version,
        indicator="FTFR",
        weight=Decimal(70),
        rule="linear",
        target=Decimal(90),
        threshold=Decimal(50),
    )
    TemplateItem.objects.create(
        version=version, indicator="ON_TIME_RATE", weight=Decimal(30), rule="ratio", target=Decimal(100)
    )
    orders = []
    for n, (tech, visits, resolution) in enumerate(
        [
            (network.tech, 1, "fixed"),
            (network.tech, 2, "fixed"),
            (network.tech, 1, "fixed"),
            (network.tech_colleague, 1, "not_fixed"),
            (network.tech_other_team, 1, "fixed"),
        ],
        start=1,
    ):
        orders.append(
            WorkOrderFactory(
                service_center=network.sc1,
                technician=tech,
                state="completed",
                created_at=at(n, 8),
                completed_at=at(n, 12),
                due_at=at(n, 18),
                resolution=resolution,
                visits=visits,
                description=f"第{n}单",
            )
        )
    for n in range(6):
        EmployeeFactory(employee_no=f"X{n}", name=f"员工X{n}", position="technician", org_unit=network.t12)
    recompute_period("2026-10")
    return orders


def test_technician_drills_down_from_his_scorecard_to_a_work_order(page, live_server, network, october):
    base = live_server.url
    log_in(page, base, "t1")
    page.locator(".navbar-toggler").click()  # the phone's collapsed navigation
    # The performance menu: the scorecard and the appraisal tasks.
    page.locator("[data-nav-group=performance] .dropdown-toggle").click()
    page.locator("#main-nav a[href='/scores/']").click()
    expect(page).to_have_url(f"{base}/scores/T1/2026-10/")
    expect(page.locator("[data-final]")).to_be_visible()
    ftfr = page.locator("[data-item=FTFR]")
    expect(ftfr.locator("[data-value]")).to_contain_text("66.67")  # 2 of 3 fixed first time
    # Fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    ftfr.locator("[data-evidence-link=FTFR]").click()
    expect(page).to_have_url(f"{base}/scores/T1/2026-10/FTFR/")
    expect(page.locator("[data-figure=numerator]")).to_have_text("2")
    expect(page.locator("[data-figure=denominator]")).to_have_text("3")
    rows = page.locator("table[data-table=records] tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("tr[data-in-numerator=yes]")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls inside its card

    second = october[1]  # fixed, but in two visits: not in the numerator
    expect(page.locator(f"tr[data-record='{second.pk}']")).to_have_attribute("data-in-numerator", "no")
    page.locator(f"[data-work-order-link='{second.external_id}']").click()
    expect(page).to_have_url(f"{base}/work-orders/{second.pk}/")
    expect(page.locator("h1[data-order]")).to_have_text(second.external_id)
    expect(page.locator("body")).to_contain_text("第2单")


def test_manager_sees_the_team_with_its_grade_chart_and_sorts_it(page, live_server, network, october):
    base = live_server.url
    log_in(page, base, "m1")
    page.goto(f"{base}/scores/team/")
    chart = page.locator("[data-grade-chart]")
    expect(chart).to_have_attribute("data-rendered", "true")
    expect(chart.locator("svg")).to_have_count(1)
    expect(page.locator("table[data-table=distribution] tbody tr")).not_to_have_count(0)

    page.locator("[data-sort-link=name]").click()
    expect(page).to_have_url(f"{base}/scores/team/?sort=name")
    names = page.locator("tr[data-scorecard-row]")
    expect(names.first).to_have_attribute("data-scorecard-row", "T1")
    page.locator("[data-sort-link=name]").click()
    expect(names.first).to_have_attribute("data-scorecard-row", "X5")
