"""/api/appraisal: the appraisal cycle for a person's phone app and HR's integrations —
the caller's waiting steps (the to-do list), one evaluation the caller may read, the
employee's sign-off of targets and confirmation of a published result, and a cycle's
progress board.

Everything reads through the cycle pages' selectors (appraisal.selectors: an evaluation
or cycle out of the caller's reach is 404, never 403, so ids cannot be probed) and writes
through their services (appraisal.services.reviews.targets_sign,
appraisal.services.appeals.evaluation_confirm), whose coded refusals api/main.py answers
as `{code, message, field}` with the refusal's status.

One evaluation carries the self, manager and second-level ratings and comments exactly as
the evaluation page shows them to the caller (appraisal.selectors.reviews.evaluation_page:
until both reviews are in, each side sees only its own), and the review form the caller
may fill; 360° answers stay the feedback pages'. The reviews, the cycles list and the
appeals are in api/appraisal_cycle.py, mounted on the same /api/appraisal."""

import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from servicescore.appraisal.selectors.cycles import cycle_for, cycle_progress, may_open_cycle_pages
from servicescore.appraisal.selectors.evaluations import evaluation_for
from servicescore.appraisal.selectors.reviews import SHOWS_RANKS, evaluation_page, todo_for
from servicescore.appraisal.selectors.scorecards import scorecard_lines
from servicescore.appraisal.services.appeals import evaluation_confirm
from servicescore.appraisal.services.reviews import targets_sign
from servicescore.core.errors import NotFound
from servicescore.kpi.catalog import catalog

from . import auth
from .common import ObjectIn, error_responses

router = Router(tags=["appraisal cycles"])
READ_ERRORS = error_responses(401, 403, 429)
ONE_ERRORS = error_responses(401, 403, 404, 422, 429)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422, 429)
# The largest id or revision a PostgreSQL integer column holds.
MAX_INT = 2_147_483_647


# --- the to-do list ------------------------------------------------------------------------------
class TaskOut(Schema):
    kind: str = Field(description="targets, self_review, review, feedback, confirm or appeal.")
    title: str = Field(description="What to do, in the caller's language.")
    person: str = Field(description="Whom the step is about (the caller for his own steps).")
    cycle: str = Field(description="The cycle's name.")
    url: str = Field(description="The page where the step is done (a path on this site).")
    due: datetime.date | None = Field(description="The step's deadline (null: none set).")
    late: bool = Field(description="Whether the deadline has passed.")


class TodoOut(Schema):
    items: list[TaskOut] = Field(description="Late steps first, then by deadline.")


@router.get(
    "/todo",
    response={200: TodoOut, **READ_ERRORS},
    auth=auth.READ,
    summary="List the caller's waiting cycle steps",
)
def get_todo(request):
    """Every appraisal step waiting for the caller: targets to sign off, a self review to
    write, reviews he owes, 360° feedback he was asked for, a result to confirm or
    appeal, appeals to decide or answer. The most urgent first."""
    return {
        "items": [
            {
                "kind": task.kind,
                "title": str(task.title),
                "person": task.person,
                "cycle": task.cycle,
                "url": task.url,
                "due": task.due,
                "late": task.late,
            }
            for task in todo_for(request.user)
        ]
    }


# --- one evaluation -------------------------------------------------------------------------------
class CycleRefOut(Schema):
    id: int
    name: str
    period: str = Field(description="The period appraised (e.g. 2026-10, 2026-Q4, 2026).")
    stage: str = Field(
        description="draft, targets, self_review, manager_review, feedback, calibration, published or closed."
    )


class PersonOut(Schema):
    employee_no: str
    name: str


class DeadlinesOut(Schema):
    targets_due: datetime.date | None
    self_review_due: datetime.date | None
    manager_review_due: datetime.date | None
    feedback_due: datetime.date | None
    calibration_due: datetime.date | None
    confirm_due: datetime.datetime | None = Field(
        description="Confirm or appeal the result by (once published)."
    )


class RanksOut(Schema):
    rank_in_position: int | None
    rank_in_centre: int | None
    ranked_among: int | None


class EvaluationItemOut(Schema):
    indicator: str = Field(description="The indicator's code.")
    name: str = Field(description="The indicator's name in the caller's language.")
    kind: str = Field(description="scored, bonus, deduction or veto.")
    weight: float | None
    value: float | None = Field(description="The frozen value scored (null: no data).")
    points: float | None
    contribution: float | None = Field(description="Points × effective weight / 100.")
    no_data: bool


class RatingOut(Schema):
    indicator: str = Field(description="The manual item's indicator code.")
    role: str = Field(description="self, manager or second.")
    rater: str = Field(description="The rater's name.")
    rating: int = Field(description="1–5.")
    comment: str
    submitted: bool = Field(description="False: a draft (only its author sees it).")


