"""The evaluation's own steps (issue 18, Cycles): personal targets and their sign-off, the
self review and the manager review, each one transaction that claims the evaluation's
revision first (a form opened on an older revision gets the Conflict `evaluation_changed`
and writes nothing).

- Targets: while the evaluation is in 'targets', its reviewer (or someone who manages
  cycles and has the person in scope) sets personal targets for items scored against a
  target (linear and ratio rules); the employee alone signs them off.
- Self review: in 'self_review', the employee rates the manual items 1–5 (below 3 or at 5
  with a comment, kpi-library.md) and comments; a draft until submitted, then the
  evaluation moves to 'manager_review'.
- Manager review: the reviewer (role MANAGER) — and, when the cycle has a second level,
  the second reviewer (role SECOND) — rates the manual items, gives a required overall
  comment and, the reviewer only, an adjustment within ±the cycle's limit with a reason.
  The reviewer may prepare a draft during the self review. When every review the cycle
  asks for is in, the evaluation is scored again from its snapshot and moves to '360°
  feedback' if requests are waiting, else to 'calibration'.
- Late: a review submitted after the stage's due date (in the company's zone) is accepted
  while the cycle is still in the stage; it is marked late by its own timestamps
  (`manager_submitted_at` after `cycle.manager_review_due`, see `submitted_late`), not by a
  separate flag. Once the cycle has left the stage, the review is closed (Conflict).
"""

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record
from servicescore.core.errors import Conflict, Invalid, Refused, declare
from servicescore.core.periods import local_today
from servicescore.kpi.catalog import catalog
from servicescore.kpi.errors import RATING_COMMENT
from servicescore.kpi.registry import DOWN
from servicescore.org.scope import employee_of, visible_appraisees

from ..errors import AREA, RATING_MISSING, RATING_VALUE, REVIEWER_WITHOUT_EMPLOYEE
from ..models import Cycle, Evaluation, EvaluationChange, EvaluationRating, FeedbackRequest
from ..policy import allows
from ..scoring import item_text
from .cycle_months import scored_from_months
from .cycle_notices import notify_turn
from .evaluations import claim_revision, record_change, rescore, save_scored
from .ratings import COMMENT_MAX_LENGTH, parse_rating

# --- the codes of this module ---------------------------------------------------------------
REVIEW_OWN_EVALUATION = declare(
    "review_own_evaluation", Refused, "Nobody reviews or sets targets on their own evaluation.", area=AREA
)
NOT_THE_REVIEWER = declare(
    "not_the_reviewer",
    Refused,
    "Only the reviewer the cycle named for the evaluation may do this.",
    area=AREA,
)
NOT_THE_EMPLOYEE = declare(
    "not_the_employee",
    Refused,
    "Only the appraised employee signs off targets and writes the self review.",
    area=AREA,
)
REVIEW_STEP_CLOSED = declare(
    "review_step_closed",
    Conflict,
    "The evaluation or its cycle is no longer in the step this action belongs to; nothing was saved.",
    area=AREA,
)
REVIEW_ALREADY_SUBMITTED = declare(
    "review_already_submitted", Conflict, "This review was submitted already and cannot change.", area=AREA
)
TARGET_VALUE = declare(
    "target_value",
    Invalid,
    "A personal target is a number on the good side of the item's threshold (a % from 0 to 100).",
    area=AREA,
)
TARGET_NOT_SETTABLE = declare(
    "target_not_settable",
    Invalid,
    "The item is not scored against a target in the evaluation's scheme version.",
    area=AREA,
)
REVIEW_RATING_NOT_MANUAL = declare(
    "review_rating_not_manual",
    Invalid,
    "A review rates only the manual items of the evaluation's scheme version.",
    area=AREA,
)
REVIEW_INCOMPLETE = declare(
    "review_incomplete", Invalid, "A review is submitted only with every manual item rated.", area=AREA
)
REVIEW_COMMENT_MISSING = declare(
    "review_comment_missing", Invalid, "The reviewer's overall comment is required to submit.", area=AREA
)
REVIEW_ADJUSTMENT_LIMIT = declare(
    "review_adjustment_limit",
    Invalid,
    "The manager's adjustment is a number within ±the cycle's adjustment limit.",
    area=AREA,
)
REVIEW_ADJUSTMENT_REASON = declare(
    "review_adjustment_reason", Invalid, "A manager's adjustment needs a reason.", area=AREA
)
REVIEW_ADJUSTMENT_SECOND = declare(
    "review_adjustment_second",
    Invalid,
    "Only the reviewer adjusts the score; the second-level reviewer does not.",
    area=AREA,
)

