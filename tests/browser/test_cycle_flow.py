"""A whole monthly appraisal cycle in a real browser, on the small demo (issue 18, "Done
means"), with the demo accounts that make the story true:

- `manager` (张春梅, service manager of 上海浦东服务中心) creates the cycle for August over
  his centre's mechanics team (上海浦东机电组, technicians), opens it, freezes it and moves
  it on;
- `tech` (姜琳, technician in that team) signs off his targets, writes his self review,
  appeals one KPI item after publication and finally reads the new score and the reason;
- `foreman` (王玉梅, the team's foreman) is the technician's reviewer by the reviewer rule
  (his manager), so she writes the manager review;
- `hr` (李敏) calibrates the technician's reviewed part, publishes, and decides the appeal
  (not the original reviewer), leaving out one work order behind the item.

The team's other technician does his own steps in the background through the services (he
has no part in the story, but the cycle waits for him at every stage).

The demo is pinned to 2026-11-01 so its months (May to October) are complete and computed.
The demo builds its own cycles on its last two complete months; this one is for August, a
period none of them covers, so nothing here depends on them. The technician's pages are
checked for horizontal overflow on the 390 px phone screen the test runs in.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

from servicescore.appraisal.models import Appeal, Cycle, Evaluation
from servicescore.appraisal.people_scoring import active_versions
from servicescore.appraisal.services import reviews
from servicescore.demo.builder import build_demo
from servicescore.demo.people import DEMO_PASSWORD
from servicescore.org.models import Employee, OrgUnit, Position
from servicescore.workorders.models import WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANCHOR = datetime.date(2026, 11, 1)
PERIOD = "2026-08"
CYCLE_NAME = "机电组 2026年8月月度考核"
TEAM = "上海浦东机电组"
MANUAL = "COMPLIANCE"  # service compliance, rated 1–5 by the person and the reviewer
APPEALED = "FTFR"  # first-time fix rate: a not-fixed work order counts against the technician
CALIBRATION_REASON = "与同组对比，现场服务规范表现更好，上调评价部分。"
APPEAL_REASON = "8月这张工单是客户车辆等配件，未修复不是我的维修质量问题。"
EXCLUSION_REASON = "配件短缺，非维修质量问题"
DECISION_REASON = "核实为等配件，该工单不计入首次修复率。"
SCREENSHOTS = settings.VAR_DIR / "screenshots" / "cycle-flow"
NO_OVERFLOW_JS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def demo(transactional_db):
    build_demo("small", anchor=ANCHOR, scores=True)
    # The technicians' default scheme (TECH-NEV) has the manual item the reviews rate.
    technician_items = active_versions()[(Position.TECHNICIAN, None)].items.all()
    assert MANUAL in {item.indicator for item in technician_items}


def log_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def fits_the_phone(page, name):
    """The technician's page fits the 390 px phone screen; its screenshot is kept under
    var/screenshots/cycle-flow/ (CI keeps var/ as artefacts)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    assert page.evaluate(NO_OVERFLOW_JS), f"{page.url} is wider than the 390 px screen"


def label(choice) -> str:
    """A model choice's label as the Chinese UI shows it."""
    with translation.override("zh-hans"):
        return str(choice.label)


def move(page, base, cycle, action, stage):
    """On the cycle page, press the move `action` and see the cycle at `stage`."""
    page.goto(f"{base}/appraisal/cycles/{cycle.pk}/")
    page.locator(f"[data-move='{action}']").click()
    expect(page.locator("[data-stage]").first).to_have_attribute("data-stage", stage)
    expect(page.locator("[data-stage]").first).to_have_text(label(Cycle.Stage(stage)))


def rate(form, value, comment=""):
    """Rate the manual item of a review form 1–5, with a comment (needed below 3 and at 5)."""
    cell = form.locator(f"[data-cell={MANUAL}]")
    cell.locator(f"label:text-is('{value}')").click()
    if comment:
        cell.locator(f"input[name='comment:{MANUAL}']").fill(comment)


def colleague_does_his_step(cycle, technician):
    """The team's other technician (and his reviewer, for the review) do their step of the
    cycle's current stage through the services, as they would on their own pages."""
    for ev in (
        Evaluation.objects.filter(cycle=cycle)
        .exclude(employee=technician)
        .select_related("employee__user", "reviewer__user", "cycle", "version")
    ):
        codes = [item.indicator for item in reviews.manual_items(ev)]
        ratings = [reviews.ReviewRating(code, 4, "") for code in codes]
        if ev.state == Evaluation.State.TARGETS:
            reviews.targets_sign(evaluation=ev, by=ev.employee.user, revision=ev.revision)
        elif ev.state == Evaluation.State.SELF_REVIEW:
            reviews.self_review_save(
                evaluation=ev,
                by=ev.employee.user,
                revision=ev.revision,
                ratings=ratings,
                comment="按计划完成。",
                submit=True,
            )
        elif ev.state == Evaluation.State.MANAGER_REVIEW:
            reviews.manager_review_save(
                evaluation=ev,
                by=ev.reviewer.user,
                revision=ev.revision,
                ratings=ratings,
                comment="表现稳定。",
                submit=True,
            )


