"""Reads of the evidence page of a scorecard value: kpi's evidence behind one indicator of
one employee and period (kpi.selectors.evidence_for: the formula, the stored figure, the
records, scope-checked) with the scorecard's working of that indicator beside it."""

from servicescore.kpi.selectors import evidence_for

from ..models import Scorecard
from .scorecards import scorecard_lines


def scorecard_evidence(user, employee_no: str, period_code: str, code: str, pages=None) -> dict:
    """`evidence_for` plus `lines`: the scorecard's items of this indicator, as the
    scorecard page shows them. ValueError for a malformed period; 404 for an unknown
    indicator or an employee out of scope. A fixed number of queries."""
    context = evidence_for(user, employee_no, period_code, code, pages)
    scorecard = (
        Scorecard.objects.filter(employee=context["employee"], period=context["period"].code)
        .only("items")
        .first()
    )
    items = {code: context["indicator"]}
    lines = [line for line in scorecard_lines(scorecard, items) if line["code"] == code] if scorecard else []
    return context | {"lines": lines}
