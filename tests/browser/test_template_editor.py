"""The appraisal-template editor in a real browser: a manager opens a new draft of his
centre's active technician template, the weight sum follows his typing (red unless exactly 100),
he adds an item with a band table, removes and restores one, previews and saves."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from servicescore.appraisal.models import Template, TemplateItem, TemplateVersion

from .test_work_order_flows import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_manager_edits_a_draft_with_a_live_weight_sum_adds_an_item_and_saves(desk, live_server, network):
    # His centre's template: a company-wide one is HR's (tests/appraisal/test_template_rights.py).
    template = Template.objects.create(
        code="TECH", name="技师方案", position="technician", org_unit=network.sc1
    )
    active = TemplateVersion.objects.create(template=template, number=1, status="active")
    TemplateItem.objects.create(version=active, order=0, indicator="CSAT", weight=60, target=95, threshold=70)
    TemplateItem.objects.create(version=active, order=1, indicator="FTFR", weight=40, target=95, threshold=70)
    page, base = desk, live_server.url

    log_in(page, base, "m1")
    page.goto(f"{base}/appraisal-templates/")
    page.locator("tr[data-template=TECH] [data-action=edit]").click()
    expect(page.locator("[data-version]")).to_have_attribute("data-version", "2")
    total = page.locator("[data-weight-sum]")
    expect(total).to_have_text("100")
    expect(total).to_have_class(re.compile(r"text-success"))
    expect(page.locator("#template-preview[data-preview]")).to_be_visible()  # loaded by htmx

    rows = page.locator("#item-rows [data-item-row]")
    page.fill("#id_items-0-weight", "5")
    expect(total).to_have_text("45")
    page.fill("#id_items-0-weight", "50")  # as the user types
    expect(total).to_have_text("90")
    expect(total).to_have_class(re.compile(r"text-danger"))

    page.locator("[data-add-item]").click()
    expect(rows).to_have_count(3)
    new = rows.nth(2)
    expect(new.locator("[data-row-number]")).to_have_text("3")
    new.locator("[data-indicator]").select_option("ON_TIME_RATE")
    new.locator("[data-weight]").fill("10")
    expect(total).to_have_text("100")
    expect(total).to_have_class(re.compile(r"text-success"))

    # A band table instead of a line: two bands, no gap.
    new.locator("[data-rule]").select_option("bands")
    expect(new.locator("input[name$='-target']")).to_be_hidden()
    bands = new.locator(".ss-band-table tbody tr")
    expect(bands).to_have_count(1)
    bands.nth(0).locator("input").nth(1).fill("80")
    bands.nth(0).locator("input").nth(2).fill("0")
    new.locator("[data-add-band]").click()
    bands.nth(1).locator("input").nth(0).fill("80")
    bands.nth(1).locator("input").nth(2).fill("100")

    # Removing an item takes its weight out of the sum; restoring it puts it back.
    rows.nth(1).locator("[data-delete]").check()
    expect(total).to_have_text("60")
    rows.nth(1).locator("[data-delete]").uncheck()
    expect(total).to_have_text("100")

    page.locator("[data-action=preview]").click()
    expect(page.locator("#template-preview[data-preview]")).to_be_visible()

    page.locator("[data-action=save]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    draft = template.versions.get(number=2)
    items = list(draft.items.order_by("order").values_list("indicator", "weight", "rule", "bands"))
    assert items == [
        ("CSAT", Decimal("50"), "linear", []),
        ("FTFR", Decimal("40"), "linear", []),
        (
            "ON_TIME_RATE",
            Decimal("10"),
            "bands",
            [{"from": None, "to": 80, "points": 0}, {"from": 80, "to": None, "points": 100}],
        ),
    ]
    assert draft.status == "draft" and active.items.get(indicator="CSAT").weight == 60

    # The saved page opens with the band table rebuilt from the saved bands.
    saved = page.locator("#item-rows [data-item-row]").nth(2)
    expect(saved.locator(".ss-band-table tbody tr")).to_have_count(2)
    expect(total).to_have_text("100")
