"""The demo's appraisal cycles: after `servicescore demo` a newcomer finds a published
cycle for the month before the last complete one, and the last complete month's cycle in
self review with the demo technician's self review on his to-do list."""

import dataclasses
import datetime

import pytest

from servicescore.appraisal.models import Cycle, Evaluation, EvaluationChange
from servicescore.appraisal.selectors.reviews import todo_for
from servicescore.core.models import User
from servicescore.demo.builder import build_demo
from servicescore.demo.config import SCALES

pytestmark = pytest.mark.django_db
ANCHOR = datetime.date(2026, 4, 10)
# Two complete months (February, March) and the running April.
SHORT = dataclasses.replace(SCALES["small"], history_months=2)


@pytest.fixture
def report():
    return build_demo(SHORT, seed=7, anchor=ANCHOR)


def test_the_demo_leaves_one_cycle_published_and_the_next_in_self_review(report):
    assert report.cycles == {"2026-02": Cycle.Stage.PUBLISHED, "2026-03": Cycle.Stage.SELF_REVIEW}
    published = Evaluation.objects.filter(cycle__period="2026-02")
    assert published.exists() and not published.exclude(state=Evaluation.State.PUBLISHED).exists()
    assert not published.filter(final_score__isnull=True).exists()
    assert not published.filter(rank_in_position__isnull=True).exists()


def test_every_step_of_the_demo_cycles_is_recorded(report):
    evaluation = Evaluation.objects.get(cycle__period="2026-02", employee__user__username="tech")
    kinds = set(EvaluationChange.objects.filter(evaluation=evaluation).values_list("kind", flat=True))
    assert {EvaluationChange.Kind.FREEZE, EvaluationChange.Kind.STAGE} <= kinds


def test_the_demo_technician_finds_his_self_review_waiting(report):
    tech = User.objects.get(username="tech")
    mine = Evaluation.objects.get(cycle__period="2026-03", employee__user=tech)
    assert mine.state == Evaluation.State.SELF_REVIEW
    assert Evaluation.objects.filter(cycle__period="2026-03", state=Evaluation.State.MANAGER_REVIEW).exists()
    urls = {task.url for task in todo_for(tech)}
    assert f"/appraisal/evaluations/{mine.pk}/" in urls
