"""What every cycle service does to an evaluation: record a change (who, when, old → new,
why) with its audit entry, guard against a lost update, and score the evaluation again
from its frozen figures and the cycle's ratings.

The score of an evaluation (docs/scoring.md, Appraisal cycles):
- the KPI part is what the frozen figures give under the cycle's scheme version, with the
  person's personal targets; calibration never changes it;
- the reviewed part is the manual items, rated by the reviewer in the cycle (the rating a
  reviewer entered for the month outside the cycle is carried in as the starting value at
  the freeze); 360° ratings inform the reviewer and calibration, they do not score;
- the final score is their sum plus the manager's adjustment (within ±the cycle's limit),
  the calibration adjustment and an appeal decision's adjustment, never below 0; the grade
  follows from the cycle's grade bands unless calibration set one, and a veto gives the
  lowest grade.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record
from servicescore.core.errors import Conflict, declare
from servicescore.kpi.catalog import catalog
from servicescore.kpi.figures import Figure
from servicescore.kpi.registry import MANUAL_RATINGS

from ..errors import AREA
from ..models import Evaluation, EvaluationChange, EvaluationRating
from ..scoring import grade_for, lowest_grade, score
from ..selectors.calibration import kpi_points, kpi_standard_error
from .cycle_months import rescore_from_months, scored_from_months

EVALUATION_CHANGED = declare(
    "evaluation_changed",
    Conflict,
    "Someone else saved the evaluation after the caller opened it; nothing was saved.",
    area=AREA,
)


def record_change(
    evaluation: Evaluation,
    *,
    kind: str,
    by,
    field: str = "",
    old=None,
    new=None,
    reason: str = "",
    action: str = "",
) -> EvaluationChange:
    """Write one EvaluationChange and its audit entry (action `cycle.<kind>` unless given),
    in the caller's transaction."""
    change = EvaluationChange.objects.create(
        evaluation=evaluation, kind=kind, field=field, old=old, new=new, reason=reason, by=by
    )
    audit_record(
        actor=by,
        action=action or f"cycle.{kind}",
        obj=evaluation,
        changes={field or kind: [old, new]},
        reason=reason,
    )
    return change


def claim_revision(evaluation: Evaluation, revision: int | None) -> None:
    """Bump the evaluation's revision if it is still `revision` (what the form was opened
    with); otherwise someone saved in between: Conflict, and the caller's transaction
    writes nothing. None: no check (a scheduled task, a bulk act of HR's), just the bump.
    Call inside the transaction, before writing."""
    rows = Evaluation.objects.filter(pk=evaluation.pk)
    if revision is not None:
        rows = rows.filter(revision=revision)
    if not rows.update(revision=F("revision") + 1):
        raise Conflict(
            _(
                "%(name)s's evaluation was changed by someone else after you opened it. "
                "Nothing was saved: open it again to see their changes."
            )
            % {"name": evaluation.employee.name},
            code=EVALUATION_CHANGED,
        )
    evaluation.revision = (revision if revision is not None else evaluation.revision) + 1


def frozen_figures(evaluation: Evaluation) -> dict[str, Figure]:
    """The figures the evaluation froze, as Figures."""
    return {code: Figure(*stored) for code, stored in (evaluation.figures or {}).items()}


def reviewer_ratings(evaluation: Evaluation) -> dict[str, Figure]:
    """The manual items' values from the cycle: the mean of the reviewer's and, with a
    second-level review, the second reviewer's submitted ratings; an item nobody in the
    cycle rated keeps its frozen value (the month's rating)."""
    found: dict[str, list[int]] = {}
    for code, rating in EvaluationRating.objects.filter(
        evaluation=evaluation,
        role__in=[EvaluationRating.Role.MANAGER, EvaluationRating.Role.SECOND],
        submitted_at__isnull=False,
    ).values_list("indicator", "rating"):
        found.setdefault(code, []).append(rating)
    return {code: Figure(sum(r) / len(r), None, None, len(r)) for code, r in found.items()}


def rescore(evaluation: Evaluation, *, ratings: dict[str, Figure] | None = None, indicators=None) -> None:
    """Score the evaluation again from its frozen figures, its personal targets and the
    cycle's ratings (`ratings`, default `reviewer_ratings`), and set items, the KPI and
    reviewed parts, the base and final score and the grade on the instance. Does not save:
    the caller saves with its change record. A quarter or year scored as the mean of its
    months scores from its frozen months instead (services.cycle_months)."""
    if scored_from_months(evaluation.cycle):
        rescore_from_months(evaluation)
        return
    version = evaluation.version
    items = list(version.items.all())
    if evaluation.targets:
        items = [_with_target(item, evaluation.targets.get(item.indicator)) for item in items]
    figures = frozen_figures(evaluation)
    figures.update(reviewer_ratings(evaluation) if ratings is None else ratings)
    cycle = evaluation.cycle
    indicators = indicators or (catalog(manual=False) | MANUAL_RATINGS)
    result = score(
        items,
        cycle.grade_bands,
        figures,
        evaluation.priors or {},
        indicators,
        min_data_share=version.min_data_share,
    )
    kpi = manual = None
    for line in result.items:
        contribution = line.get("contribution")
        if contribution is None:
            continue
        if line["indicator"] in MANUAL_RATINGS:
            manual = (manual or 0.0) + contribution
        else:
            kpi = (kpi or 0.0) + contribution
    evaluation.items = result.items
    evaluation.kpi_score, evaluation.manual_score = kpi, manual
    evaluation.kpi_points = kpi_points(result.items, kpi)
    evaluation.kpi_error = kpi_standard_error(result.items, indicators)
    evaluation.base_score = result.base
    evaluation.vetoed, evaluation.insufficient_data = result.vetoed, result.insufficient
    if result.final is None:
        evaluation.final_score = None
    else:
        evaluation.final_score = max(
            0.0,
            result.final
            + evaluation.review_adjustment
            + evaluation.calibration_adjustment
            + evaluation.appeal_adjustment,
        )
    if evaluation.vetoed:
        evaluation.grade = lowest_grade(cycle.grade_bands)
    else:
        evaluation.grade = grade_for(evaluation.final_score, cycle.grade_bands)


def _with_target(item, target):
    """A copy of a scheme item with the personal target (None: the item's own)."""
    if target is None:
        return item
    return replace_item(item, target=Decimal(str(target)))


def replace_item(item, **fields):
    """A detached copy of a TemplateItem with some fields changed (never saved)."""
    copy = type(item)(**{f.attname: getattr(item, f.attname) for f in item._meta.concrete_fields})
    for name, value in fields.items():
        setattr(copy, name, value)
    return copy


@transaction.atomic
def save_scored(evaluation: Evaluation, fields: list[str]) -> None:
    """Save the score fields `rescore` sets, plus `fields`."""
    evaluation.save(
        update_fields=[
            "items",
            "kpi_score",
            "manual_score",
            "kpi_points",
            "kpi_error",
            "base_score",
            "final_score",
            "grade",
            "vetoed",
            "insufficient_data",
            *fields,
            "modified",
        ]
    )
