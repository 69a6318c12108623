"""Scoring and rating messages name a template item as the pages do: its name in the user's
language (or its own label) with the code after it, not the code alone."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from servicescore.appraisal.errors import RatingsInvalid
from servicescore.appraisal.scoring import problems
from servicescore.appraisal.services.ratings import RatingEntry, save_ratings
from servicescore.kpi.registry import INDICATORS, MANUAL_RATINGS

from .ratings import PERIOD, manual_scheme

CATALOGUE = {**INDICATORS, **MANUAL_RATINGS}


def item(indicator="CSAT", **fields):
    values = {
        "kind": "scored", "weight": Decimal("100"), "rule": "linear", "target": Decimal("90"),
        "threshold": Decimal("60"), "cap": Decimal("100"), "bands": None, "shrink_k": None,
        "points_per_unit": None, "max_points": None, "label": "",
    }  # fmt: skip
    return SimpleNamespace(indicator=indicator, **{**values, **fields})


def messages(*items):
    """The problems of the items themselves (not of the version's grade bands)."""
    return [p.message for p in problems(list(items), [], CATALOGUE, activating=False) if p.item is not None]


def test_a_scored_item_without_weight_is_named_in_english_with_its_code():
    with translation.override("en"):
        assert messages(item(weight=Decimal("0"))) == [
            "Customer satisfaction (CSAT): a scored item needs a weight above 0."
        ]


def test_a_scored_item_without_weight_is_named_in_chinese_with_its_code():
    with translation.override("zh-hans"):
        (message,) = messages(item(weight=Decimal("0")))
    assert message.startswith("客户满意度（CSAT）")


def test_a_threshold_on_the_wrong_side_names_the_item_in_the_users_language():
    wrong = item("FTFR", target=Decimal("80"), threshold=Decimal("90"))
    with translation.override("en"):
        assert messages(wrong)[0].startswith("First-time fix rate (FTFR) is higher-is-better:")
    with translation.override("zh-hans"):
        assert messages(wrong)[0].startswith("首次修复率")


def test_an_item_with_its_own_label_is_named_by_it():
    with translation.override("en"):
        (message,) = messages(item(label="服务满意度", cap=Decimal("0")))
    assert message == "服务满意度 (CSAT): the points cap must be above 0."


def test_a_band_table_problem_names_the_item():
    with translation.override("en"):
        (message,) = messages(item(rule="bands", bands=[]))
    assert message.startswith("Customer satisfaction (CSAT): ")


def test_an_unknown_indicator_is_still_named_by_its_code():
    with translation.override("en"):
        assert messages(item("NOT_A_KPI")) == ["Unknown indicator NOT_A_KPI."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, name", [("en", "Innovation (INNOVATION)"), ("zh-hans", MANUAL_RATINGS["INNOVATION"].name_zh)]
)
def test_a_rating_of_an_item_not_in_the_scheme_names_the_item(network, language, name):
    manual_scheme()
    entry = RatingEntry(employee_no=network.tech.employee_no, indicator="INNOVATION", rating=4, comment="")
    with translation.override(language), pytest.raises(RatingsInvalid) as error:
        save_ratings(user=network.foreman.user, period=PERIOD, entries=[entry])
    (problem,) = error.value.problems
    assert problem.message.startswith(name) and "INNOVATION" in problem.message