REASON_MAX_LENGTH = 500
# The cycle stages in which the reviews of an evaluation may still be written.
REVIEW_STAGES = (Cycle.Stage.SELF_REVIEW, Cycle.Stage.MANAGER_REVIEW)


@dataclass(frozen=True)
class ReviewRating:
    """One manual item's rating in a review form: the indicator code, 1–5 (None or "":
    none) and the comment."""

    indicator: str
    rating: object = None
    comment: str = ""


# --- who is who ----------------------------------------------------------------------------
def review_role(evaluation: Evaluation, employee) -> str | None:
    """MANAGER for the evaluation's reviewer, SECOND for its second-level reviewer when the
    cycle has a second level, None for anyone else."""
    if employee is None:
        return None
    if evaluation.reviewer_id == employee.pk:
        return EvaluationRating.Role.MANAGER
    if evaluation.cycle.second_level and evaluation.second_reviewer_id == employee.pk:
        return EvaluationRating.Role.SECOND
    return None


def is_own(evaluation: Evaluation, user) -> bool:
    """Whether the evaluation appraises `user` himself."""
    return evaluation.employee.user_id is not None and evaluation.employee.user_id == user.pk


def may_set_targets(evaluation: Evaluation, user) -> bool:
    """The reviewer, or a cycle manager who has the person in scope — never the person;
    nobody in a quarter or year scored from its months (no target there moves a score)."""
    if is_own(evaluation, user) or scored_from_months(evaluation.cycle):
        return False
    me = employee_of(user)
    if me is not None and evaluation.reviewer_id == me.pk:
        return True
    return (
        allows(user, "manage_cycles") and visible_appraisees(user).filter(pk=evaluation.employee_id).exists()
    )


def submitted_late(submitted_at: datetime.datetime | None, due: datetime.date | None) -> bool:
    """Whether a step done at `submitted_at` (None: not yet, judged now) came after the
    day it was due, in the company's zone."""
    if due is None:
        return False
    return local_today(submitted_at) > due


def _closed(message: str) -> Conflict:
    return Conflict(message, code=REVIEW_STEP_CLOSED)


def _person(evaluation: Evaluation) -> str:
    return evaluation.employee.name


