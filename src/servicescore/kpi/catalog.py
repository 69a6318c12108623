"""Every indicator a company has: the built-ins of the registry, plus the fact and
derived indicators stored in the database. Two small queries; call once per run."""

from .models import DerivedIndicator, FactIndicator
from .registry import (
    DERIVED,
    FACTS,
    GOAL_ITEMS,
    INDICATORS,
    MANUAL_RATINGS,
    Indicator,
    derived_indicator,
    fact_indicator,
)


def catalog(*, manual: bool = True) -> dict[str, Indicator]:
    """code → Indicator, in the order work orders, voice, facts, derived, goal attainment
    (given by the appraisal cycle, never computed), manual."""
    items: dict[str, Indicator] = dict(INDICATORS)
    for fact in FactIndicator.objects.order_by("code"):
        items[fact.code] = fact_indicator(
            fact.code, fact.name_zh, fact.name_en, fact.unit, fact.direction, fact.aggregation
        )
    for item in DerivedIndicator.objects.order_by("code"):
        items[item.code] = derived_indicator(
            item.code, item.name_zh, item.name_en, item.unit, item.direction, item.formula
        )
    items.update(GOAL_ITEMS)
    if manual:
        items.update(MANUAL_RATINGS)
    return items


def computed_codes(items: dict[str, Indicator]) -> list[str]:
    """The codes `kpi compute` prints and the engine stores (all but manual ratings and
    goal attainment)."""
    return [code for code, item in items.items() if item.computed]


def family_of(items: dict[str, Indicator], family: str) -> list[Indicator]:
    return [item for item in items.values() if item.family == family]


__all__ = ["catalog", "computed_codes", "family_of", "FACTS", "DERIVED"]
