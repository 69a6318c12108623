"""/api/appraisal, the rest of the cycle (mounted beside api/appraisal.py): the cycles the
caller may open, one cycle, the self review and the manager review, and appeals — filing
one, the caller's own and those he decides, one appeal, a decision, an answer.

Everything reads through the cycle pages' selectors (appraisal.selectors: a cycle, an
evaluation or an appeal out of the caller's reach is 404, never 403) and writes through
their services (appraisal.services.reviews.self_review_save / manager_review_save,
appraisal.services.appeals), whose coded refusals api/main.py answers as
`{code, message, field}` with the refusal's status. A review's field errors name the
body's fields (`ratings.<code>.rating`, `ratings.<code>.comment`, `comment`,
`adjustment`, `adjustment_reason`).

An appeal is filed as JSON (…/appeal) or, with evidence files, as multipart/form-data
(…/appeal/upload); an answer to the decider's question is text only (files: on the
appeal page)."""

import datetime
import re
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import BeforeValidator, StrictBool, WithJsonSchema
from pydantic_core import PydanticCustomError

from servicescore.appraisal.models import Appeal, Cycle, Evaluation
from servicescore.appraisal.selectors.appeals import appeal_for, decidable_among, item_names, openable_appeals
from servicescore.appraisal.selectors.cycles import (
    BOARD_STATES,
    cycle_for,
    may_open_cycle_pages,
    next_due,
    timeline,
)
from servicescore.appraisal.selectors.evaluations import (
    readable_cycles,
    readable_evaluations,
)
from servicescore.appraisal.services import appeals as appeal_services
from servicescore.appraisal.services.reviews import ReviewRating, manager_review_save, self_review_save
from servicescore.core.errors import DomainError, Invalid, NotFound
from servicescore.org.scope import employee_of

from . import auth
from .appraisal import MAX_INT, EvaluationOut, evaluation_view, readable_evaluation
from .common import DEFAULT_LIMIT, CursorParam, Limit, ObjectIn, decimal_in, error_responses, keyset_page

router = Router(tags=["appraisal cycles"])
LIST_ERRORS = error_responses(401, 403, 422, 429)
ONE_ERRORS = error_responses(401, 403, 404, 422, 429)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422, 429)

StageCode = Literal[tuple(Cycle.Stage.values)]
KindCode = Literal[tuple(Cycle.Kind.values)]
AppealStateCode = Literal[tuple(Appeal.State.values)]
# A cycle's period: a month, a quarter or a year.
CYCLE_PERIOD_PATTERN = r"^[12][0-9]{3}(-(0[1-9]|1[0-2]|Q[1-4]))?$"
TEXT_MAX = 4000
COMMENT_MAX = 2000


def _in_range(pk: int, message) -> None:
    if not 0 < pk <= MAX_INT:
        raise NotFound(message)


# --- cycles --------------------------------------------------------------------------------------
class CycleDeadlinesOut(Schema):
    targets_due: datetime.date | None
    self_review_due: datetime.date | None
    manager_review_due: datetime.date | None
    feedback_due: datetime.date | None
    calibration_due: datetime.date | None
    confirm_days: int = Field(description="Working days to confirm or appeal a published result.")
    appeal_days: int = Field(description="Working days to decide an appeal.")


class CycleStateCountOut(Schema):
    state: str
    label: str = Field(description="The state's name in the caller's language.")
    count: int


class CycleOut(Schema):
    id: int
    name: str
    kind: str = Field(description="month, quarter or year.")
    period: str = Field(description="The period appraised: 2026-10, 2026-Q4 or 2026.")
    stage: str = Field(
        description="draft, targets, self_review, manager_review, feedback, calibration, published or closed."
    )
    stage_label: str = Field(description="The stage's name in the caller's language.")
    next_due: datetime.date | None = Field(description="The deadline of the current stage (null: none).")
    deadlines: CycleDeadlinesOut
    my_evaluation: int | None = Field(description="The id of the caller's own evaluation in the cycle.")
    people: int | None = Field(
        description="People appraised within the caller's scope; null unless the caller opens the "
        "cycle pages (service managers, HR, administrators, auditors)."
    )
    counts: list[CycleStateCountOut] | None = Field(
        description="Those people by evaluation state (the states someone is in, in the cycle's order); "
        "null as `people`."
    )


