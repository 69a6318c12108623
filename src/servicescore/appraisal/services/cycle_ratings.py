"""The team rating screen of a cycle (issue 18: "Manual ratings in a cycle use the rating
screen from the day-one work"): a reviewer saves DRAFT manager ratings for all the people
whose review he owes in one cycle, in one transaction.

Each row goes through services.reviews: its ratings are checked by `check_ratings` (the
1–5 scale and the comment rule, never restated here) and written by
`manager_review_save(submit=False)`, which claims the evaluation's revision and writes the
audit entry. A row whose ratings are as stored is left alone (no revision claimed, no
audit entry), so an employee's self review saved meanwhile does not conflict with a row
the reviewer did not touch. Any problem on any row — a bad rating, a missing comment, a
revision someone else moved, a review submitted meanwhile — and nothing is saved; the
problems name their row (`<evaluation id>:<field>`). Submitting a review stays on the
evaluation page: the overall comment and the adjustment are per person.

Who: only rows the caller reviews in the cycle (the reviewer, or the second-level
reviewer when the cycle has a second level), never his own; any other id refuses the
whole form."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from servicescore.core.errors import Conflict, DomainError, Invalid, Refused, error_items
from servicescore.org.models import Employee
from servicescore.org.scope import employee_of

from ..errors import REVIEWER_WITHOUT_EMPLOYEE
from ..models import Cycle, Evaluation, EvaluationRating
from ..selectors.evaluations import readable_evaluations
from .reviews import (
    NOT_THE_REVIEWER,
    REVIEW_STAGES,
    REVIEW_STEP_CLOSED,
    ReviewRating,
    check_ratings,
    manager_review_save,
    review_role,
)

REVIEW_ROLES = (EvaluationRating.Role.MANAGER, EvaluationRating.Role.SECOND)


@dataclass(frozen=True)
class RowEntry:
    """One person's row as posted: the evaluation id and the revision the screen was
    opened with (text as posted), and the manual items' ratings."""

    evaluation: object
    revision: object
    ratings: list[ReviewRating] = field(default_factory=list)


def reviewed_by(user, me, cycle: Cycle, *, readable: QuerySet | None = None) -> QuerySet:
    """The evaluations of `cycle` that `me` (the user's employee record) reviews — as the
    reviewer, or as the second-level reviewer when the cycle has one — within what the
    user may read (`readable`: readable_evaluations(user), when the caller has it); never
    his own."""
    return (
        (readable_evaluations(user) if readable is None else readable)
        .filter(cycle=cycle)
        .filter(Q(reviewer=me) | Q(second_reviewer=me, cycle__second_level=True))
        .exclude(employee=me)
    )


def open_reviews(user, me, cycle: Cycle, *, readable: QuerySet | None = None) -> QuerySet:
    """Those of `reviewed_by` whose review by `me` is still to write, as the to-do list
    counts them: the reviewer's from the self review on (a draft may be prepared), the
    second-level reviewer's once the self review is in; none outside the review stages,
    and none of a leaver (services/cycles.py, Leavers: asked of nobody)."""
    return (
        reviewed_by(user, me, cycle, readable=readable)
        .filter(
            Q(
                reviewer=me,
                manager_submitted_at__isnull=True,
                state__in=[Evaluation.State.SELF_REVIEW, Evaluation.State.MANAGER_REVIEW],
            )
            | Q(
                second_reviewer=me,
                second_submitted_at__isnull=True,
                state=Evaluation.State.MANAGER_REVIEW,
            ),
            cycle__stage__in=REVIEW_STAGES,
        )
        .exclude(employee__status=Employee.Status.LEFT)
    )


def _unchanged(parsed: dict, stored: dict) -> bool:
    """Whether the checked ratings (code → (rating or None, comment)) are what is stored
    (code → (rating, comment))."""
    for code, (rating, comment) in parsed.items():
        if rating is None:
            if code in stored:
                return False
        elif stored.get(code) != (rating, comment):
            return False
    return True