class ReviewOut(Schema):
    """The reviews as the evaluation page shows them to the caller: until the manager
    review is submitted after the self review, each side sees only its own ratings and
    comments (the employee never the reviewers', the reviewers never the employee's,
    nobody else either); afterwards every reader sees the submitted ones."""

    revealed: bool = Field(description="Whether both sides' submitted reviews are shown to every reader.")
    self_comment: str | None = Field(description="null: hidden from the caller.")
    self_submitted_at: datetime.datetime | None
    manager_comment: str | None = Field(description="null: hidden from the caller.")
    review_adjustment_reason: str | None = Field(description="null: hidden from the caller.")
    manager_submitted_at: datetime.datetime | None
    second_comment: str | None = Field(description="null: hidden from the caller.")
    second_submitted_at: datetime.datetime | None
    ratings: list[RatingOut] = Field(description="The ratings the caller may see (360° answers excluded).")


class FormCellOut(Schema):
    indicator: str
    name: str = Field(description="The item's name in the caller's language.")
    weight: float | None
    rating: int | None = Field(description="As stored, or carried in from the month's manual rating.")
    comment: str
    carried: bool = Field(description="The value comes from the month's rating outside the cycle.")


class ReviewFormOut(Schema):
    kind: str = Field(
        description="self_review (POST …/self-review), manager_review or second_review "
        "(POST …/manager-review)."
    )
    items: list[FormCellOut] = Field(description="The manual items to rate, in the scheme's order.")
    comment: str
    adjustment: float | None = Field(description="The reviewer's adjustment (null for the other forms).")
    adjustment_reason: str
    adjustment_limit: float | None = Field(description="± points the reviewer may adjust by.")
    may_submit: bool = Field(
        description="False while the self review is not in: the reviewer may only save a draft."
    )


class StepsLateOut(Schema):
    """Steps done (or still waiting) after their deadline, in the company's time zone: a
    late review is accepted while the cycle is in its stage, and shown as late."""

    targets: bool
    self_review: bool
    manager_review: bool


class MonthOut(Schema):
    period: str = Field(description="The month, YYYY-MM.")
    cycle_name: str = Field(description="The month cycle whose published result counts (empty: none).")
    final_score: float | None = Field(
        description="That month's final score (null: none, or insufficient data)."
    )
    grade: str
    published: bool = Field(description="Whether a published month result exists.")
    running: str = Field(
        description="Before the freeze: the month cycle still running that the freeze waits for."
    )
    evaluation: str = Field(description="The month evaluation's page (a path), when the caller may open it.")


class EvaluationOut(Schema):
    id: int
    cycle: CycleRefOut
    person: PersonOut
    state: str = Field(
        description="targets, signed, self_review, manager_review, feedback, calibration, published, "
        "appealed or final."
    )
    revision: int = Field(
        description="Send it back with a write: an older one answers 409 evaluation_changed."
    )
    deadlines: DeadlinesOut
    kpi_score: float | None
    manual_score: float | None
    review_adjustment: float | None = Field(
        description="The reviewer's adjustment; null while hidden from the caller (as his comment)."
    )
    calibration_adjustment: float
    appeal_adjustment: float = Field(description="Points an appeal decision added (its own field).")
    final_score: float | None
    grade: str = Field(description="The grade shown: the calibrated one when set, else the score's.")
    months: list[MonthOut] | None = Field(
        description="A quarter or year scored as the mean of its months: each month of the span and "
        "the published result it counts (frozen at the freeze; before it, the results so far); null "
        "for other cycles."
    )
    ranks: RanksOut | None = Field(description="Only once the result is published; null before.")
    items: list[EvaluationItemOut] = Field(description="The scored lines, once the figures are frozen.")
    review: ReviewOut
    form: ReviewFormOut | None = Field(
        description="The review the caller may write now (self review, or his review as the "
        "reviewer or second-level reviewer), with what is stored; null when none."
    )
    may_sign: bool = Field(description="The caller signs off these targets now (POST …/sign).")
    late: StepsLateOut


def _number(value) -> float | None:
    return None if value is None else float(value)


def _item_out(line: dict) -> dict:
    return {
        "indicator": line.get("code") or "",
        "name": str(line.get("name") or line.get("label") or line.get("code") or ""),
        "kind": line.get("kind") or "",
        "weight": _number(line.get("weight")),
        "value": _number(line.get("value")),
        "points": _number(line.get("points")),
        "contribution": _number(line.get("contribution")),
        "no_data": bool(line.get("no_data")),
    }