class CyclePage(Schema):
    items: list[CycleOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class TimelineOut(Schema):
    stage: str
    label: str
    due: datetime.date | None
    state: str = Field(description="done, current or todo.")


class CycleDetailOut(CycleOut):
    second_level: bool = Field(description="Whether a second-level reviewer reviews after the reviewer.")
    adjustment_limit: float = Field(description="± points a reviewer may adjust a score by, with a reason.")
    timeline: list[TimelineOut]


def _cycle_period(value):
    if not isinstance(value, str) or not re.fullmatch(CYCLE_PERIOD_PATTERN, value):
        raise PydanticCustomError(
            "invalid_period",
            _("'%(code)s' is not a period: use YYYY-MM (e.g. 2026-10), YYYY-Qn (e.g. 2026-Q4) or YYYY.")
            % {"code": value},
        )
    return value


CyclePeriod = Annotated[
    str,
    BeforeValidator(_cycle_period),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": CYCLE_PERIOD_PATTERN,
            "description": "The period appraised: a month (YYYY-MM), a quarter (YYYY-Qn) or a year (YYYY).",
            "examples": ["2026-10", "2026-Q4", "2026"],
        }
    ),
]


class CycleQuery(Schema):
    stage: StageCode | None = None
    kind: KindCode | None = None
    period: CyclePeriod | None = None
    cursor: CursorParam | None = None
    limit: Limit = DEFAULT_LIMIT


