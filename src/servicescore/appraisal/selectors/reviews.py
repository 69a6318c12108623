"""What the evaluation page and the to-do list read (issue 18, Cycles).

The evaluation page: the person, the cycle, the state, the reviewers and deadlines, the
targets (the scheme version's items with their targets and any personal ones), after the
freeze the score from the snapshot, and the review forms of whoever may write them.

Hidden ratings: until both the self review and the manager review are in (the manager
review submitted after the self review closed — submitted or skipped by HR), each side
sees only its own ratings and comments: the employee never the reviewers', the
reviewers never the employee's, and nobody else either. Afterwards everyone who reads
the evaluation reads them (360° ratings are the feedback part's business).

The to-do list: every cycle step waiting for the user, in a fixed number of queries."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from servicescore.core.periods import local_today
from servicescore.kpi.catalog import catalog
from servicescore.kpi.models import ManualRating
from servicescore.kpi.selectors import unit_label
from servicescore.org.models import Employee
from servicescore.org.scope import employee_of

from ..models import Appeal, Cycle, Evaluation, EvaluationRating, FeedbackRequest, TemplateItem
from ..policy import allows
from ..services.reviews import (
    REVIEW_STAGES,
    is_own,
    manual_items,
    may_set_targets,
    review_role,
    submitted_late,
)
from .cycle_months import month_rows
from .evaluations import evaluation_for, readable_evaluations
from .scorecards import scorecard_lines

BEFORE_FREEZE = (Evaluation.State.TARGETS, Evaluation.State.SIGNED)
SHOWS_RANKS = (Evaluation.State.PUBLISHED, Evaluation.State.APPEALED, Evaluation.State.FINAL)


def reviews_revealed(evaluation: Evaluation) -> bool:
    """Whether the self and manager ratings are shown to both sides: the manager review
    is submitted and the self review is over."""
    return evaluation.manager_submitted_at is not None and evaluation.state not in (
        *BEFORE_FREEZE,
        Evaluation.State.SELF_REVIEW,
    )


@dataclass
class RatingCell:
    """One manual item of a review form: code, label, the rating and comment shown (as
    stored, carried in from the month, or as posted) and the errors put on it."""

    code: str
    label: str
    weight: object
    rating: str = ""
    comment: str = ""
    carried: bool = False
    errors: list = field(default_factory=list)


@dataclass
class TargetRow:
    code: str
    label: str
    kind: str
    rule: str
    target: object
    threshold: object
    personal: object
    unit: str
    settable: bool
    weight: object = None
    kind_label: str = ""
    value: str = ""
    errors: list = field(default_factory=list)


def _target_rows(evaluation: Evaluation, items) -> list[TargetRow]:
    kinds = dict(TemplateItem.Kind.choices)
    rows = []
    for item in items:
        personal = (evaluation.targets or {}).get(item.indicator)
        rows.append(
            TargetRow(
                code=item.indicator,
                label=item.label,
                kind=item.kind,
                rule=item.rule,
                target=item.target,
                threshold=item.threshold,
                personal=personal,
                unit="",
                settable=item.kind == TemplateItem.Kind.SCORED and item.rule in ("linear", "ratio"),
                weight=item.weight,
                kind_label=str(kinds.get(item.kind, item.kind)),
                value="" if personal is None else f"{personal:g}",
            )
        )
    return rows


def _cells(items, stored: dict, carried: dict | None = None) -> list[RatingCell]:
    cells = []
    for item in items:
        own = stored.get(item.indicator)
        month = (carried or {}).get(item.indicator) if own is None else None
        source = own or month
        cells.append(
            RatingCell(
                code=item.indicator,
                label=item.label,
                weight=item.weight,
                rating=str(source.rating) if source else "",
                comment=source.comment if source else "",
                carried=month is not None,
            )
        )
    return cells


def evaluation_page(user, pk) -> dict:
    """Everything the evaluation page shows `user`; NotFound (404) when the user may not
    read the evaluation."""
    evaluation = evaluation_for(user, pk)
    cycle = evaluation.cycle
    items = list(evaluation.version.items.all())
    me = employee_of(user)
    own = is_own(evaluation, user)
    role = None if own else review_role(evaluation, me)
    revealed = reviews_revealed(evaluation)
    ratings = list(
        EvaluationRating.objects.filter(evaluation=evaluation)
        .exclude(role=EvaluationRating.Role.PEER)
        .select_related("rater")
        .order_by("role", "indicator")
    )
    mine = [rating for rating in ratings if me is not None and rating.rater_id == me.pk]
    if revealed:
        shown = [rating for rating in ratings if rating.submitted_at is not None]
    else:
        shown = mine
    frozen = evaluation.state not in BEFORE_FREEZE
    indicators = catalog()
    lines = scorecard_lines(evaluation, indicators) if frozen and evaluation.items else []
    manual = manual_items(evaluation)
    context = {
        "evaluation": evaluation,
        "cycle": cycle,
        "person": evaluation.employee,
        "is_own": own,
        "role": role,
        "revealed": revealed,
        "frozen": frozen,
        # the month's evidence pages exist for a monthly cycle only
        "period_ref": {"code": cycle.period},
        "no_evidence_link": cycle.kind != Cycle.Kind.MONTH,
        "target_rows": _target_rows(evaluation, items),
        # a quarter or year scored as the mean of its months: those months instead
        "months": month_rows(user, evaluation),
        "lines": lines,
        "scored": [line for line in lines if line.get("kind") == TemplateItem.Kind.SCORED],
        "adjustments": [line for line in lines if line.get("kind") in ("bonus", "deduction")],
        "vetoes": [line for line in lines if line.get("kind") == TemplateItem.Kind.VETO],
        "shown_ratings": shown,
        "show_self_comment": own or revealed,
        "show_manager_comment": revealed or role == EvaluationRating.Role.MANAGER,
        "show_second_comment": revealed or role == EvaluationRating.Role.SECOND,
        "show_ranks": evaluation.state in SHOWS_RANKS,
        "late": {
            "targets": evaluation.state == Evaluation.State.TARGETS
            and submitted_late(None, cycle.targets_due),
            "self_review": submitted_late(evaluation.self_submitted_at, cycle.self_review_due)
            if evaluation.self_submitted_at or evaluation.state == Evaluation.State.SELF_REVIEW
            else False,
            "manager_review": submitted_late(evaluation.manager_submitted_at, cycle.manager_review_due)
            if evaluation.manager_submitted_at or evaluation.state == Evaluation.State.MANAGER_REVIEW
            else False,
        },
        "may_set_targets": evaluation.state == Evaluation.State.TARGETS and may_set_targets(evaluation, user),
        "may_sign": own and evaluation.state == Evaluation.State.TARGETS,
        "self_form": None,
        "review_form": None,
    }
    if own and evaluation.state == Evaluation.State.SELF_REVIEW and cycle.stage in REVIEW_STAGES:
        stored = {rating.indicator: rating for rating in mine if rating.role == EvaluationRating.Role.SELF}
        context["self_form"] = {
            "cells": _cells(manual, stored),
            "comment": evaluation.self_comment,
            "errors": [],
        }
    submitted = (
        evaluation.second_submitted_at
        if role == EvaluationRating.Role.SECOND
        else evaluation.manager_submitted_at
    )
    if (
        role is not None
        and submitted is None
        and cycle.stage in REVIEW_STAGES
        and evaluation.state in (Evaluation.State.SELF_REVIEW, Evaluation.State.MANAGER_REVIEW)
    ):
        stored = {rating.indicator: rating for rating in mine if rating.role == role}
        carried = {}
        if not stored and cycle.kind == Cycle.Kind.MONTH and manual:
            carried = {
                rating.indicator: rating
                for rating in ManualRating.objects.filter(
                    employee=evaluation.employee, period=cycle.period, reviewer=me
                )
            }
        second = role == EvaluationRating.Role.SECOND
        context["review_form"] = {
            "second": second,
            "cells": _cells(manual, stored, carried),
            "comment": evaluation.second_comment if second else evaluation.manager_comment,
            "adjustment": ""
            if second or not evaluation.review_adjustment
            else f"{evaluation.review_adjustment:g}",
            "adjustment_reason": "" if second else evaluation.review_adjustment_reason,
            "limit": cycle.adjustment_limit,
            "may_submit": evaluation.state == Evaluation.State.MANAGER_REVIEW,
            "errors": [],
        }
    for row in context["target_rows"]:
        indicator = indicators.get(row.code)
        row.unit = unit_label(indicator.unit) if indicator else ""
    return context


# --- the to-do list -------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One step waiting for the user: what (kind), for whom, in which cycle, where to do
    it, by when and whether that has passed."""

    kind: str
    title: str
    person: str
    cycle: str
    url: str
    due: datetime.date | None
    late: bool
    # the cycle's id: the to-do list links the team rating screen of a cycle where the
    # user owes several reviews (templatetags/cycle_ratings.py)
    cycle_id: int | None = None


