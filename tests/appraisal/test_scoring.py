"""Scoring rules (kpi-library.md, Scoring): linear, bands, ratio, manual; no-data policy
with re-weighting; shrinkage towards the centre's rate; bonus/deduction caps; veto;
grades; and the template problems refused at activation."""

from decimal import Decimal

import pytest
from django.utils import translation

from servicescore.appraisal.models import TemplateItem
from servicescore.appraisal.scoring import (
    Figure,
    band_points,
    band_problems,
    grade_for,
    linear_points,
    problems,
    ratio_points,
    score,
)
from servicescore.kpi.catalog import catalog
from servicescore.kpi.registry import INDICATORS, MANUAL_RATINGS

BANDS = [
    {"grade": "S", "min": 95},
    {"grade": "A", "min": 85},
    {"grade": "B", "min": 70},
    {"grade": "C", "min": 60},
    {"grade": "D", "min": None},
]
LOOKUP = INDICATORS | MANUAL_RATINGS


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def item(code, weight=0, kind="scored", rule="linear", **fields):
    for name in ("target", "threshold", "shrink_k", "points_per_unit", "max_points"):
        if fields.get(name) is not None:
            fields[name] = Decimal(str(fields[name]))
    return TemplateItem(indicator=code, weight=Decimal(str(weight)), kind=kind, rule=rule, **fields)


def test_linear_runs_from_threshold_to_target_both_ways():
    assert linear_points(80, target=90, threshold=70, cap=100) == 50
    assert linear_points(95, target=90, threshold=70, cap=100) == 100  # clamped at the cap
    assert linear_points(95, target=90, threshold=70, cap=120) == 125 * 0 + 120  # stretch capped
    assert linear_points(60, target=90, threshold=70, cap=100) == 0
    # ↓: 10 % comebacks → 0 points, 2 % → 100
    assert linear_points(6, target=2, threshold=10, cap=100) == 50
    assert linear_points(1, target=2, threshold=10, cap=100) == 100


def test_ratio_and_bands():
    assert ratio_points(90, target=100, cap=100, higher_is_better=True) == 90
    assert ratio_points(50, target=40, cap=100, higher_is_better=False) == 80
    assert ratio_points(0, target=40, cap=110, higher_is_better=False) == 110
    bands = [
        {"from": None, "to": 80, "points": 0},
        {"from": 80, "to": 90, "points": 60},
        {"from": 90, "to": None, "points": 100},
    ]
    assert [band_points(v, bands, 100) for v in (10, 80, 89.99, 90)] == [0, 60, 60, 100]


def test_band_gaps_and_overlaps_are_named():
    assert band_problems([{"from": 0, "to": 80, "points": 0}, {"from": 85, "to": None, "points": 100}]) == [
        "gap between 80 and 85: no band holds those values."
    ]
    assert band_problems([{"from": 0, "to": 90, "points": 0}, {"from": 85, "to": None, "points": 100}]) == [
        "bands overlap between 85 and 90."
    ]
    assert "must be below" in band_problems([{"from": 90, "to": 80, "points": 1}])[0]
    assert band_problems([{"from": 0, "to": None, "points": 100}]) == []


def test_weighted_base_bonus_deduction_and_grade():
    items = [
        item("CSAT", 60, target=95, threshold=70),
        item("FTFR", 40, rule="ratio", target=100),
        item("PRAISE_COUNT", kind="bonus", points_per_unit=2, max_points=5),
        item("COMPLAINT_RATE", kind="deduction", basis="numerator", points_per_unit=5, max_points=20),
    ]
    figures = {
        "CSAT": Figure(82.5, 33, 40, 40),  # linear: 50 points
        "FTFR": Figure(90, 9, 10, 10),  # ratio: 90 points
        "PRAISE_COUNT": Figure(4, 4),  # +8, capped at +5
        "COMPLAINT_RATE": Figure(5, 1, 20, 20),  # one complaint: −5
    }
    result = score(items, BANDS, figures, {}, LOOKUP)
    assert result.base == pytest.approx(0.6 * 50 + 0.4 * 90)
    assert result.adjustment == 0
    assert result.final == pytest.approx(66)
    assert result.grade == "C"
    lines = {line["indicator"]: line for line in result.items}
    assert lines["CSAT"]["contribution"] == pytest.approx(30)
    assert lines["PRAISE_COUNT"]["adjustment"] == 5
    assert lines["COMPLAINT_RATE"]["adjustment"] == -5


def test_no_data_reweights_by_default_or_scores_zero_or_target():
    items = [item("CSAT", 50, target=95, threshold=70), item("FTFR", 50, target=95, threshold=70)]
    figures = {"CSAT": Figure(95, 19, 20, 20), "FTFR": Figure(None)}
    result = score(items, BANDS, figures, {}, LOOKUP)
    assert result.base == 100 and result.reweighted
    lines = {line["indicator"]: line for line in result.items}
    assert lines["CSAT"]["effective_weight"] == 100
    assert lines["FTFR"]["no_data"] and "left out" in lines["FTFR"]["note"]
    items[1].no_data = "zero"
    assert score(items, BANDS, figures, {}, LOOKUP).base == 50
    items[1].no_data = "target"
    assert score(items, BANDS, figures, {}, LOOKUP).base == 100
    nothing = score(items[:1], BANDS, {"CSAT": Figure(None)}, {}, LOOKUP)
    assert (nothing.base, nothing.final, nothing.grade) == (None, None, "")