def _counts_by_cycle(user, cycles) -> dict[int, dict[str, int]]:
    """cycle id → state → people within the user's scope; one query."""
    found: dict[int, dict[str, int]] = {}
    rows = (
        readable_evaluations(user)
        .filter(cycle__in=[cycle.pk for cycle in cycles])
        .order_by()
        .values("cycle", "state")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        found.setdefault(row["cycle"], {})[row["state"]] = row["n"]
    return found


def _own_evaluations(user, cycles) -> dict[int, int]:
    """cycle id → the user's own evaluation in it; one query (none without an employee)."""
    me = employee_of(user)
    if me is None:
        return {}
    return dict(
        readable_evaluations(user)
        .filter(cycle__in=[cycle.pk for cycle in cycles], employee=me)
        .values_list("cycle", "pk")
    )


def _cycle_out(cycle: Cycle, counts: dict | None, mine: int | None) -> dict:
    board = None
    if counts is not None:
        board = [
            {"state": str(state), "label": str(Evaluation.State(state).label), "count": counts[state]}
            for state in BOARD_STATES
            if counts.get(state)
        ]
    return {
        "id": cycle.pk,
        "name": cycle.name,
        "kind": cycle.kind,
        "period": cycle.period,
        "stage": cycle.stage,
        "stage_label": str(Cycle.Stage(cycle.stage).label),
        "next_due": next_due(cycle),
        "deadlines": {
            "targets_due": cycle.targets_due,
            "self_review_due": cycle.self_review_due,
            "manager_review_due": cycle.manager_review_due,
            "feedback_due": cycle.feedback_due,
            "calibration_due": cycle.calibration_due,
            "confirm_days": cycle.confirm_days,
            "appeal_days": cycle.appeal_days,
        },
        "my_evaluation": mine,
        "people": None if counts is None else sum(counts.values()),
        "counts": board,
    }


def _cycles_out(user, cycles) -> list[dict]:
    board = may_open_cycle_pages(user)
    counts = _counts_by_cycle(user, cycles) if board and cycles else {}
    mine = _own_evaluations(user, cycles) if cycles else {}
    return [
        _cycle_out(cycle, counts.get(cycle.pk, {}) if board else None, mine.get(cycle.pk)) for cycle in cycles
    ]


@router.get(
    "/cycles",
    response={200: CyclePage, **LIST_ERRORS},
    auth=auth.READ,
    summary="List the cycles the caller may open",
)
def list_cycles(request, query: Query[CycleQuery]):
    """The cycles with an evaluation the caller may read (his own, the people in his scope,
    the people he reviews), newest first, filtered by stage, period type and period. For
    the roles that open the cycle pages, each with its people counted by state."""
    cycles = readable_cycles(request.user)
    if query.stage:
        cycles = cycles.filter(stage=query.stage)
    if query.kind:
        cycles = cycles.filter(kind=query.kind)
    if query.period:
        cycles = cycles.filter(period=query.period)
    rows, next_cursor = keyset_page(
        cycles, field="id", descending=True, cursor=query.cursor, limit=query.limit
    )
    return {"items": _cycles_out(request.user, rows), "next_cursor": next_cursor}


@router.get(
    "/cycles/{cycle_id}",
    response={200: CycleDetailOut, **ONE_ERRORS},
    auth=auth.READ,
    summary="Retrieve a cycle",
)
def get_cycle(request, cycle_id: int):
    """One cycle the caller may open (404 otherwise): its stage and deadlines, its timeline,
    the caller's own evaluation in it, and the people by state for the roles that open
    the cycle pages."""
    _in_range(cycle_id, _("No such appraisal cycle."))
    cycle = cycle_for(request.user, cycle_id)
    return _cycles_out(request.user, [cycle])[0] | {
        "second_level": cycle.second_level,
        "adjustment_limit": float(cycle.adjustment_limit),
        "timeline": [
            {"stage": row["stage"], "label": str(row["label"]), "due": row["due"], "state": row["state"]}
            for row in timeline(cycle)
        ],
    }


# --- reviews -------------------------------------------------------------------------------------
class ReviewRatingIn(Schema):
    rating: int | None = Field(
        ge=1, le=5, description="1–5; null clears it. Below 3 or at 5 it needs a comment."
    )
    comment: str = Field(default="", max_length=COMMENT_MAX)


class ReviewIn(ObjectIn):
    revision: int = Field(
        ge=0, le=MAX_INT, description="The evaluation's revision as read: an older one answers 409."
    )
    comment: str = Field(default="", max_length=COMMENT_MAX, description="The overall comment.")
    ratings: dict[str, ReviewRatingIn] = Field(
        default_factory=dict,
        max_length=100,
        description="Manual item (indicator code) → its rating and comment. On submit every manual "
        "item needs one.",
    )
    submit: StrictBool = Field(default=False, description="false saves a draft; true submits (final).")


class ManagerReviewIn(ReviewIn):
    adjustment: decimal_in(digits=5, places=2) | None = Field(
        default=None,
        description="Points added to the score, within ± the cycle's adjustment limit (the "
        "reviewer only; 0 or null: none).",
    )
    adjustment_reason: str = Field(default="", max_length=500, description="Required with an adjustment.")


def _review_ratings(payload: ReviewIn) -> list[ReviewRating]:
    return [
        ReviewRating(indicator=code, rating=entry.rating, comment=entry.comment)
        for code, entry in payload.ratings.items()
    ]


def _body_field(name: str) -> str:
    """The service's form field → the body's: `rating:X` → `ratings.X.rating`."""
    kind, sep, code = name.partition(":")
    if sep and kind in ("rating", "comment"):
        return f"ratings.{code}.{kind}"
    return name


def _as_body_fields(error: DomainError) -> DomainError:
    """The same refusal, its fields named as in the request body."""
    if not hasattr(error, "error_dict"):
        return error
    renamed = {_body_field(name): ValidationError(errors) for name, errors in error.error_dict.items()}
    return type(error)(renamed, code=error.domain_code)


def _review(request, evaluation_id: int, save, **fields):
    evaluation = readable_evaluation(request, evaluation_id)
    try:
        save(evaluation=evaluation, by=request.user, **fields)
    except Invalid as error:
        raise _as_body_fields(error) from None
    return evaluation_view(request, evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/self-review",
    response={200: EvaluationOut, **WRITE_ERRORS},
    auth=auth.WRITE,
    summary="Save or submit one's own self review",
)
def post_self_review(request, evaluation_id: int, payload: ReviewIn):
    """The appraised employee rates the manual items and comments, as a draft or submitted
    ('self_review' → 'manager_review'). Anyone else answers 403 `not_the_employee`; a self
    review no longer open 409 `review_step_closed`; a stale revision 409
    `evaluation_changed`; a bad rating 422 naming `ratings.<code>.rating` or `.comment`."""
    return _review(
        request,
        evaluation_id,
        self_review_save,
        revision=payload.revision,
        ratings=_review_ratings(payload),
        comment=payload.comment,
        submit=payload.submit,
    )


@router.post(
    "/evaluations/{evaluation_id}/manager-review",
    response={200: EvaluationOut, **WRITE_ERRORS},
    auth=auth.WRITE,
    summary="Save or submit a review as the evaluation's reviewer",
)
def post_manager_review(request, evaluation_id: int, payload: ManagerReviewIn):
    """The reviewer the cycle named (or the second-level reviewer) rates the manual items,
    comments and — the reviewer only — adjusts the score within the cycle's limit with a
    reason; a draft during the self review, submitted once it is in. When every review is
    in, the evaluation is scored again and moves on. Anyone else answers 403
    `not_the_reviewer` (the employee himself `review_own_evaluation`); a review closed 409
    `review_step_closed`, one submitted already 409 `review_already_submitted`; a stale
    revision 409 `evaluation_changed`."""
    return _review(
        request,
        evaluation_id,
        manager_review_save,
        revision=payload.revision,
        ratings=_review_ratings(payload),
        comment=payload.comment,
        adjustment=payload.adjustment,
        adjustment_reason=payload.adjustment_reason,
        submit=payload.submit,
    )


# --- appeals -------------------------------------------------------------------------------------
class ItemRefOut(Schema):
    indicator: str
    name: str = Field(description="The item's name in the caller's language.")


class ExclusionOut(Schema):
    indicator: str
    work_order: int = Field(description="The work order's id.")
    work_order_external_id: str
    reason: str
    at: datetime.datetime


class EvidenceOut(Schema):
    name: str
    url: str = Field(description="The file's download page on this site (a signed-in session).")


class AppealEvaluationOut(Schema):
    id: int
    cycle: str = Field(description="The cycle's name.")
    employee_no: str
    name: str
    state: str
    final_score: float | None
    grade: str


class AppealOut(Schema):
    id: int
    evaluation: AppealEvaluationOut
    state: str = Field(description="open, info_requested, upheld, adjusted or withdrawn.")
    state_label: str
    indicators: list[ItemRefOut] = Field(description="The items appealed; empty: the whole result.")
    reason: str
    filed_at: datetime.datetime
    due_at: datetime.datetime = Field(description="Decide by.")
    overdue: bool
    escalated: bool
    info_request: str = Field(description="The decider's question (empty: none).")
    info_response: str = Field(description="The employee's answer (empty: none).")
    decision_reason: str
    decided_at: datetime.datetime | None
    is_appellant: bool = Field(description="The caller filed it.")
    may_decide: bool = Field(description="The caller decides it (while open).")


class AppealDetailOut(AppealOut):
    exclusions: list[ExclusionOut] = Field(description="The work orders the decision left out.")
    evidence: list[EvidenceOut]


class AppealPage(Schema):
    items: list[AppealOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class AppealQuery(Schema):
    role: Literal["appellant", "decider"] | None = Field(
        default=None,
        description="appellant: the caller's own appeals; decider: those he decides; none: both.",
    )
    state: AppealStateCode | None = None
    cursor: CursorParam | None = None
    limit: Limit = DEFAULT_LIMIT


def _appeal_out(appeal: Appeal, *, user, may_decide: bool, names: dict | None, now) -> dict:
    evaluation = appeal.evaluation
    undecided = appeal.state in appeal_services.OPEN_STATES
    return {
        "id": appeal.pk,
        "evaluation": {
            "id": evaluation.pk,
            "cycle": evaluation.cycle.name,
            "employee_no": evaluation.employee.employee_no,
            "name": evaluation.employee.name,
            "state": evaluation.state,
            "final_score": evaluation.final_score,
            "grade": evaluation.shown_grade,
        },
        "state": appeal.state,
        "state_label": str(Appeal.State(appeal.state).label),
        "indicators": [
            {"indicator": code, "name": (names or {}).get(code, code)} for code in appeal.indicators or []
        ],
        "reason": appeal.reason,
        "filed_at": appeal.created,
        "due_at": appeal.due_at,
        "overdue": undecided and appeal.due_at < now,
        "escalated": appeal.escalated_at is not None,
        "info_request": appeal.info_request,
        "info_response": appeal.info_response,
        "decision_reason": appeal.decision_reason,
        "decided_at": appeal.decided_at,
        "is_appellant": appeal.by_id == user.pk,
        "may_decide": may_decide,
    }


def _appeal_detail(request, appeal_id: int) -> dict:
    found = appeal_for(request.user, appeal_id)
    names = item_names(found.evaluation)
    return _appeal_out(
        found, user=request.user, may_decide=found.may_decide, names=names, now=timezone.now()
    ) | {
        "exclusions": [
            {
                "indicator": exclusion.indicator,
                "work_order": exclusion.work_order_id,
                "work_order_external_id": exclusion.work_order.external_id,
                "reason": exclusion.reason,
                "at": exclusion.at,
            }
            for exclusion in found.exclusions.select_related("work_order").order_by("at", "pk")
        ],
        "evidence": [
            {"name": evidence.name, "url": reverse("appraisal:appeal_evidence", args=[evidence.pk])}
            for evidence in found.evidence.all()
        ],
    }


def _reachable_appeal(request, appeal_id: int) -> Appeal:
    """The appeal if it is against an evaluation the caller may read (the services decide
    who may act on it, with their own refusals); 404 otherwise."""
    _in_range(appeal_id, _("No such appeal."))
    found = Appeal.objects.filter(evaluation__in=readable_evaluations(request.user), pk=appeal_id).first()
    if found is None:
        raise NotFound(_("No such appeal."))
    return found


@router.get(
    "/appeals",
    response={200: AppealPage, **LIST_ERRORS},
    auth=auth.READ,
    summary="List the caller's appeals and those he decides",
)
def list_appeals(request, query: Query[AppealQuery]):
    """The appeals the caller may open, newest first: those he filed, and — for HR,
    administrators and a cycle's appeal reviewer — those he may decide (never against his
    own result or one he reviewed). `state=open` with `role=decider` is the deciders' queue."""
    user = request.user
    rows = openable_appeals(user).select_related("evaluation__cycle", "evaluation__employee")
    if query.role == "appellant":
        rows = rows.filter(by=user)
    elif query.role == "decider":
        rows = rows.exclude(by=user)  # the rest are the ones he may decide
    if query.state:
        rows = rows.filter(state=query.state)
    page, next_cursor = keyset_page(rows, field="id", descending=True, cursor=query.cursor, limit=query.limit)
    deciding = decidable_among(user, [appeal.pk for appeal in page]) if page else set()
    now = timezone.now()
    return {
        "items": [
            _appeal_out(appeal, user=user, may_decide=appeal.pk in deciding, names=None, now=now)
            for appeal in page
        ],
        "next_cursor": next_cursor,
    }


@router.get(
    "/appeals/{appeal_id}",
    response={200: AppealDetailOut, **ONE_ERRORS},
    auth=auth.READ,
    summary="Retrieve an appeal",
)
def get_appeal(request, appeal_id: int):
    """One appeal, for the employee who filed it and those who may decide it (404 for
    anyone else): the items, the reason, the question and answer, the decision, the work
    orders left out and the evidence files."""
    _in_range(appeal_id, _("No such appeal."))
    return _appeal_detail(request, appeal_id)


class AppealIn(ObjectIn):
    reason: str = Field(max_length=TEXT_MAX, description="Why the result is wrong.")
    indicators: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="The items appealed (indicator codes); empty: the whole result.",
    )


@router.post(
    "/evaluations/{evaluation_id}/appeal",
    response={201: AppealDetailOut, **WRITE_ERRORS},
    auth=auth.WRITE,
    summary="Appeal one's own published result",
)
def post_appeal(request, evaluation_id: int, payload: AppealIn):
    """The appraised employee appeals his published result within the window: the whole
    of it or some items, with a reason (evidence files: on the evaluation page). The
    evaluation becomes 'appealed'; HR and the cycle's appeal reviewer are told. Anyone else
    answers 403 `not_own_evaluation`; after the window 403 `confirm_window_closed`; a
    result not published 409 `evaluation_not_published`."""
    evaluation = readable_evaluation(request, evaluation_id)
    appeal = appeal_services.appeal_file(
        by=request.user, evaluation=evaluation, indicators=payload.indicators, reason=payload.reason
    )
    return Status(201, _appeal_detail(request, appeal.pk))


class AppealFormIn(Schema):
    reason: str = Field(max_length=TEXT_MAX, description="Why the result is wrong.")
    indicators: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="The items appealed (indicator codes, the field repeated); none: the whole result.",
    )