def test_a_monthly_cycle_runs_from_creation_to_an_appeal_that_changes_the_technicians_score(
    page, live_server, demo
):
    base = live_server.url
    tech = Employee.objects.get(user__username="tech")
    foreman = Employee.objects.get(user__username="foreman")
    team = OrgUnit.objects.get(name=TEAM)
    assert tech.org_unit_id == team.pk and tech.manager_id == foreman.pk

    # 1. The manager creates the August cycle over his mechanics team's technicians and opens it.
    log_in(page, base, "manager")
    page.goto(f"{base}/appraisal/cycles/new/")
    form = page.locator("[data-form=new-cycle]")
    form.locator("#id_name").fill(CYCLE_NAME)
    form.locator("#id_kind").select_option(Cycle.Kind.MONTH)
    form.locator("#id_period").fill(PERIOD)
    form.locator("#id_units").select_option(str(team.pk))
    form.locator("input[name=positions][value=technician]").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/appraisal/cycles/\d+/$"))
    cycle = Cycle.objects.get(name=CYCLE_NAME)
    assert page.url == f"{base}/appraisal/cycles/{cycle.pk}/"
    expect(page.locator("[data-stage]").first).to_have_text(label(Cycle.Stage.DRAFT))
    expect(page.locator("[data-board-total]")).to_have_attribute("data-board-total", "2")
    move(page, base, cycle, "open", Cycle.Stage.TARGETS)
    evaluation = Evaluation.objects.get(cycle=cycle, employee=tech)
    assert evaluation.reviewer_id == foreman.pk

    # 2. The technician finds the step in his appraisal tasks, opens it, signs off the targets.
    log_in(page, base, "tech")
    page.goto(f"{base}/appraisal/todo/")
    fits_the_phone(page, "1-todo")
    page.locator("[data-task=targets]", has_text=CYCLE_NAME).click()
    expect(page).to_have_url(f"{base}/appraisal/evaluations/{evaluation.pk}/")
    expect(page.locator("[data-state]")).to_have_text(label(Evaluation.State.TARGETS))
    expect(page.locator(f"[data-target-row={APPEALED}]")).to_be_visible()
    fits_the_phone(page, "2-targets")
    page.locator("[data-sign]").click()
    expect(page.locator("[data-signed]")).to_be_visible()
    expect(page.locator("[data-sign]")).to_have_count(0)
    colleague_does_his_step(cycle, tech)

    # 3. The manager freezes the August figures: self reviews start.
    log_in(page, base, "manager")
    move(page, base, cycle, "freeze", Cycle.Stage.SELF_REVIEW)

    # 4. The technician rates his manual items (a 5 needs its comment) and submits.
    log_in(page, base, "tech")
    page.goto(f"{base}/appraisal/todo/")
    page.locator("[data-task=self_review]", has_text=CYCLE_NAME).click()
    expect(page.locator("[data-state]")).to_have_text(label(Evaluation.State.SELF_REVIEW))
    expect(page.locator("[data-final]")).not_to_be_empty()
    fits_the_phone(page, "3-self-review")
    self_form = page.locator("[data-self-review-form]")
    # A 5 without its comment is refused, on the item, and nothing is submitted.
    rate(self_form, "5")
    self_form.locator("[data-submit]").click()
    expect(page.locator(f"[data-self-review-form] [data-cell={MANUAL}] [data-error]")).to_be_visible()
    fits_the_phone(page, "4-self-review-refused")
    self_form = page.locator("[data-self-review-form]")
    rate(self_form, "5", "本月客户表扬两次，主动做了车间5S整理。")
    self_form.locator("#self-comment").fill("八月按计划完成维修任务，九月提升首次修复率。")
    self_form.locator("[data-submit]").click()
    expect(page.locator("[data-self-review-form]")).to_have_count(0)
    fits_the_phone(page, "5-self-review-sent")
    colleague_does_his_step(cycle, tech)

    # The manager moves the cycle on to the manager reviews.
    log_in(page, base, "manager")
    move(page, base, cycle, f"advance:{Cycle.Stage.MANAGER_REVIEW}", Cycle.Stage.MANAGER_REVIEW)

    # 5. The technician's reviewer, the foreman, submits her review with ratings and a comment.
    log_in(page, base, "foreman")
    page.goto(f"{base}/appraisal/evaluations/{evaluation.pk}/")
    review_form = page.locator("[data-review-form]")
    rate(review_form, "4")
    review_form.locator("#review-comment").fill("技术扎实，继续保持，注意一次修复。")
    review_form.locator("[data-submit]").click()
    expect(page.locator("[data-review-form]")).to_have_count(0)
    expect(page.locator("[data-manager-comment]")).to_contain_text("技术扎实")
    colleague_does_his_step(cycle, tech)

    # 6. Straight to calibration (no 360° feedback this month); HR raises the technician's
    #    reviewed part with a reason and publishes.
    log_in(page, base, "manager")
    move(page, base, cycle, f"advance:{Cycle.Stage.CALIBRATION}", Cycle.Stage.CALIBRATION)
    log_in(page, base, "hr")
    page.goto(f"{base}/appraisal/cycles/{cycle.pk}/calibration/")
    page.locator(f"tr[data-evaluation='{evaluation.pk}'] a").click()
    before = float(page.locator("[data-final]").inner_text())
    page.fill("#calibration-adjustment", "1")
    page.fill("#calibration-reason", CALIBRATION_REASON)
    page.locator("[data-calibration-form] button[type=submit]").click()
    expect(page).to_have_url(f"{base}/appraisal/cycles/{cycle.pk}/calibration/")
    page.locator(f"tr[data-evaluation='{evaluation.pk}'] a").click()
    expect(page.locator("[data-adjustment]")).to_have_text("1.00")
    expect(page.locator("[data-table=changes]")).to_contain_text(CALIBRATION_REASON)
    assert float(page.locator("[data-final]").inner_text()) == pytest.approx(before + 1)
    move(page, base, cycle, "publish", Cycle.Stage.PUBLISHED)

    # 7. The technician reads his published result and appeals the first-time fix rate.
    log_in(page, base, "tech")
    page.goto(f"{base}/appraisal/todo/")
    page.locator("[data-task=confirm]", has_text=CYCLE_NAME).click()
    expect(page.locator("[data-state]")).to_have_text(label(Evaluation.State.PUBLISHED))
    published = float(page.locator("[data-final]").inner_text())
    fits_the_phone(page, "6-published")
    panel = page.locator("[data-appeal-panel]")
    panel.locator("[data-appeal-form] summary").click()
    panel.locator(f"input[name=indicators][value={APPEALED}]").check()
    panel.locator("textarea[name=reason]").fill(APPEAL_REASON)
    panel.locator("[data-action=appeal]").click()
    expect(page.locator("[data-appeal-state=open]")).to_be_visible()
    fits_the_phone(page, "7-appealed")

    # 8. The foreman who reviewed him may not decide the appeal; HR opens it from the queue
    #    and leaves out one not-fixed August work order behind the item, with the reason.
    not_fixed = (
        WorkOrder.objects.filter(
            technician=tech,
            resolution="not_fixed",
            completed_at__gte=datetime.datetime(2026, 8, 2, tzinfo=datetime.UTC),
            completed_at__lt=datetime.datetime(2026, 8, 30, tzinfo=datetime.UTC),
        )
        .order_by("completed_at")
        .first()
    )
    assert not_fixed is not None, "the demo technician has a not-fixed work order in August"
    appeal = Appeal.objects.get(evaluation=evaluation)
    log_in(page, base, "foreman")
    response = page.goto(f"{base}/appraisal/appeals/{appeal.pk}/")
    assert response.status in (200, 404)
    expect(page.locator("[data-form=adjust]")).to_have_count(0)
    log_in(page, base, "hr")
    page.goto(f"{base}/appraisal/appeals/")
    page.locator(f"[data-table=appeal-queue] a[data-appeal='{appeal.pk}']").click()
    expect(page.locator(f"section[data-item={APPEALED}]")).to_be_visible()
    page.locator(f"input[name=exclude][value='{APPEALED}:{not_fixed.pk}']").check()
    page.fill("#exclusion-reason", EXCLUSION_REASON)
    page.fill("#decision-reason", DECISION_REASON)
    page.locator("[data-action=adjust]").click()
    expect(page.locator("[data-appeal-state=adjusted]")).to_be_visible()

    # 9. The technician sees the decision, its reason, the work order left out and why, and
    #    his higher score.
    log_in(page, base, "tech")
    page.goto(f"{base}/appraisal/evaluations/{evaluation.pk}/")
    panel = page.locator("[data-appeal-panel]")
    expect(panel.locator("[data-decision=adjusted]")).to_contain_text(DECISION_REASON)
    exclusion = panel.locator(f"[data-exclusion='{APPEALED}:{not_fixed.external_id}']")
    expect(exclusion).to_contain_text(EXCLUSION_REASON)
    expect(page.locator("[data-final]")).not_to_have_text(f"{published:.2f}")
    assert float(page.locator("[data-final]").inner_text()) > published
    fits_the_phone(page, "8-adjusted")