# --- targets -------------------------------------------------------------------------------
def targets_set(*, evaluation: Evaluation, by, revision: int, targets: dict, reason: str = "") -> dict:
    """Set the evaluation's personal targets: `targets` maps an indicator code to a number
    (text or number; empty removes the personal target and the scheme's applies). Every
    value is checked against its item (a number on the good side of the threshold; a %
    from 0 to 100); any problem refuses the whole form. Returns the targets now set."""
    if is_own(evaluation, by):
        raise Refused(_("You cannot set targets on your own evaluation."), code=REVIEW_OWN_EVALUATION)
    if scored_from_months(evaluation.cycle):
        raise _closed(
            _("This cycle is scored as the mean of its months' results: the targets of each month apply.")
        )
    if not may_set_targets(evaluation, by):
        raise Refused(
            _("Only %(name)s's reviewer or a cycle manager may set personal targets.")
            % {"name": _person(evaluation)},
            code=NOT_THE_REVIEWER,
        )
    if evaluation.state != Evaluation.State.TARGETS:
        raise _closed(_("The targets of this evaluation are no longer open: they were signed off or frozen."))
    reason = str(reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise Invalid(
            _("The reason is longer than %(max)d characters.") % {"max": REASON_MAX_LENGTH}, field="reason"
        )
    items = {item.indicator: item for item in evaluation.version.items.all()}
    indicators = catalog()
    wanted = dict(evaluation.targets or {})
    problems: dict[str, ValidationError] = {}
    for code, given in targets.items():
        code = str(code)
        item = items.get(code)
        if item is None or item.kind != item.Kind.SCORED or item.rule not in ("linear", "ratio"):
            problems[f"target:{code}"] = ValidationError(
                _("%(item)s is not scored against a target in this scheme.")
                % {"item": _item_name(code, item, indicators)},
                code=TARGET_NOT_SETTABLE,
            )
            continue
        text = str(given if given is not None else "").strip()
        if not text:
            wanted.pop(code, None)
            continue
        number, problem = _target_number(text, item, indicators.get(code))
        if problem:
            name = _item_name(code, item, indicators)
            problems[f"target:{code}"] = ValidationError(f"{name}: {problem}", code=TARGET_VALUE)
        else:
            wanted[code] = number
    if problems:
        raise Invalid(problems, code=next(iter(problems.values())).code)
    old = dict(evaluation.targets or {})
    with transaction.atomic():
        claim_revision(evaluation, revision)
        if wanted == old:
            return wanted
        evaluation.targets = wanted
        evaluation.save(update_fields=["targets", "modified"])
        record_change(
            evaluation,
            kind=EvaluationChange.Kind.TARGETS,
            by=by,
            field="targets",
            old=old,
            new=wanted,
            reason=reason,
        )
    return wanted


def _item_name(code, item, indicators) -> str:
    indicator = indicators.get(code)
    if indicator is None:
        return code
    if item is None:
        return indicator.name() + f" ({code})"
    return item_text(item, indicator)


def _target_number(text: str, item, indicator) -> tuple[float | None, str]:
    """The target typed as a float, or the reason it is not one the item can use."""
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None, _("enter a number.")
    if not number.is_finite():
        return None, _("enter a number.")
    if indicator is not None and indicator.unit == "%" and not Decimal(0) <= number <= Decimal(100):
        return None, _("a percentage is from 0 to 100.")
    if number < 0:
        return None, _("a target cannot be negative.")
    if item.rule == "ratio" and number <= 0:
        return None, _("the ratio rule needs a target above 0.")
    if item.rule == "linear" and item.threshold is not None:
        lower_better = indicator is not None and indicator.direction == DOWN
        threshold = Decimal(item.threshold)
        if lower_better and number >= threshold:
            return None, _(
                "lower is better here: the target must be below the 0-points threshold %(threshold)s."
            ) % {"threshold": _plain(threshold)}
        if not lower_better and number <= threshold:
            return None, _(
                "higher is better here: the target must be above the 0-points threshold %(threshold)s."
            ) % {"threshold": _plain(threshold)}
    value = float(number)
    if math.isinf(value):
        return None, _("enter a number.")
    return value, ""


def _plain(number: Decimal) -> str:
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def targets_sign(*, evaluation: Evaluation, by, revision: int) -> Evaluation:
    """The employee confirms the template and targets: 'targets' → 'signed'."""
    if not is_own(evaluation, by):
        raise Refused(
            _("Only %(name)s signs off these targets.") % {"name": _person(evaluation)}, code=NOT_THE_EMPLOYEE
        )
    if evaluation.state != Evaluation.State.TARGETS:
        raise _closed(_("These targets are no longer waiting for your sign-off."))
    with transaction.atomic():
        claim_revision(evaluation, revision)
        old = evaluation.state
        evaluation.sign_targets()
        evaluation.save(update_fields=["state", "targets_signed_at", "modified"])
        record_change(
            evaluation, kind=EvaluationChange.Kind.STAGE, by=by, field="state", old=old, new=evaluation.state
        )
    return evaluation


# --- ratings of the manual items ------------------------------------------------------------
def manual_items(evaluation: Evaluation) -> list:
    """The evaluation's scored manual items, in the scheme's order; none in a quarter or
    year scored from its months (the months' ratings are in the months' scores)."""
    if scored_from_months(evaluation.cycle):
        return []
    return [
        item
        for item in evaluation.version.items.all()
        if item.rule == "manual" and item.kind == item.Kind.SCORED
    ]


def _check_ratings(evaluation: Evaluation, entries, *, submit: bool) -> tuple[dict, dict]:
    """The form's ratings checked against the evaluation's manual items: (problems by form
    field, code → (rating or None, comment)). On submit every item needs a rating."""
    items = {item.indicator: item for item in manual_items(evaluation)}
    indicators = catalog()
    problems: dict[str, ValidationError] = {}
    parsed: dict[str, tuple[int | None, str]] = {}
    for entry in entries:
        code = str(entry.indicator or "").strip()
        item = items.get(code)
        if item is None:
            problems[f"rating:{code}"] = ValidationError(
                _("%(item)s is not a manual item of this evaluation.")
                % {"item": _item_name(code, None, indicators)},
                code=REVIEW_RATING_NOT_MANUAL,
            )
            continue
        name = item_text(item, indicators[code]) if code in indicators else code
        comment = str(entry.comment or "").strip()
        try:
            rating = parse_rating(entry.rating)
        except ValueError:
            problems[f"rating:{code}"] = ValidationError(
                _("%(item)s: choose a rating from 1 to 5.") % {"item": name}, code=RATING_VALUE
            )
            continue
        if len(comment) > COMMENT_MAX_LENGTH:
            problems[f"comment:{code}"] = ValidationError(
                _("%(item)s: the comment is longer than %(max)d characters.")
                % {"item": name, "max": COMMENT_MAX_LENGTH},
                code="invalid",
            )
        elif rating is None and comment:
            problems[f"rating:{code}"] = ValidationError(
                _("%(item)s: a comment needs a rating; choose 1–5, or clear the comment.") % {"item": name},
                code=RATING_MISSING,
            )
        elif rating is not None and (rating < 3 or rating == 5) and not comment:
            problems[f"comment:{code}"] = ValidationError(
                _("%(item)s: a rating of %(rating)d needs a comment (below 3 or of 5).")
                % {"item": name, "rating": rating},
                code=RATING_COMMENT,
            )
        else:
            parsed[code] = (rating, comment)
    if submit:
        for code, item in items.items():
            if f"rating:{code}" in problems or f"comment:{code}" in problems:
                continue
            if parsed.get(code, (None, ""))[0] is None:
                name = item_text(item, indicators[code]) if code in indicators else code
                problems[f"rating:{code}"] = ValidationError(
                    _("%(item)s: rate it before you submit.") % {"item": name}, code=REVIEW_INCOMPLETE
                )
    return problems, parsed


check_ratings = _check_ratings  # the public name (services.cycle_ratings: the team screen)


def _write_ratings(evaluation, rater, role, parsed: dict, submitted_at) -> dict:
    """Create, change or delete the rater's ratings of the evaluation as `parsed` says;
    returns code → [rating, comment] as now stored, for the audit entry."""
    stored = {
        rating.indicator: rating
        for rating in EvaluationRating.objects.select_for_update().filter(
            evaluation=evaluation, rater=rater, role=role
        )
    }
    for code, (value, comment) in parsed.items():
        current = stored.get(code)
        if value is None:
            if current is not None:
                current.delete()
                del stored[code]
            continue
        if current is None:
            stored[code] = EvaluationRating.objects.create(
                evaluation=evaluation,
                indicator=code,
                rater=rater,
                role=role,
                rating=value,
                comment=comment,
                submitted_at=submitted_at,
            )
        elif (current.rating, current.comment, current.submitted_at) != (value, comment, submitted_at):
            current.rating, current.comment, current.submitted_at = value, comment, submitted_at
            current.save(update_fields=["rating", "comment", "submitted_at", "modified"])
    if submitted_at is not None:
        EvaluationRating.objects.filter(evaluation=evaluation, rater=rater, role=role).update(
            submitted_at=submitted_at
        )
    return {code: [rating.rating, rating.comment] for code, rating in sorted(stored.items())}


def _raise_problems(problems: dict) -> None:
    if problems:
        raise Invalid(problems, code=next(iter(problems.values())).code)


# --- self review ----------------------------------------------------------------------------
def self_review_save(
    *, evaluation: Evaluation, by, revision: int, ratings: list[ReviewRating], comment: str = "", submit: bool
) -> Evaluation:
    """The employee's self review, saved as a draft or submitted (→ 'manager_review')."""
    if not is_own(evaluation, by):
        raise Refused(
            _("Only %(name)s writes this self review.") % {"name": _person(evaluation)}, code=NOT_THE_EMPLOYEE
        )
    if evaluation.state != Evaluation.State.SELF_REVIEW or evaluation.cycle.stage not in REVIEW_STAGES:
        raise _closed(_("The self review of this evaluation has closed."))
    comment = str(comment or "").strip()
    problems, parsed = _check_ratings(evaluation, ratings, submit=submit)
    if len(comment) > COMMENT_MAX_LENGTH:
        problems["comment"] = ValidationError(
            _("The comment is longer than %(max)d characters.") % {"max": COMMENT_MAX_LENGTH}, code="invalid"
        )
    _raise_problems(problems)
    now = timezone.now()
    with transaction.atomic():
        claim_revision(evaluation, revision)
        written = _write_ratings(
            evaluation, evaluation.employee, EvaluationRating.Role.SELF, parsed, now if submit else None
        )
        evaluation.self_comment = comment
        fields = ["self_comment", "modified"]
        old = evaluation.state
        if submit:
            evaluation.self_submitted_at = now
            evaluation.submit_self_review()
            fields += ["self_submitted_at", "state"]
        evaluation.save(update_fields=fields)
        audit_record(
            actor=by,
            action="cycle.self_review_submit" if submit else "cycle.self_review_draft",
            obj=evaluation,
            changes={"self_ratings": [None, written]},
        )
        if submit:
            record_change(
                evaluation,
                kind=EvaluationChange.Kind.STAGE,
                by=by,
                field="state",
                old=old,
                new=evaluation.state,
            )
            # the reviewer's turn starts with this person's self review, whatever the cycle's stage
            notify_turn([evaluation], Cycle.Stage.MANAGER_REVIEW, by=by)
    return evaluation


# --- manager review -------------------------------------------------------------------------
def _parse_adjustment(value, limit: Decimal) -> tuple[float | None, ValidationError | None]:
    text = str(value if value is not None else "").strip().replace(",", ".")
    if not text:
        return 0.0, None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > limit:
        return None, ValidationError(
            _("The adjustment is a number of points from −%(limit)s to +%(limit)s.")
            % {"limit": _plain(limit)},
            code=REVIEW_ADJUSTMENT_LIMIT,
        )
    return float(number), None


def manager_review_save(
    *,
    evaluation: Evaluation,
    by,
    revision: int,
    ratings: list[ReviewRating],
    comment: str = "",
    adjustment=None,
    adjustment_reason: str = "",
    submit: bool,
) -> Evaluation:
    """The reviewer's (or the second-level reviewer's) review, as a draft or submitted.
    When every review the cycle asks for is in, the evaluation is scored again and moves
    on to 360° feedback (requests waiting) or calibration."""
    me = employee_of(by)
    if is_own(evaluation, by):
        raise Refused(_("You cannot review your own evaluation."), code=REVIEW_OWN_EVALUATION)
    if me is None:
        raise Refused(
            _("Your account has no employee record, so it cannot sign a review; ask HR to link one."),
            code=REVIEWER_WITHOUT_EMPLOYEE,
        )
    role = review_role(evaluation, me)
    if role is None:
        raise Refused(
            _("Only %(name)s's reviewer named in this cycle may review this evaluation.")
            % {"name": _person(evaluation)},
            code=NOT_THE_REVIEWER,
        )
    second = role == EvaluationRating.Role.SECOND
    cycle = evaluation.cycle
    if cycle.stage not in REVIEW_STAGES or evaluation.state not in (
        Evaluation.State.SELF_REVIEW,
        Evaluation.State.MANAGER_REVIEW,
    ):
        raise _closed(_("The manager review of this cycle has closed."))
    if (evaluation.second_submitted_at if second else evaluation.manager_submitted_at) is not None:
        raise Conflict(_("You have submitted this review already."), code=REVIEW_ALREADY_SUBMITTED)
    if submit and evaluation.state != Evaluation.State.MANAGER_REVIEW:
        raise _closed(
            _(
                "%(name)s has not submitted the self review yet: you may save a draft, "
                "and submit once it is in."
            )
            % {"name": _person(evaluation)}
        )
    comment = str(comment or "").strip()
    reason = str(adjustment_reason or "").strip()
    problems, parsed = _check_ratings(evaluation, ratings, submit=submit)
    if len(comment) > COMMENT_MAX_LENGTH:
        problems["comment"] = ValidationError(
            _("The comment is longer than %(max)d characters.") % {"max": COMMENT_MAX_LENGTH}, code="invalid"
        )
    elif submit and not comment:
        problems["comment"] = ValidationError(
            _("Write an overall comment before you submit the review."), code=REVIEW_COMMENT_MISSING
        )
    new_adjustment = evaluation.review_adjustment
    if second:
        if str(adjustment if adjustment is not None else "").strip() not in ("", "0"):
            problems["adjustment"] = ValidationError(
                _("Only the reviewer adjusts the score; the second-level review rates and comments."),
                code=REVIEW_ADJUSTMENT_SECOND,
            )
    else:
        new_adjustment, wrong = _parse_adjustment(adjustment, Decimal(cycle.adjustment_limit))
        if wrong is not None:
            problems["adjustment"] = wrong
        elif len(reason) > REASON_MAX_LENGTH:
            problems["adjustment_reason"] = ValidationError(
                _("The reason is longer than %(max)d characters.") % {"max": REASON_MAX_LENGTH},
                code="invalid",
            )
        elif new_adjustment and not reason:
            problems["adjustment_reason"] = ValidationError(
                _("Give the reason for the adjustment of %(points)s points.")
                % {"points": f"{new_adjustment:+g}"},
                code=REVIEW_ADJUSTMENT_REASON,
            )
        if not new_adjustment:
            reason = ""
    _raise_problems(problems)
    now = timezone.now()
    with transaction.atomic():
        claim_revision(evaluation, revision)
        written = _write_ratings(evaluation, me, role, parsed, now if submit else None)
        if second:
            evaluation.second_comment = comment
            fields = ["second_comment"]
            if submit:
                evaluation.second_submitted_at = now
                fields.append("second_submitted_at")
        else:
            old_adjustment = (evaluation.review_adjustment, evaluation.review_adjustment_reason)
            evaluation.manager_comment = comment
            evaluation.review_adjustment, evaluation.review_adjustment_reason = new_adjustment, reason
            fields = ["manager_comment", "review_adjustment", "review_adjustment_reason"]
            if submit:
                evaluation.manager_submitted_at = now
                fields.append("manager_submitted_at")
            if old_adjustment != (new_adjustment, reason):
                record_change(
                    evaluation,
                    kind=EvaluationChange.Kind.REVIEW_ADJUSTMENT,
                    by=by,
                    field="review_adjustment",
                    old=old_adjustment[0],
                    new=new_adjustment,
                    reason=reason,
                )
        audit_record(
            actor=by,
            action=f"cycle.{role}_review_submit" if submit else f"cycle.{role}_review_draft",
            obj=evaluation,
            changes={f"{role}_ratings": [None, written]},
        )
        if submit and _reviews_complete(evaluation):
            _score_and_move_on(evaluation, by, fields)
        else:
            evaluation.save(update_fields=[*fields, "modified"])
    return evaluation


def _reviews_complete(evaluation: Evaluation) -> bool:
    if evaluation.manager_submitted_at is None:
        return False
    needs_second = evaluation.cycle.second_level and evaluation.second_reviewer_id is not None
    return not needs_second or evaluation.second_submitted_at is not None


def _score_and_move_on(evaluation: Evaluation, by, fields: list[str]) -> None:
    """Score the evaluation from its snapshot and the submitted ratings, record the score
    and the step, and move it to 360° feedback or calibration."""
    old_score, old_grade, old_state = evaluation.final_score, evaluation.grade, evaluation.state
    rescore(evaluation)
    if FeedbackRequest.objects.filter(evaluation=evaluation, state=FeedbackRequest.State.PENDING).exists():
        evaluation.open_feedback()
    else:
        evaluation.to_calibration()
    save_scored(evaluation, [*fields, "state"])
    if (old_score, old_grade) != (evaluation.final_score, evaluation.grade):
        record_change(
            evaluation,
            kind=EvaluationChange.Kind.STAGE,
            by=by,
            field="final_score",
            old={"final_score": old_score, "grade": old_grade},
            new={"final_score": evaluation.final_score, "grade": evaluation.grade},
        )
    record_change(
        evaluation,
        kind=EvaluationChange.Kind.STAGE,
        by=by,
        field="state",
        old=old_state,
        new=evaluation.state,
    )