def _revision(text) -> int | None:
    text = str(text if text is not None else "").strip()
    return int(text) if text.isdigit() else None


def _row_key(evaluation_id: int, name: str | None) -> str:
    return f"{evaluation_id}:{name or 'row'}"


def manager_ratings_save_many(*, by, cycle: Cycle, entries: list[RowEntry]) -> list[Evaluation]:
    """Save the rows' ratings as the caller's draft reviews, all or nothing; returns the
    evaluations written (rows left as they were are not). Refused for a row that is not
    the caller's to review in this cycle, Conflict when the cycle's review stages are over
    or a row changed since the screen was opened, Invalid for a bad rating — each problem
    keyed `<evaluation id>:<field>`."""
    me = employee_of(by)
    if me is None:
        raise Refused(
            _("Your account has no employee record, so it cannot sign a review; ask HR to link one."),
            code=REVIEWER_WITHOUT_EMPLOYEE,
        )
    if cycle.stage not in REVIEW_STAGES:
        raise Conflict(_("The manager review of this cycle has closed."), code=REVIEW_STEP_CLOSED)
    ids = [_revision(entry.evaluation) for entry in entries]
    mine = {}
    if entries and None not in ids:
        mine = {
            ev.pk: ev
            for ev in reviewed_by(by, me, cycle)
            .filter(pk__in=ids)
            .select_related("cycle", "employee", "version")
            .prefetch_related("version__items")
        }
    if None in ids or any(pk not in mine or review_role(mine[pk], me) is None for pk in ids):
        raise Refused(
            _(
                "The form names a person whose review in this cycle is not yours; nothing was "
                "saved. Open the screen again."
            ),
            code=NOT_THE_REVIEWER,
        )
    stored: dict[int, dict[str, tuple[int, str]]] = {pk: {} for pk in ids}
    for ev_id, role, code, rating, comment in EvaluationRating.objects.filter(
        evaluation__in=ids, rater=me, role__in=REVIEW_ROLES
    ).values_list("evaluation", "role", "indicator", "rating", "comment"):
        if role == review_role(mine[ev_id], me):
            stored[ev_id][code] = (rating, comment)
    problems: dict[str, ValidationError] = {}
    changed = []
    for pk, entry in zip(ids, entries, strict=True):
        evaluation = mine[pk]
        revision = _revision(entry.revision)
        if revision is None:
            problems[_row_key(pk, "revision")] = ValidationError(
                _("The form is incomplete (its revision is missing); open the screen again."),
                code="invalid",
            )
            continue
        found, parsed = check_ratings(evaluation, entry.ratings, submit=False)
        for name, error in found.items():
            problems[_row_key(pk, name)] = error
        if not found and not _unchanged(parsed, stored[pk]):
            changed.append((evaluation, revision, entry))
    if problems:
        raise Invalid(problems, code=next(iter(problems.values())).code)
    written = []
    with transaction.atomic():
        status = None
        for evaluation, revision, entry in changed:
            second = review_role(evaluation, me) == EvaluationRating.Role.SECOND
            try:
                manager_review_save(
                    evaluation=evaluation,
                    by=by,
                    revision=revision,
                    ratings=entry.ratings,
                    comment=evaluation.second_comment if second else evaluation.manager_comment,
                    adjustment=None
                    if second or not evaluation.review_adjustment
                    else f"{evaluation.review_adjustment:g}",
                    adjustment_reason="" if second else evaluation.review_adjustment_reason,
                    submit=False,
                )
            except DomainError as error:
                status = max(status or 0, error.status)
                for item in error_items(error):
                    problems[_row_key(evaluation.pk, item["field"])] = ValidationError(
                        item["message"], code=item["code"]
                    )
            else:
                written.append(evaluation)
        if problems:
            # the transaction rolls back the rows that did save
            kind = {409: Conflict, 403: Refused}.get(status, Invalid)
            raise kind(problems, code=next(iter(problems.values())).code)
    return written
