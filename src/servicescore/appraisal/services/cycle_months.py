"""Quarter and year cycles scored as the mean of their months (Cycle.Pooling.MEAN).

A company that appraises every month may run a quarter or a year on top of those
months. Such a cycle does not score indicators again: at its freeze each person's
published monthly results in the span are copied into the evaluation (`months`), and
- the score before the cycle's own adjustments is the mean of the months' final scores
  (each month's appeals and adjustments included);
- the KPI part and the reviewed part are the means of the months' parts, and the KPI
  points and their standard error (what calibration compares and flags) the mean of the
  months' points and the standard error of that mean;
- a month with no published result (no month cycle covered the person, or its score was
  "insufficient data") is left out and the evaluation lists it; with no month at all the
  evaluation has insufficient data: no score, no grade;
- a veto in any month gives the lowest grade for the whole span, as it did for the month.

The cycle's own stages carry comments, the manager's adjustment within ±the limit, 360°
feedback, calibration and appeals on the whole result. Its manual items are not rated
again (the months' ratings are in the months' scores), and an appeal about one record
belongs in that month's cycle. A month result that moves after the freeze (a month appeal
decided late) reaches the span only through an explicit recalculation by HR.
"""

import math
from collections import defaultdict

from django.utils.translation import gettext as _

from servicescore.core.periods import parse_span

from ..models import Cycle, Evaluation
from ..scoring import grade_for, lowest_grade

PUBLISHED_STAGES = (Cycle.Stage.PUBLISHED, Cycle.Stage.CLOSED)
# The month cycles that hold a span's freeze: started but not yet published.
RUNNING_STAGES = (
    Cycle.Stage.TARGETS,
    Cycle.Stage.SELF_REVIEW,
    Cycle.Stage.MANAGER_REVIEW,
    Cycle.Stage.FEEDBACK,
    Cycle.Stage.CALIBRATION,
)
MONTH_FIELDS = (
    "final_score",
    "kpi_score",
    "manual_score",
    "kpi_points",
    "kpi_error",
    "grade",
    "vetoed",
    "insufficient_data",
)


def scored_from_months(cycle: Cycle) -> bool:
    """Whether the cycle is a quarter or year scored as the mean of its months."""
    return cycle.kind != Cycle.Kind.MONTH and cycle.pooling == Cycle.Pooling.MEAN


def month_cycles_running(cycle: Cycle, employee_ids) -> list[Cycle]:
    """The month cycles in the span that appraise some of these people and are not yet
    published (a draft is not counted: it may never run)."""
    months = parse_span(cycle.period).months
    return list(
        Cycle.objects.filter(
            kind=Cycle.Kind.MONTH,
            period__in=months,
            stage__in=RUNNING_STAGES,
            evaluations__employee_id__in=list(employee_ids),
        )
        .distinct()
        .order_by("period", "pk")
    )


def month_results(cycle: Cycle, employee_ids) -> dict[int, list[dict]]:
    """employee id → their published month results in the cycle's span, oldest month
    first, one per month (the most recently published cycle's when two covered it). One
    query."""
    months = parse_span(cycle.period).months
    rows = (
        Evaluation.objects.filter(
            employee_id__in=list(employee_ids),
            cycle__kind=Cycle.Kind.MONTH,
            cycle__period__in=months,
            cycle__stage__in=PUBLISHED_STAGES,
        )
        .order_by("employee_id", "cycle__period", "-cycle__published_at", "-pk")
        .values(
            "employee_id", "pk", "cycle_id", "cycle__name", "cycle__period", "calibrated_grade", *MONTH_FIELDS
        )
    )
    found: dict[int, list[dict]] = defaultdict(list)
    seen = set()
    for row in rows:
        key = (row["employee_id"], row["cycle__period"])
        if key in seen:
            continue
        seen.add(key)
        found[row["employee_id"]].append(
            {
                "period": row["cycle__period"],
                "evaluation": row["pk"],
                "cycle": row["cycle_id"],
                "cycle_name": row["cycle__name"],
                **{name: row[name] for name in MONTH_FIELDS},
                "grade": row["calibrated_grade"] or row["grade"],
            }
        )
    return found


def _mean(values) -> float | None:
    values = [float(v) for v in values if v is not None]
    return sum(values) / len(values) if values else None


def rescore_from_months(evaluation: Evaluation) -> None:
    """Set the score fields from the frozen months (module docstring). Does not save."""
    cycle = evaluation.cycle
    scored = [m for m in evaluation.months or [] if m.get("final_score") is not None]
    evaluation.items = []
    evaluation.kpi_score = _mean(m.get("kpi_score") for m in scored)
    evaluation.manual_score = _mean(m.get("manual_score") for m in scored)
    evaluation.kpi_points = _mean(m.get("kpi_points") for m in scored)
    errors = [float(m.get("kpi_error") or 0) for m in scored if m.get("kpi_points") is not None]
    evaluation.kpi_error = math.sqrt(sum(e * e for e in errors)) / len(errors) if errors else 0.0
    evaluation.base_score = _mean(m["final_score"] for m in scored)
    evaluation.vetoed = any(m.get("vetoed") for m in evaluation.months or [])
    evaluation.insufficient_data = not scored
    if evaluation.base_score is None:
        evaluation.final_score = None
    else:
        evaluation.final_score = max(
            0.0,
            evaluation.base_score
            + evaluation.review_adjustment
            + evaluation.calibration_adjustment
            + evaluation.appeal_adjustment,
        )
    if evaluation.vetoed:
        evaluation.grade = lowest_grade(cycle.grade_bands)
    else:
        evaluation.grade = grade_for(evaluation.final_score, cycle.grade_bands)


def missing_months(evaluation: Evaluation) -> list[str]:
    """The span's months without a scored result for the person, e.g. ["2026-11"]."""
    scored = {m["period"] for m in evaluation.months or [] if m.get("final_score") is not None}
    return [code for code in parse_span(evaluation.cycle.period).months if code not in scored]


def months_summary(evaluation: Evaluation) -> str:
    """One line for the change log and the page: how many months the mean rests on."""
    missing = missing_months(evaluation)
    total = len(parse_span(evaluation.cycle.period).months)
    if not missing:
        return _("The mean of all %(n)s months.") % {"n": total}
    return _("The mean of %(n)s of %(total)s months; without a published result: %(months)s.") % {
        "n": total - len(missing),
        "total": total,
        "months": ", ".join(missing),
    }