@router.post(
    "/evaluations/{evaluation_id}/appeal/upload",
    response={201: AppealDetailOut, **WRITE_ERRORS},
    auth=auth.WRITE,
    summary="Appeal one's own published result with evidence files",
)
def post_appeal_upload(
    request,
    evaluation_id: int,
    payload: Form[AppealFormIn],
    files: list[UploadedFile] = File(default=None),  # noqa: B008
):
    """As POST …/appeal, as multipart/form-data: `reason`, `indicators` (repeated) and up to
    10 evidence `files` (PDF or images, each checked by its content and size; a bad one
    answers 422 `appeal_evidence_file` and files nothing)."""
    evaluation = readable_evaluation(request, evaluation_id)
    appeal = appeal_services.appeal_file(
        by=request.user,
        evaluation=evaluation,
        indicators=payload.indicators,
        reason=payload.reason,
        files=files or [],
    )
    return Status(201, _appeal_detail(request, appeal.pk))


class ExclusionIn(Schema):
    indicator: str = Field(description="The item's indicator code.")
    work_order: int = Field(ge=1, le=MAX_INT, description="The id of a work order behind the item.")
    reason: str = Field(default="", max_length=TEXT_MAX, description="Empty: the decision's reason.")


class DecisionIn(ObjectIn):
    action: Literal["uphold", "request_info", "adjust"]
    reason: str = Field(default="", max_length=TEXT_MAX, description="Why (uphold, adjust).")
    question: str = Field(default="", max_length=TEXT_MAX, description="The question (request_info).")
    exclusions: list[ExclusionIn] = Field(
        default_factory=list,
        max_length=100,
        description="adjust: work orders to leave out of an item, for this evaluation only.",
    )
    adjustment: decimal_in(digits=5, places=2) | None = Field(
        default=None, description="adjust: points added to the score, within ± the cycle's limit."
    )


