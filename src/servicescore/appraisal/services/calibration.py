"""Calibration (校准) of an evaluation (issue 18): a calibrator moves the reviewed part or
sets the grade, with a reason; the computed KPI part is not negotiable.

- `adjustment` sets the evaluation's `calibration_adjustment` (points added to the final
  score). It is bounded so that the reviewed part stays within 0 and its weight:
  −manual_score ≤ adjustment ≤ manual weight − manual_score, the manual weight being the
  (re-weighted) weight the manual items carry on the evaluation — what the reviewed part
  would be with every manual item at 100 points. An evaluation without manual items has
  nothing to adjust: only its grade can be set. The manager's own review adjustment is
  the review's, within the cycle's ±limit, and is not counted here.
- `grade` sets `calibrated_grade`, one of the cycle's grade bands ("" clears it: the
  grade follows the score again).
Each change is an EvaluationChange (CALIBRATION, GRADE: old → new, why) with its audit
entry; a stale `revision` is a conflict; only while the evaluation is in calibration.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.kpi.registry import MANUAL_RATINGS
from servicescore.org.scope import visible_appraisees

from ..errors import (
    CALIBRATION_GRADE_UNKNOWN,
    CALIBRATION_NOTHING,
    CALIBRATION_OUT_OF_RANGE,
    CALIBRATION_REASON,
    CALIBRATORS_ONLY,
    NOT_IN_CALIBRATION,
)
from ..models import Evaluation, EvaluationChange
from ..policy import allows
from .evaluations import claim_revision, record_change, rescore, save_scored

REASON_MAX_LENGTH = 2000


def manual_weight(evaluation: Evaluation) -> float:
    """The weight the manual items carry on the evaluation (re-weighted), 0 without any."""
    return sum(
        float(line.get("effective_weight") or 0)
        for line in evaluation.items or []
        if line.get("kind") == "scored"
        and line.get("indicator") in MANUAL_RATINGS
        and line.get("points") is not None
    )


def adjustment_bounds(evaluation: Evaluation) -> tuple[float, float]:
    """The lowest and highest calibration adjustment the evaluation allows."""
    manual = evaluation.manual_score or 0.0
    return -manual, manual_weight(evaluation) - manual


def _parse_adjustment(value) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise Invalid(
            _("The adjustment is a number of points, such as 2.5 or -3."),
            code=CALIBRATION_OUT_OF_RANGE,
            field="adjustment",
        ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise Invalid(
            _("The adjustment is a number of points, such as 2.5 or -3."),
            code=CALIBRATION_OUT_OF_RANGE,
            field="adjustment",
        )
    return round(number, 2)


def may_calibrate(user, evaluation: Evaluation) -> bool:
    """A calibrator's role, the person in scope, not the calibrator himself."""
    if not allows(user, "calibrate") or evaluation.employee.user_id == user.pk:
        return False
    return visible_appraisees(user).filter(pk=evaluation.employee_id).exists()


@transaction.atomic
def calibrate(*, by, evaluation: Evaluation, revision: int | None, adjustment=None, grade=None, reason: str):
    """Set the calibration adjustment and/or the calibrated grade of `evaluation`, with a
    reason; the KPI part stays as computed. Rescores and saves; all or nothing."""
    if not may_calibrate(by, evaluation):
        # Someone outside the scope learns nothing about the evaluation.
        if not visible_appraisees(by).filter(pk=evaluation.employee_id).exists():
            raise NotFound(_("No such evaluation."))
        raise Refused(
            _("Only service managers, HR and administrators calibrate, and nobody calibrates himself."),
            code=CALIBRATORS_ONLY,
        )
    reason = str(reason or "").strip()
    if not reason:
        raise Invalid(_("Give a reason for the calibration."), code=CALIBRATION_REASON, field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise Invalid(
            _("The reason is longer than %(max)d characters.") % {"max": REASON_MAX_LENGTH},
            code=CALIBRATION_REASON,
            field="reason",
        )
    number = _parse_adjustment(adjustment)
    grades = [band["grade"] for band in evaluation.cycle.grade_bands or []]
    if grade is not None:
        grade = str(grade).strip()
        if grade and grade not in grades:
            raise Invalid(
                _("Choose one of the grades %(grades)s.") % {"grades": ", ".join(grades)},
                code=CALIBRATION_GRADE_UNKNOWN,
                field="grade",
            )
    if number is None and grade is None:
        raise Invalid(_("Give an adjustment or a grade."), code=CALIBRATION_NOTHING, field="adjustment")
    if number is not None:
        low, high = adjustment_bounds(evaluation)
        if not low - 1e-9 <= number <= high + 1e-9:
            raise Invalid(
                _(
                    "The adjustment must lie between %(low)s and %(high)s points: the reviewed part "
                    "stays within 0 and its weight."
                )
                % {"low": f"{low:.2f}", "high": f"{high:.2f}"},
                code=CALIBRATION_OUT_OF_RANGE,
                field="adjustment",
            )
    current = Evaluation.objects.filter(pk=evaluation.pk).values_list("state", flat=True).first()
    if current != Evaluation.State.CALIBRATION:
        raise Conflict(
            _("%(name)s's evaluation is not in calibration, so it cannot be calibrated.")
            % {"name": evaluation.employee.name},
            code=NOT_IN_CALIBRATION,
        )
    claim_revision(evaluation, revision)
    fields = []
    if number is not None and number != evaluation.calibration_adjustment:
        record_change(
            evaluation,
            kind=EvaluationChange.Kind.CALIBRATION,
            by=by,
            field="calibration_adjustment",
            old=evaluation.calibration_adjustment,
            new=number,
            reason=reason,
        )
        evaluation.calibration_adjustment = number
        fields.append("calibration_adjustment")
    if grade is not None and grade != evaluation.calibrated_grade:
        record_change(
            evaluation,
            kind=EvaluationChange.Kind.GRADE,
            by=by,
            field="calibrated_grade",
            old=evaluation.shown_grade,
            new=grade or evaluation.grade,
            reason=reason,
        )
        evaluation.calibrated_grade = grade
        fields.append("calibrated_grade")
    rescore(evaluation)
    save_scored(evaluation, [*fields, "revision"])
    return evaluation
