"""Recalculating an evaluation (重新计算): after the freeze an evaluation scores from its
snapshot, so a corrected record (a work order re-attributed, a late survey answer) does
not move it. When HR decides that it should, recalculating is an explicit act: the
person's figures are frozen again from the stored results as they are now, the score and
grade follow, and the change is recorded old → new with the reason, besides its audit
entry. Only before publication: a published result changes only through an appeal.

A quarter or year scored as the mean of its months (services/cycle_months.py) takes its
months' published results again instead: a month whose appeal was decided after the
freeze then reaches the span.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from servicescore.core.errors import Conflict, Invalid, Refused, declare
from servicescore.core.periods import parse_period

from ..errors import AREA
from ..models import Evaluation, EvaluationChange
from ..policy import allows
from .cycle_months import month_results, scored_from_months
from .cycles import frozen_snapshot
from .evaluations import claim_revision, record_change, rescore, save_scored

RECALCULATE_HR_ONLY = declare(
    "recalculate_hr_only", Refused, "Only HR and administrators recalculate a frozen evaluation.", area=AREA
)
RECALCULATE_STATE = declare(
    "recalculate_state",
    Conflict,
    "Only an evaluation frozen and not yet published can be recalculated.",
    area=AREA,
)
RECALCULATE_REASON = declare("recalculate_reason", Invalid, "A recalculation needs a reason.", area=AREA)

RECALCULABLE = (
    Evaluation.State.SELF_REVIEW,
    Evaluation.State.MANAGER_REVIEW,
    Evaluation.State.FEEDBACK,
    Evaluation.State.CALIBRATION,
)


def may_recalculate(user, evaluation: Evaluation) -> bool:
    """Whether `user` may recalculate the evaluation now (HR or an administrator, the
    evaluation frozen and not published, not their own)."""
    return (
        allows(user, "skip_stages")
        and evaluation.state in RECALCULABLE
        and evaluation.employee.user_id != getattr(user, "pk", None)
    )


def evaluation_recalculate(*, by, evaluation: Evaluation, revision: int, reason: str) -> Evaluation:
    """Freeze the evaluation's figures again from the stored results and score it again
    (module docstring)."""
    if not allows(by, "skip_stages") or evaluation.employee.user_id == getattr(by, "pk", None):
        raise Refused(_("Only HR recalculates a frozen evaluation."), code=RECALCULATE_HR_ONLY)
    if evaluation.state not in RECALCULABLE:
        raise Conflict(
            _("Only an evaluation frozen and not yet published can be recalculated; this one is %(state)s.")
            % {"state": evaluation.get_state_display()},
            code=RECALCULATE_STATE,
        )
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(
            _("Say why the evaluation is recalculated: the person and the reviewers read it."),
            code=RECALCULATE_REASON,
            field="reason",
        )
    with transaction.atomic():
        claim_revision(evaluation, revision)
        before = {"final_score": evaluation.final_score, "grade": evaluation.grade}
        if scored_from_months(evaluation.cycle):
            old_figures = {m["period"]: [m.get("final_score")] for m in evaluation.months or []}
            evaluation.months = month_results(evaluation.cycle, [evaluation.employee_id]).get(
                evaluation.employee_id, []
            )
            new_figures = {m["period"]: [m.get("final_score")] for m in evaluation.months}
            rescore(evaluation)
            save_scored(evaluation, ["months", "revision"])
            label = "months"
        else:
            old_figures = evaluation.figures
            evaluation.figures, evaluation.priors = frozen_snapshot(
                parse_period(evaluation.cycle.period), [evaluation]
            )[evaluation.pk]
            new_figures = evaluation.figures
            rescore(evaluation)
            save_scored(evaluation, ["figures", "priors", "revision"])
            label = "figures"
        for code in sorted(set(old_figures) | set(new_figures)):
            old, new = old_figures.get(code), new_figures.get(code)
            if old != new:
                record_change(
                    evaluation,
                    kind=EvaluationChange.Kind.RECALCULATION,
                    by=by,
                    field=f"{label}.{code}",
                    old=old[0] if old else None,
                    new=new[0] if new else None,
                    reason=reason[:2000],
                )
        record_change(
            evaluation,
            kind=EvaluationChange.Kind.RECALCULATION,
            by=by,
            field="final_score",
            old=before,
            new={"final_score": evaluation.final_score, "grade": evaluation.grade},
            reason=reason[:2000],
        )
    return evaluation
