"""The numbers of the calibration view, checked by hand (selectors/calibration.py)."""

import pytest

from servicescore.appraisal.selectors.calibration import (
    forced_shares,
    implied_rating,
    kpi_points,
    kpi_standard_error,
    leniency,
    near_boundary,
)
from servicescore.kpi.registry import INDICATORS

from .scorecards import line

BANDS = [
    {"grade": "S", "min": 95},
    {"grade": "A", "min": 85},
    {"grade": "B", "min": 70},
    {"grade": "D", "min": None},
]


def test_leniency_is_the_mean_difference_shrunk_by_n_over_n_plus_3_with_its_interval():
    # mean 1.5, s = √(1/3) = 0.57735, factor 4/7; half-width 1.96 × 0.57735 / 2 × 4/7
    stats = leniency([1, 1, 2, 2])
    assert stats.n == 4
    assert stats.mean == pytest.approx(1.5)
    assert stats.sd == pytest.approx(0.57735, abs=1e-5)
    assert stats.shrunk == pytest.approx(6 / 7)
    assert stats.low == pytest.approx(0.533826, abs=1e-5)
    assert stats.high == pytest.approx(1.180459, abs=1e-5)
    assert stats.flag == "lenient"


def test_a_reviewer_below_the_kpi_anchor_is_severe():
    assert leniency([-1, -1, -2, -2]).flag == "severe"


def test_an_interval_holding_zero_is_not_flagged():
    assert leniency([1, -1, 0.5, -0.5]).flag == ""


def test_one_person_reviewed_moves_a_quarter_of_the_way_and_has_no_interval():
    stats = leniency([2])
    assert stats.shrunk == pytest.approx(0.5)
    assert stats.low is None and stats.flag == ""


def test_kpi_points_are_the_kpi_part_over_the_kpi_weight_share():
    items = [
        line("FTFR", points=66.67, effective_weight=60.0, contribution=40.0),
        line("TEAMWORK", rule="manual", points=80.0, effective_weight=40.0, contribution=32.0),
    ]
    assert kpi_points(items, 40.0) == pytest.approx(66.6667, abs=1e-3)


def test_the_kpi_implied_rating_is_points_over_20_clamped_to_1_to_5():
    assert implied_rating(66.0) == pytest.approx(3.3)
    assert implied_rating(110.0) == 5.0
    assert implied_rating(5.0) == 1.0


def test_kpi_standard_error_carries_the_rate_sample_through_slope_and_weight():
    # 17 of 20: p̃ = 19/24, se = √(p̃(1 − p̃)/24) = 8.289 %; slope 100/30; weight 60 %
    items = [
        line(
            "FTFR",
            value=85.0,
            numerator=17,
            denominator=20,
            target=90.0,
            threshold=60.0,
            points=83.33,
            effective_weight=60.0,
        )
    ]
    assert kpi_standard_error(items, INDICATORS) == pytest.approx(16.58, abs=0.01)


def test_a_rate_with_more_events_than_orders_does_not_break_the_error():
    items = [
        line(
            "FTFR",
            value=150.0,
            numerator=3,
            denominator=2,
            target=90.0,
            threshold=60.0,
            points=100.0,
            effective_weight=100.0,
        )
    ]
    assert kpi_standard_error(items, INDICATORS) > 0


def test_a_score_within_its_error_of_a_boundary_is_flagged_with_that_boundary():
    assert near_boundary(82.0, 3.5, BANDS) == 85.0
    assert near_boundary(82.0, 2.26, BANDS) is None
    assert near_boundary(82.0, 0.0, BANDS) is None


def test_forced_distribution_shares_are_kept_or_not():
    grades = ["S", "A", "A", "B", "B", "B", "B", "B", "B", "D"]
    rules = [{"grades": ["S", "A"], "max": 30}, {"grades": ["D"], "min": 5}, {"grades": ["S"], "max": 5}]
    shares = forced_shares(grades, rules)
    assert [(s["share"], s["kept"]) for s in shares] == [(30.0, True), (10.0, True), (10.0, False)]


def test_people_without_a_grade_do_not_count_towards_the_shares():
    shares = forced_shares(["A", "", "B", "B"], [{"grades": ["S", "A"], "max": 30}])
    assert shares[0]["share"] == pytest.approx(100 / 3)
    assert shares[0]["kept"] is False