def test_shrinkage_pulls_a_small_sample_towards_the_centre_rate():
    items = [item("CSAT", 100, target=100, threshold=0, shrink_k=10)]
    # 2 of 2 satisfied, centre rate 80 %: (10 × 80 + 100 × 2) ÷ (10 + 2) = 83.33
    result = score(items, BANDS, {"CSAT": Figure(100, 2, 2, 2)}, {"CSAT": 80.0}, LOOKUP)
    line = result.items[0]
    assert line["raw_value"] == 100 and line["shrunk"]
    assert line["value"] == pytest.approx(1000 / 12)
    assert line["prior"] == 80 and line["k"] == 10
    # hundreds of responses barely move
    many = score(items, BANDS, {"CSAT": Figure(90, 450, 500, 500)}, {"CSAT": 80.0}, LOOKUP).items[0]
    assert many["value"] == pytest.approx((800 + 45000) / 510)
    # no centre value: the raw value, said plainly
    alone = score(items, BANDS, {"CSAT": Figure(100, 2, 2, 2)}, {}, LOOKUP).items[0]
    assert alone["value"] == 100 and not alone["shrunk"] and alone["note"]


def test_veto_sets_the_lowest_grade_whatever_the_score():
    items = [
        item("CSAT", 100, target=90, threshold=70),
        item("COMPLAINT_RATE", kind="veto", basis="numerator", threshold=1),
    ]
    clean = score(items, BANDS, {"CSAT": Figure(95, 19, 20), "COMPLAINT_RATE": Figure(0, 0, 10)}, {}, LOOKUP)
    assert (clean.grade, clean.vetoed) == ("S", False)
    hit = score(items, BANDS, {"CSAT": Figure(95, 19, 20), "COMPLAINT_RATE": Figure(10, 1, 10)}, {}, LOOKUP)
    assert (hit.final, hit.grade, hit.vetoed) == (100, "D", True)


def test_manual_ratings_map_one_to_twenty_five_to_hundred():
    result = score([item("TEAMWORK", 100, rule="manual")], BANDS, {"TEAMWORK": Figure(4.5)}, {}, LOOKUP)
    assert result.base == 90


def test_grades_follow_the_bands():
    assert [grade_for(s, BANDS) for s in (100, 95, 94.99, 85, 70, 60, 59.9, 0)] == [
        "S",
        "S",
        "A",
        "A",
        "B",
        "C",
        "D",
        "D",
    ]


def test_weights_summing_to_99_5_are_refused():
    items = [item("CSAT", "49.5", target=95, threshold=70), item("FTFR", 50, target=95, threshold=70)]
    found = problems(items, BANDS, LOOKUP)
    assert found == [(None, "weight", "The weights sum to 99.5; they must sum to exactly 100.", "weight_sum")]
    assert problems(items, BANDS, LOOKUP, activating=False) == []


def test_threshold_above_target_for_a_higher_is_better_indicator_is_refused():
    found = problems([item("CSAT", 100, target=80, threshold=90)], BANDS, LOOKUP)
    assert found[0][:2] == (0, "threshold")
    assert "must be below the target (80" in found[0][2]
    assert problems([item("REWORK_RATE", 100, target=2, threshold=10)], BANDS, LOOKUP) == []
    assert problems([item("REWORK_RATE", 100, target=10, threshold=2)], BANDS, LOOKUP)[0][1] == "threshold"


def test_other_template_problems():
    found = problems(
        [
            item("NOPE", 20),
            item(
                "CSAT",
                30,
                rule="bands",
                bands=[{"from": 0, "to": 50, "points": 0}, {"from": 60, "to": None, "points": 100}],
            ),
            item("TEAMWORK", 50, rule="linear", target=5, threshold=1),
            item("WO_COMPLETED", 0, target=100, threshold=0, shrink_k=10),
        ],
        [{"grade": "A", "min": 50}, {"grade": "B", "min": 60}],
        LOOKUP,
    )
    messages = [(n, f) for n, f, _m, _code in found]
    assert (0, "indicator") in messages
    assert (1, "bands") in messages
    assert (2, "rule") in messages
    assert (3, "weight") in messages and (3, "shrink_k") in messages
    assert (None, "grade_bands") in messages


@pytest.mark.django_db
def test_default_templates_have_no_problems():
    from servicescore.appraisal.default_schemes import TEMPLATES, install_default_templates
    from servicescore.appraisal.models import Template

    created = install_default_templates()
    assert len(created) == len(TEMPLATES) == 11
    assert install_default_templates() == []  # idempotent
    indicators = catalog()
    for template in Template.objects.prefetch_related("versions__items"):
        version = template.versions.get()
        assert template.rationale
        assert problems(list(version.items.all()), version.grade_bands, indicators) == [], template.code
    active = Template.objects.filter(versions__status="active").values_list("position", flat=True)
    assert sorted(active) == sorted(
        [
            "technician",
            "service_advisor",
            "warranty_clerk",
            "cs_agent",
            "cs_manager",
            "dispatcher",
            "parts_manager",
            "foreman",
            "service_manager",
            "hr",
        ]
    )