def _evaluation_out(evaluation, lines=None) -> dict:
    """The evaluation's fields; `lines`: its scored lines as already read (else read here)."""
    if lines is None:
        lines = scorecard_lines(evaluation, catalog()) if evaluation.items else []
    cycle = evaluation.cycle
    published = evaluation.state in SHOWS_RANKS
    return {
        "id": evaluation.pk,
        "cycle": {"id": cycle.pk, "name": cycle.name, "period": cycle.period, "stage": cycle.stage},
        "person": {"employee_no": evaluation.employee.employee_no, "name": evaluation.employee.name},
        "state": evaluation.state,
        "revision": evaluation.revision,
        "deadlines": {
            "targets_due": cycle.targets_due,
            "self_review_due": cycle.self_review_due,
            "manager_review_due": cycle.manager_review_due,
            "feedback_due": cycle.feedback_due,
            "calibration_due": cycle.calibration_due,
            "confirm_due": evaluation.confirm_due,
        },
        "kpi_score": evaluation.kpi_score,
        "manual_score": evaluation.manual_score,
        "review_adjustment": evaluation.review_adjustment,
        "calibration_adjustment": evaluation.calibration_adjustment,
        "appeal_adjustment": evaluation.appeal_adjustment,
        "final_score": evaluation.final_score,
        "months": None,
        "grade": evaluation.shown_grade,
        "ranks": {
            "rank_in_position": evaluation.rank_in_position,
            "rank_in_centre": evaluation.rank_in_centre,
            "ranked_among": evaluation.ranked_among,
        }
        if published
        else None,
        "items": [_item_out(line) for line in lines],
    }


def _cell_out(cell, names: dict) -> dict:
    return {
        "indicator": cell.code,
        "name": names.get(cell.code) or cell.label or cell.code,
        "weight": _number(cell.weight),
        "rating": int(cell.rating) if cell.rating else None,
        "comment": cell.comment,
        "carried": cell.carried,
    }


def _form_out(page: dict, names: dict) -> dict | None:
    if page["self_form"] is not None:
        form, kind, reviewer = page["self_form"], "self_review", False
    elif page["review_form"] is not None:
        form = page["review_form"]
        kind, reviewer = ("second_review", False) if form["second"] else ("manager_review", True)
    else:
        return None
    return {
        "kind": kind,
        "items": [_cell_out(cell, names) for cell in form["cells"]],
        "comment": form["comment"],
        "adjustment": page["evaluation"].review_adjustment if reviewer else None,
        "adjustment_reason": form.get("adjustment_reason", "") if reviewer else "",
        "adjustment_limit": _number(form.get("limit")) if reviewer else None,
        "may_submit": form.get("may_submit", True),
    }


def _review_out(page: dict) -> dict:
    evaluation = page["evaluation"]
    manager = page["show_manager_comment"]
    return {
        "revealed": page["revealed"],
        "self_comment": evaluation.self_comment if page["show_self_comment"] else None,
        "self_submitted_at": evaluation.self_submitted_at,
        "manager_comment": evaluation.manager_comment if manager else None,
        "review_adjustment_reason": evaluation.review_adjustment_reason if manager else None,
        "manager_submitted_at": evaluation.manager_submitted_at,
        "second_comment": evaluation.second_comment if page["show_second_comment"] else None,
        "second_submitted_at": evaluation.second_submitted_at,
        "ratings": [
            {
                "indicator": rating.indicator,
                "role": rating.role,
                "rater": rating.rater.name,
                "rating": rating.rating,
                "comment": rating.comment,
                "submitted": rating.submitted_at is not None,
            }
            for rating in page["shown_ratings"]
        ],
    }


def evaluation_view(request, evaluation_id: int) -> dict:
    """The evaluation as the caller may read it, through the evaluation page's selector
    (its hidden-ratings rule included); 404 when out of reach."""
    if not 0 < evaluation_id <= MAX_INT:
        raise NotFound(_("No such evaluation."))
    page = evaluation_page(request.user, evaluation_id)
    # the page's scored lines (frozen figures), with their names in the caller's language
    names = {line["code"]: str(line["name"]) for line in page["lines"]}
    return _evaluation_out(page["evaluation"], page["lines"]) | {
        "review": _review_out(page),
        "form": _form_out(page, names),
        "may_sign": page["may_sign"],
        "late": {key: bool(page["late"][key]) for key in ("targets", "self_review", "manager_review")},
        "months": [
            {
                "period": row.period,
                "cycle_name": row.cycle_name,
                "final_score": row.final_score,
                "grade": row.grade,
                "published": row.published,
                "running": row.running,
                "evaluation": row.url,
            }
            for row in page["months"]["rows"]
        ]
        if page["months"]
        else None,
        # the reviewer's adjustment is part of his review: hidden as his comment is
        "review_adjustment": page["evaluation"].review_adjustment if page["show_manager_comment"] else None,
    }