def _task(kind, title, evaluation, url, due) -> Task:
    if isinstance(due, datetime.datetime):
        due = local_today(due)
    return Task(
        kind=kind,
        title=title,
        person=evaluation.employee.name,
        cycle=evaluation.cycle.name,
        url=url,
        due=due,
        late=due is not None and local_today() > due,
        cycle_id=evaluation.cycle_id,
    )


def todo_for(user) -> list[Task]:
    """Every cycle step waiting for `user`, the most urgent first. At most six queries,
    however many steps there are."""
    me = employee_of(user)
    tasks = _steps_of(user, me) if me is not None else []
    tasks += _appeals_to_handle(user, me)
    far = datetime.date.max
    return sorted(tasks, key=lambda task: (not task.late, task.due or far, task.kind, task.person))


def _steps_of(user, me) -> list[Task]:
    """The user's own steps, the reviews he owes and the 360° requests he was sent."""
    tasks: list[Task] = []
    readable = readable_evaluations(user).exclude(cycle__stage=Cycle.Stage.DRAFT)
    own = readable.filter(employee=me).filter(
        Q(state=Evaluation.State.TARGETS, cycle__stage=Cycle.Stage.TARGETS)
        | Q(state=Evaluation.State.SELF_REVIEW, cycle__stage__in=REVIEW_STAGES)
        | Q(state=Evaluation.State.PUBLISHED, confirmed_at__isnull=True)
    )
    for evaluation in own.select_related("cycle", "employee"):
        url = reverse("appraisal:evaluation", args=[evaluation.pk])
        cycle = evaluation.cycle
        if evaluation.state == Evaluation.State.TARGETS:
            tasks.append(_task("targets", _("Sign off your targets"), evaluation, url, cycle.targets_due))
        elif evaluation.state == Evaluation.State.SELF_REVIEW:
            tasks.append(
                _task("self_review", _("Write your self review"), evaluation, url, cycle.self_review_due)
            )
        else:
            tasks.append(
                _task("confirm", _("Confirm or appeal your result"), evaluation, url, evaluation.confirm_due)
            )
    reviews = readable.filter(cycle__stage__in=REVIEW_STAGES).filter(
        Q(
            reviewer=me,
            manager_submitted_at__isnull=True,
            state__in=[Evaluation.State.SELF_REVIEW, Evaluation.State.MANAGER_REVIEW],
        )
        | Q(
            second_reviewer=me,
            cycle__second_level=True,
            second_submitted_at__isnull=True,
            state=Evaluation.State.MANAGER_REVIEW,
        )
    )
    # A leaver's review holds nothing and is asked of nobody (services/cycles.py, Leavers).
    reviews = reviews.exclude(employee=me).exclude(employee__status=Employee.Status.LEFT)
    for evaluation in reviews.select_related("cycle", "employee"):
        url = reverse("appraisal:evaluation", args=[evaluation.pk])
        if evaluation.state == Evaluation.State.SELF_REVIEW:
            title = _("Prepare the review (self review not in yet)")
        elif evaluation.reviewer_id == me.pk:
            title = _("Review")
        else:
            title = _("Second-level review")
        tasks.append(_task("review", title, evaluation, url, evaluation.cycle.manager_review_due))
    requests = (
        FeedbackRequest.objects.filter(rater=me, state=FeedbackRequest.State.PENDING)
        .exclude(evaluation__cycle__stage__in=[Cycle.Stage.DRAFT, Cycle.Stage.PUBLISHED, Cycle.Stage.CLOSED])
        .select_related("evaluation__cycle", "evaluation__employee")
    )
    for request in requests:
        tasks.append(
            _task(
                "feedback",
                _("Give 360° feedback"),
                request.evaluation,
                f"/appraisal/feedback/{request.pk}/",
                request.evaluation.cycle.feedback_due,
            )
        )
    return tasks


