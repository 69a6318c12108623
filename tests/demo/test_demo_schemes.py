"""The demo gives every position data for its scheme: after a build, everyone has a
scorecard for the last complete month, with a score (not "insufficient data"); people
whose scheme has manual items are rated by their manager, as the KPI library asks."""

import dataclasses
import datetime

import pytest

from servicescore.appraisal.models import Scorecard
from servicescore.demo.builder import build_demo
from servicescore.demo.config import SCALES
from servicescore.kpi.models import ManualRating
from servicescore.kpi.services.recompute import recompute_period
from servicescore.org.models import Employee, Position

pytestmark = pytest.mark.django_db
ANCHOR = datetime.date(2026, 3, 15)
LAST_COMPLETE = "2026-02"
# The small demo with one month of history: February complete, March running.
SHORT = dataclasses.replace(SCALES["small"], history_months=1)


@pytest.fixture
def demo():
    build_demo(SHORT, seed=7, anchor=ANCHOR)
    if not Scorecard.objects.filter(period=LAST_COMPLETE).exists():  # a build without scores
        recompute_period(LAST_COMPLETE)


def test_every_demo_employee_has_a_scored_card_for_the_last_complete_month(demo):
    people = dict(Employee.objects.values_list("employee_no", "position"))
    assert set(people.values()) == set(Position.values)
    cards = Scorecard.objects.filter(period=LAST_COMPLETE)
    scored = dict(cards.values_list("employee__employee_no", "final_score"))
    assert sorted(set(people) - set(scored)) == []
    assert sorted(no for no, score in scored.items() if score is None) == []
    assert not cards.filter(insufficient_data=True).exists()


def test_the_demo_rates_manual_items_by_the_persons_manager_with_the_comment_rules(demo):
    ratings = ManualRating.objects.filter(period=LAST_COMPLETE).select_related("employee")
    assert ratings.exists()
    assert all(r.reviewer_id == r.employee.manager_id for r in ratings)
    assert all(1 <= r.rating <= 5 for r in ratings)
    assert all(r.comment for r in ratings if r.rating < 3 or r.rating == 5)
    assert not ratings.filter(rating__in=[3, 4]).exclude(comment="").exists()
    assert not ManualRating.objects.filter(period="2026-03").exists()  # the running month


def test_a_foreman_is_scored_on_his_teams_figures(demo):
    card = Scorecard.objects.filter(period=LAST_COMPLETE, employee__position="foreman").first()
    csat = next(line for line in card.items if line["indicator"] == "CSAT")
    assert csat["source"] == "unit" and csat["sample"] > 0
