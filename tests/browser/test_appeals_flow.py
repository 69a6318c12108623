"""An appeal in a real browser on a 390×844 phone screen: the technician appeals one item
of his published result from the evaluation page, with a PDF; HR opens the appeal from the
queue, leaves out the work order that was not his fault and gives the reason; the
technician sees the decision, the reason and the exclusion, and the new score."""

import pytest
from playwright.sync_api import expect

from servicescore.appraisal.models import Evaluation
from servicescore.workorders.models import WorkOrder

from ..appraisal import appeals as setup
from .test_work_order_flows import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_technician_appeals_one_item_and_hr_excludes_a_work_order(
    page, live_server, october, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    evaluation = setup.publish(october)
    before = evaluation.final_score
    not_fixed = WorkOrder.objects.get(technician=october.tech, resolution="not_fixed")
    base = live_server.url
    evidence = tmp_path / "配件单.pdf"
    evidence.write_bytes(b"%PDF-1.4\n%parts note\n")

    log_in(page, base, "t1")
    page.goto(f"{base}/appraisal/evaluations/{evaluation.pk}/")
    panel = page.locator("[data-appeal-panel]")
    panel.locator("[data-appeal-form] summary").click()
    panel.locator("input[name=indicators][value=FTFR]").check()
    panel.locator("textarea[name=reason]").fill("10月3日的工单是等配件，不是维修质量问题。")
    panel.locator("input[name=files]").set_input_files(str(evidence))
    panel.locator("[data-action=appeal]").click()
    expect(page.locator("[data-appeal-state=open]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.context.clear_cookies()
    log_in(page, base, "h1")
    page.goto(f"{base}/appraisal/appeals/")
    page.locator("[data-table=appeal-queue] a").first.click()
    expect(page.locator("[data-evidence]")).to_have_count(1)
    page.locator(f"input[name=exclude][value='FTFR:{not_fixed.pk}']").check()
    page.fill("#exclusion-reason", "等配件")
    page.fill("#decision-reason", "配件短缺不计入首次修复率。")
    page.locator("[data-action=adjust]").click()
    expect(page.locator("[data-appeal-state=adjusted]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.context.clear_cookies()
    log_in(page, base, "t1")
    page.goto(f"{base}/appraisal/evaluations/{evaluation.pk}/")
    panel = page.locator("[data-appeal-panel]")
    expect(panel.locator("[data-decision=adjusted]")).to_contain_text("配件短缺不计入首次修复率。")
    expect(panel.locator(f"[data-exclusion='FTFR:{not_fixed.external_id}']")).to_be_visible()
    after = Evaluation.objects.get(pk=evaluation.pk)
    assert after.figures["FTFR"] == [100.0, 1, 1, 1]
    assert after.final_score > before
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