def readable_evaluation(request, evaluation_id: int):
    """The evaluation if the caller may read it; 404 otherwise (ids beyond a database
    integer included)."""
    if not 0 < evaluation_id <= MAX_INT:
        raise NotFound(_("No such evaluation."))
    return evaluation_for(request.user, evaluation_id)


@router.get(
    "/evaluations/{evaluation_id}",
    response={200: EvaluationOut, **ONE_ERRORS},
    auth=auth.READ,
    summary="Retrieve an evaluation",
)
def get_evaluation(request, evaluation_id: int):
    """One evaluation the caller may read (the appraised person, the people whose scope
    holds him, the reviewers the cycle named): the cycle, the person, the state and
    revision, the deadlines, the scores and grade, the ranks once published, and the
    scored lines once frozen; the reviews as the caller may see them (until both the self
    review and the manager review are in, each side sees only its own ratings and
    comments) and the review form he may fill now."""
    return evaluation_view(request, evaluation_id)


class SignIn(ObjectIn):
    revision: int = Field(
        ge=0, le=MAX_INT, description="The evaluation's revision as read: an older one answers 409."
    )


@router.post(
    "/evaluations/{evaluation_id}/sign",
    response={200: EvaluationOut, **WRITE_ERRORS},
    auth=auth.WRITE,
    summary="Sign off the targets of one's own evaluation",
)
def sign_targets(request, evaluation_id: int, payload: SignIn):
    """The appraised employee signs off his scheme and targets ('targets' → 'signed').
    Anyone else answers 403 `not_the_employee`; targets no longer waiting 409
    `review_step_closed`; a stale revision 409 `evaluation_changed`."""
    evaluation = readable_evaluation(request, evaluation_id)
    targets_sign(evaluation=evaluation, by=request.user, revision=payload.revision)
    return evaluation_view(request, evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/confirm",
    response={200: EvaluationOut, **WRITE_ERRORS},
    auth=auth.WRITE,
    summary="Confirm one's own published result",
)
def confirm_result(request, evaluation_id: int):
    """The appraised employee confirms his published result within the window: it becomes
    final. Anyone else answers 403 `not_own_evaluation`; after the window 403
    `confirm_window_closed`; a result not published (or appealed, or final) 409
    `evaluation_not_published`."""
    evaluation = readable_evaluation(request, evaluation_id)
    evaluation_confirm(by=request.user, evaluation=evaluation)
    return evaluation_view(request, evaluation_id)


# --- a cycle's progress ---------------------------------------------------------------------------
class StateCountOut(Schema):
    state: str
    label: str = Field(description="The state's name in the caller's language.")


class CentreRowOut(Schema):
    unit: str = Field(description="The service centre's name (— for people outside any).")
    counts: list[int] = Field(description="People per state, in the order of `states`.")
    total: int


class LateOut(Schema):
    evaluation_id: int
    name: str
    employee_no: str
    state: str = Field(description="The state's name in the caller's language.")
    due: datetime.date
    actor: str = Field(description="Who must act: their name.")
    actor_role: str = Field(description="employee, reviewer or second_reviewer.")


class ProgressOut(Schema):
    cycle: CycleRefOut
    states: list[StateCountOut] = Field(description="The states someone is in, in the cycle's order.")
    rows: list[CentreRowOut]
    totals: list[int] = Field(description="People per state over all centres, in the order of `states`.")
    total: int
    late: list[LateOut] = Field(description="The first 50 people late, in org-chart order.")
    late_total: int = Field(description="How many people are late in all.")


@router.get(
    "/cycles/{cycle_id}/progress",
    response={200: ProgressOut, **ONE_ERRORS},
    auth=auth.READ,
    summary="Retrieve a cycle's progress board",
)
def get_progress(request, cycle_id: int):
    """The cycle's evaluations within the caller's scope counted by state and service
    centre, and the late people with who must act. For the roles that open the cycle
    pages (service managers, HR, administrators, auditors); 404 for anyone else and for a
    cycle out of the caller's reach."""
    if not may_open_cycle_pages(request.user) or not 0 < cycle_id <= MAX_INT:
        raise NotFound(_("No such appraisal cycle."))
    cycle = cycle_for(request.user, cycle_id)
    board = cycle_progress(request.user, cycle)
    return {
        "cycle": {"id": cycle.pk, "name": cycle.name, "period": cycle.period, "stage": cycle.stage},
        "states": [{"state": str(state), "label": str(label)} for state, label in board.states],
        "rows": board.rows,
        "totals": board.totals,
        "total": board.total,
        "late": [
            {
                "evaluation_id": person.evaluation_id,
                "name": person.name,
                "employee_no": person.employee_no,
                "state": str(person.state_label),
                "due": person.due,
                "actor": str(person.actor),
                "actor_role": person.actor_role,
            }
            for person in board.late
        ],
        "late_total": board.late_total,
    }
