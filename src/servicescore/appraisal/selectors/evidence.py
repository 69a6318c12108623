"""Reads of the evidence page of a scorecard value: kpi's evidence behind one indicator of
one employee and period (kpi.selectors.evidence_for: the formula, the stored figure, the
records, scope-checked) with the scorecard's working of that indicator beside it. A line
scored on the person's unit (a unit-subject scheme) shows the unit's pooled figure instead
of the person's own records, which are not its basis."""

from servicescore.kpi.fact_selectors import facts_behind
from servicescore.kpi.models import IndicatorResult
from servicescore.kpi.registry import FACTS
from servicescore.kpi.selectors import evidence_for, figures_status
from servicescore.org.scope import visible_appraisal_units

from ..models import Scorecard
from ..policy import may_see_team
from .scorecards import scorecard_lines


def scorecard_evidence(user, employee_no: str, period_code: str, code: str, pages=None) -> dict:
    """`evidence_for` plus `lines`: the scorecard's items of this indicator, as the
    scorecard page shows them; for a line scored on the unit, the unit's stored result
    (`unit`, `unit_result`, `unit_team_link`) stands for the figures and no records are
    listed. ValueError for a malformed period; 404 for an unknown indicator or an employee
    out of scope. A fixed number of queries."""
    context = evidence_for(user, employee_no, period_code, code, pages)
    scorecard = (
        Scorecard.objects.filter(employee=context["employee"], period=context["period"].code)
        .only("items")
        .first()
    )
    items = {code: context["indicator"]}
    lines = [line for line in scorecard_lines(scorecard, items) if line["code"] == code] if scorecard else []
    context |= {"lines": lines, "unit": None, "figures": figures_status(user, context["period"].code)}
    if any(line.get("source") == "unit" for line in lines):
        context |= _unit_figures(user, context, code)
    context["fact_evidence"] = _fact_evidence(context)
    return context


def _fact_evidence(context: dict):
    """For a fact indicator, the facts behind the value with their note, reference,
    attachment and who recorded them (the unit's own facts for a line scored on the unit);
    None for any other indicator."""
    if context["indicator"].family != FACTS:
        return None
    if context["unit"] is not None:
        return facts_behind(context["indicator"].code, context["period"], org_unit=context["unit"])
    return facts_behind(context["indicator"].code, context["period"], employee=context["employee"])


def _unit_figures(user, context: dict, code: str) -> dict:
    """The unit's stored result in place of the person's figures and records."""
    unit = context["employee"].org_unit
    result = IndicatorResult.objects.filter(
        org_unit=unit, period=context["period"].code, indicator=code
    ).first()
    value = result.value if result is not None else None
    return {
        "unit": unit,
        "unit_result": result,
        "unit_team_link": may_see_team(user) and visible_appraisal_units(user).filter(pk=unit.pk).exists(),
        "sections": [],
        "components": [],
        "numerator": result.numerator if result is not None else None,
        "denominator": result.denominator if result is not None else None,
        "value": value,
        "stored": result,
        "stale": False,
    }