def _appeals_to_handle(user, me) -> list[Task]:
    """Open appeals the user decides (HR, or the cycle's appeal reviewer; never the
    original manager nor the appellant) and the user's own appeals waiting for an answer."""
    deciding = Q(pk__in=[])
    if me is not None:
        deciding = Q(evaluation__cycle__appeal_reviewer=me)
    if allows(user, "decide_appeals"):
        deciding |= Q(evaluation__in=readable_evaluations(user))
    to_decide = Q(state=Appeal.State.OPEN) & deciding
    if me is not None:
        to_decide &= ~Q(evaluation__reviewer=me) & ~Q(evaluation__employee=me)
        to_decide |= Q(state=Appeal.State.INFO_REQUESTED, evaluation__employee=me)
    tasks = []
    appeals = (
        Appeal.objects.filter(to_decide)
        .select_related("evaluation__cycle", "evaluation__employee")
        .order_by("due_at", "pk")
    )
    for appeal in appeals:
        if appeal.state == Appeal.State.OPEN:
            title, due = _("Decide the appeal"), appeal.due_at
        else:
            title, due = _("Answer the request for more information on your appeal"), None
        tasks.append(_task("appeal", title, appeal.evaluation, f"/appraisal/appeals/{appeal.pk}/", due))
    return tasks
