"""The demo's anchor date, the pace of its latest month and the scores it leaves behind."""

import dataclasses
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from servicescore.appraisal.models import Scorecard
from servicescore.core.periods import parse_period
from servicescore.demo.builder import build_demo, digest
from servicescore.demo.config import SCALES
from servicescore.kpi.models import ComputedPeriod, RecomputeRequest
from servicescore.org.models import Employee, OrgUnit
from servicescore.workorders.models import WorkOrder

# The large code path at test size, with a latest month busier than its history (as large).
TINY = dataclasses.replace(SCALES["tiny-large"], latest_month_orders=450)
# The small demo with one month of history: a complete month and a running one.
SHORT = dataclasses.replace(SCALES["small"], history_months=1)
# Orders the guided tour pins in the last days before the anchor (Workload.pinned_orders),
# and those pinned for the invitations the draw never leaves (demo/voice.py
# pinned_invitations: 3 scheduled, 3 undeliverable, 2 cancelled).
PINNED = 9 + 8


def random_orders_created_in(month_code: str) -> int:
    """Work orders of the daily plan created in the month: comebacks left out."""
    month = parse_period(month_code)
    return WorkOrder.objects.filter(
        created_at__gte=month.start, created_at__lt=month.end, rework_of__isnull=True
    ).count()


@pytest.mark.django_db
def test_a_latest_month_cut_after_two_days_holds_two_days_of_its_volume():
    build_demo(TINY, seed=2, anchor=datetime.date(2026, 4, 3), scores=False)
    # April 1 and 2 of 30 days: round(450 × 2 / 30) = 30 orders, not the whole month's 450.
    assert 30 <= random_orders_created_in("2026-04") <= 30 + PINNED
    assert 300 <= random_orders_created_in("2026-03") <= 300 + PINNED


@pytest.mark.django_db
def test_a_latest_month_the_anchor_completes_holds_its_whole_volume():
    build_demo(TINY, seed=2, anchor=datetime.date(2026, 4, 1), scores=False)
    assert 450 <= random_orders_created_in("2026-03") <= 450 + PINNED
    assert not WorkOrder.objects.filter(created_at__gte=parse_period("2026-04").start).exists()


@pytest.mark.django_db
def test_small_build_leaves_graded_scorecards_for_the_last_complete_month():
    report = build_demo(SHORT, seed=3, anchor=datetime.date(2026, 3, 15))

    assert list(report.scores) == ["2026-02", "2026-03"]
    assert set(ComputedPeriod.objects.values_list("period", flat=True)) == {"2026-02", "2026-03"}
    tech = Scorecard.objects.get(employee__user__username="tech", period="2026-02")
    assert tech.grade and tech.final_score is not None
    assert not tech.provisional and not tech.insufficient_data
    team = OrgUnit.objects.get(pk=Employee.objects.get(user__username="tech").org_unit_id)
    technicians = Employee.objects.filter(org_unit=team, position="technician")
    cards = Scorecard.objects.filter(period="2026-02", employee__in=technicians)
    assert cards.count() == technicians.count() >= 2
    assert report.scores["2026-02"][1] == Scorecard.objects.filter(period="2026-02").count()
    assert not RecomputeRequest.objects.exists()


@pytest.mark.django_db
def test_build_without_scores_computes_no_month():
    report = build_demo(SHORT, seed=3, anchor=datetime.date(2026, 3, 15), scores=False)
    assert report.scores == {}
    assert not Scorecard.objects.exists()
    assert not ComputedPeriod.objects.exists()


@pytest.mark.django_db
def test_demo_command_with_the_same_anchor_and_seed_builds_the_same_data():
    out = io.StringIO()
    call_command("demo", "--scale", "tiny-large", "--seed", "1", "--anchor", "2026-04-03", stdout=out)
    first = digest()
    call_command(
        "demo",
        "--scale",
        "tiny-large",
        "--seed",
        "1",
        "--anchor",
        "2026-04-03",
        "--no-scores",
        stdout=io.StringIO(),
    )
    assert digest() == first
    text = out.getvalue()
    assert "2026-04-03 00:00" in text
    assert "2026-03" in text and "2026-04" in text  # each month's scores and time


@pytest.mark.django_db
@pytest.mark.parametrize("anchor", ["2026-13-01", "2026-02-30", "20261101", "yesterday", "2026-1-5", ""])
def test_demo_command_refuses_a_bad_anchor_as_a_usage_error_and_builds_nothing(anchor):
    with translation.override("en"), pytest.raises(CommandError, match="YYYY-MM-DD") as raised:
        call_command("demo", "--scale", "tiny-large", "--anchor", anchor, stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert not Employee.objects.exists()


@pytest.mark.django_db
def test_demo_command_refuses_an_anchor_after_today():
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with translation.override("en"), pytest.raises(CommandError, match="future") as raised:
        call_command("demo", "--language", "en", "--anchor", tomorrow.isoformat(), stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert not Employee.objects.exists()


@pytest.mark.django_db
def test_demo_command_refuses_an_unknown_scale_as_a_usage_error():
    with pytest.raises(CommandError) as raised:
        call_command("demo", "--scale", "huge", stdout=io.StringIO())
    assert raised.value.returncode == 2