@router.post(
    "/appeals/{appeal_id}/decide",
    response={200: AppealDetailOut, **WRITE_ERRORS},
    auth=auth.WRITE,
    summary="Decide an appeal",
)
def decide_appeal(request, appeal_id: int, payload: DecisionIn):
    """HR, an administrator or the cycle's appeal reviewer asks for more information,
    upholds the result, or adjusts it (work orders left out of an item — the item is
    recomputed for this evaluation only — and/or points within the cycle's limit); a
    decision makes the result final and tells the employee. The evaluation's reviewers and
    the employee answer 403 `appeal_decider_is_reviewer`, anyone else who reads the
    evaluation 403 `appeal_not_decider`; an appeal decided already 409 `appeal_not_open`."""
    found = _reachable_appeal(request, appeal_id)
    if payload.action == "uphold":
        appeal_services.appeal_uphold(by=request.user, appeal=found, reason=payload.reason)
    elif payload.action == "request_info":
        appeal_services.appeal_request_info(by=request.user, appeal=found, question=payload.question)
    else:
        appeal_services.appeal_adjust(
            by=request.user,
            appeal=found,
            reason=payload.reason,
            exclusions=[(entry.indicator, entry.work_order, entry.reason) for entry in payload.exclusions],
            adjustment=payload.adjustment,
        )
    return _appeal_detail(request, appeal_id)


class AnswerIn(ObjectIn):
    text: str = Field(max_length=TEXT_MAX, description="The answer to the decider's question.")


@router.post(
    "/appeals/{appeal_id}/answer",
    response={200: AppealDetailOut, **WRITE_ERRORS},
    auth=auth.WRITE,
    summary="Answer the question on one's own appeal",
)
def answer_appeal(request, appeal_id: int, payload: AnswerIn):
    """The employee who appealed answers the decider's question: the appeal is open again
    and the deciders are told. Anyone else answers 403 `not_own_evaluation`; no question
    waiting 409 `appeal_not_open`."""
    found = _reachable_appeal(request, appeal_id)
    appeal_services.appeal_answer(by=request.user, appeal=found, text=payload.text)
    return _appeal_detail(request, appeal_id)
