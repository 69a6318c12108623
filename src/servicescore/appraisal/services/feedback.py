"""360° feedback in an appraisal cycle (issue 18): the reviewer (or whoever runs cycles
for the person) invites colleagues — peers, people of other departments — to rate some
of the evaluation's manual items; each rater rates them 1–5 with the manual-rating
comment rule, or declines; the feedback stage closes when every request is answered or
declined, or its deadline has passed (HR may close it early, with a reason).

360° ratings are EvaluationRating rows of role PEER. They inform the reviewer and the
calibration; they do not score (services/evaluations.py). Who sees them, and how, is
selectors/feedback.py's rule (anonymous requests only as an aggregate of at least the
cycle's `feedback_min_raters`)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record
from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.core.notify.services import notify
from servicescore.kpi.errors import RATING_COMMENT
from servicescore.org.models import Employee
from servicescore.org.scope import visible_appraisees

from ..errors import (
    FEEDBACK_ANSWERED,
    FEEDBACK_CLOSE_REASON,
    FEEDBACK_CLOSE_REFUSED,
    FEEDBACK_INVITERS_ONLY,
    FEEDBACK_ITEMS_INVALID,
    FEEDBACK_NOT_OPEN,
    FEEDBACK_RATER_INVITED,
    FEEDBACK_RATER_REFUSED,
    FEEDBACK_RATER_UNKNOWN,
    FEEDBACK_RATERS_MISSING,
    FEEDBACK_RATING_MISSING,
    RATING_VALUE,
)
from ..models import Cycle, Evaluation, EvaluationChange, EvaluationRating, FeedbackRequest
from ..policy import allows
from ..selectors.feedback import OPEN_STATES, manual_codes, may_invite
from .evaluations import claim_revision, record_change
from .ratings import COMMENT_MAX_LENGTH, parse_rating

REASON_MAX_LENGTH = 2000


def _raters(evaluation: Evaluation, raters) -> list[Employee]:
    """The raters as Employees (given as Employees, ids or employee numbers), each checked."""
    given = list(dict.fromkeys(raters or []))
    if not given:
        raise Invalid(
            _("Name at least one colleague to invite."), code=FEEDBACK_RATERS_MISSING, field="raters"
        )
    found = []
    for rater in given:
        if isinstance(rater, Employee):
            employee = rater
        else:
            text = str(rater).strip()
            employee = Employee.objects.filter(employee_no=text).select_related("user").first()
            if employee is None and isinstance(rater, int):
                employee = Employee.objects.filter(pk=rater).select_related("user").first()
        if employee is None or employee.status != Employee.Status.ACTIVE or employee.user_id is None:
            raise NotFound(
                _("%(rater)s is not an active colleague with an account; check the employee number.")
                % {"rater": rater},
                code=FEEDBACK_RATER_UNKNOWN,
                field="raters",
            )
        if employee.pk == evaluation.employee_id:
            raise Refused(
                _("%(name)s cannot give 360° feedback on his or her own appraisal.")
                % {"name": employee.name},
                code=FEEDBACK_RATER_REFUSED,
                field="raters",
            )
        if employee.pk in (evaluation.reviewer_id, evaluation.second_reviewer_id):
            raise Refused(
                _("%(name)s reviews this appraisal, so cannot also give 360° feedback on it.")
                % {"name": employee.name},
                code=FEEDBACK_RATER_REFUSED,
                field="raters",
            )
        found.append(employee)
    return found


def _indicators(evaluation: Evaluation, indicators) -> list[str]:
    allowed = manual_codes(evaluation)
    chosen = list(dict.fromkeys(str(code).strip() for code in indicators or []))
    wrong = [code for code in chosen if code not in allowed]
    if not chosen or wrong:
        raise Invalid(
            _("Choose one or more of the manual items of this appraisal: %(items)s.")
            % {"items": ", ".join(allowed) or "—"},
            code=FEEDBACK_ITEMS_INVALID,
            field="indicators",
        )
    return chosen


def _require_open(evaluation: Evaluation) -> None:
    if evaluation.state not in OPEN_STATES:
        raise Conflict(
            _("360° feedback is open only during self review, manager review and the 360° feedback stage."),
            code=FEEDBACK_NOT_OPEN,
        )


def feedback_request(
    *, by, evaluation: Evaluation, raters, indicators, anonymous: bool | None = None
) -> list[FeedbackRequest]:
    """Invite `raters` (Employees, ids or employee numbers) to rate `indicators` (manual
    items of the evaluation's version) of `evaluation`; anonymous to the employee unless
    told (default: the cycle's setting). Each rater is notified with a link to his page.
    All or nothing: a refused rater or item writes nothing."""
    if not may_invite(by, evaluation):
        raise Refused(
            _(
                "Only the reviewer, or someone who runs appraisal cycles for this person, may invite "
                "360° raters."
            ),
            code=FEEDBACK_INVITERS_ONLY,
        )
    _require_open(evaluation)
    people = _raters(evaluation, raters)
    codes = _indicators(evaluation, indicators)
    anonymous = evaluation.cycle.feedback_anonymous if anonymous is None else bool(anonymous)
    already = set(
        FeedbackRequest.objects.filter(evaluation=evaluation, rater__in=people).values_list(
            "rater__name", flat=True
        )
    )
    if already:
        raise Conflict(
            _("Already invited: %(names)s.") % {"names": ", ".join(sorted(already))},
            code=FEEDBACK_RATER_INVITED,
            field="raters",
        )
    created = []
    try:
        with transaction.atomic():
            for person in people:
                found = FeedbackRequest.objects.create(
                    evaluation=evaluation,
                    rater=person,
                    indicators=codes,
                    anonymous=anonymous,
                    requested_by=by,
                )
                audit_record(
                    actor=by,
                    action="cycle.feedback_request",
                    obj=evaluation,
                    changes={"feedback_request": [None, {"rater": person.employee_no, "items": codes}]},
                )
                notify(
                    recipients=[person.user],
                    subject=_("Please give 360° feedback on %(name)s") % {"name": evaluation.employee.name},
                    body=_("%(cycle)s: rate %(count)d item(s) from 1 to 5, or decline.")
                    % {"cycle": evaluation.cycle.name, "count": len(codes)},
                    link=f"/appraisal/feedback/{found.pk}/",
                    kind="appraisal_feedback",
                    by=by,
                )
                created.append(found)
    except IntegrityError:
        raise Conflict(
            _("Someone invited one of these colleagues at the same time; nothing was saved."),
            code=FEEDBACK_RATER_INVITED,
            field="raters",
        ) from None
    return created


def _require_rater(by, found: FeedbackRequest) -> None:
    # The page already answers 404 to anyone else; a service caller gets the same.
    if not getattr(by, "is_authenticated", False) or found.rater.user_id != by.pk:
        raise NotFound(_("No such feedback request."))


def _require_pending(found: FeedbackRequest) -> None:
    if found.state != FeedbackRequest.State.PENDING:
        raise Conflict(_("You have already answered this request."), code=FEEDBACK_ANSWERED)


@transaction.atomic
def feedback_submit(*, by, request: FeedbackRequest, ratings: dict) -> FeedbackRequest:
    """The rater's answer: `ratings` maps each requested item to (rating, comment); every
    item rated 1–5, below 3 or 5 with a comment. Writes the PEER ratings, submitted."""
    found = (
        FeedbackRequest.objects.select_for_update().select_related("evaluation", "rater").get(pk=request.pk)
    )
    _require_rater(by, found)
    _require_pending(found)
    _require_open(found.evaluation)
    parsed = []
    for code in found.indicators:
        rating, comment = (ratings or {}).get(code, (None, ""))
        comment = str(comment or "").strip()
        try:
            value = parse_rating(rating)
        except ValueError:
            raise Invalid(
                _("Choose a rating from 1 to 5."), code=RATING_VALUE, field=f"rating:{code}"
            ) from None
        if value is None:
            raise Invalid(
                _("Rate every item from 1 to 5."), code=FEEDBACK_RATING_MISSING, field=f"rating:{code}"
            )
        if (value < 3 or value == 5) and not comment:
            raise Invalid(
                _("A rating below 3 or of 5 needs a comment."), code=RATING_COMMENT, field=f"comment:{code}"
            )
        if len(comment) > COMMENT_MAX_LENGTH:
            raise Invalid(
                _("The comment is longer than %(max)d characters.") % {"max": COMMENT_MAX_LENGTH},
                code="invalid",
                field=f"comment:{code}",
            )
        parsed.append((code, value, comment))
    now = timezone.now()
    EvaluationRating.objects.bulk_create(
        EvaluationRating(
            evaluation=found.evaluation,
            indicator=code,
            rater=found.rater,
            role=EvaluationRating.Role.PEER,
            rating=value,
            comment=comment,
            submitted_at=now,
        )
        for code, value, comment in parsed
    )
    found.state, found.submitted_at = FeedbackRequest.State.SUBMITTED, now
    found.save(update_fields=["state", "submitted_at", "modified"])
    # The audit entry names the request, not the ratings: an anonymous answer stays out of
    # the log's readable changes.
    audit_record(actor=by, action="cycle.feedback_submit", obj=found)
    return found


@transaction.atomic
def feedback_decline(*, by, request: FeedbackRequest, reason: str = "") -> FeedbackRequest:
    """The rater declines the request (a reason is optional)."""
    found = (
        FeedbackRequest.objects.select_for_update().select_related("evaluation", "rater").get(pk=request.pk)
    )
    _require_rater(by, found)
    _require_pending(found)
    found.state, found.submitted_at = FeedbackRequest.State.DECLINED, timezone.now()
    found.save(update_fields=["state", "submitted_at", "modified"])
    audit_record(
        actor=by, action="cycle.feedback_decline", obj=found, reason=str(reason or "")[:REASON_MAX_LENGTH]
    )
    return found


def _deadline_passed(evaluation: Evaluation, today) -> bool:
    due = evaluation.cycle.feedback_due
    return due is not None and today > due


def feedback_close(*, by, cycle=None, evaluation: Evaluation | None = None, reason: str = "") -> int:
    """Move evaluations in 360° feedback on to calibration: those of `cycle` (or just
    `evaluation`) whose requests are all answered or declined, or whose cycle's feedback
    deadline has passed. With a `reason`, HR (skip_stages) also closes the others early.
    `by=None` is the scheduled task. Returns how many moved. The cycle's own stage is the
    cycle services' business."""
    if (cycle is None) == (evaluation is None):
        raise ValueError("feedback_close takes a cycle or an evaluation")
    reason = str(reason or "").strip()
    if by is not None and not allows(by, "manage_cycles"):
        raise Refused(
            _("Only those who run appraisal cycles close 360° feedback."), code=FEEDBACK_CLOSE_REFUSED
        )
    if reason and by is not None and not allows(by, "skip_stages"):
        raise Refused(_("Only HR closes 360° feedback early."), code=FEEDBACK_CLOSE_REFUSED)
    rows = Evaluation.objects.filter(state=Evaluation.State.FEEDBACK).select_related("cycle", "employee")
    rows = rows.filter(pk=evaluation.pk) if evaluation is not None else rows.filter(cycle=cycle)
    if by is not None:
        rows = rows.filter(employee__in=visible_appraisees(by)).exclude(employee__user=by)
    pending = set(
        FeedbackRequest.objects.filter(evaluation__in=rows, state=FeedbackRequest.State.PENDING).values_list(
            "evaluation", flat=True
        )
    )
    today = timezone.localdate()
    moved = 0
    early = []
    with transaction.atomic():
        for found in rows:
            complete = found.pk not in pending or _deadline_passed(found, today)
            if not complete and not reason:
                early.append(found)
                continue
            claim_revision(found, None)
            found.to_calibration()
            found.save(update_fields=["state", "modified"])
            record_change(
                found,
                kind=EvaluationChange.Kind.STAGE,
                by=by,
                field="state",
                old=Evaluation.State.FEEDBACK,
                new=Evaluation.State.CALIBRATION,
                reason=reason if not complete else "",
            )
            moved += 1
    if evaluation is not None and early:
        raise Invalid(
            _("Some raters have not answered and the deadline has not passed: give a reason to close early."),
            code=FEEDBACK_CLOSE_REASON,
            field="reason",
        )
    return moved


def feedback_close_due(today=None) -> int:
    """The scheduled task's job: in every cycle with evaluations still in 360° feedback,
    move on those whose requests are all answered or whose feedback deadline has passed.
    Returns how many moved (beat runs it hourly: appraisal.close_due_feedback)."""
    cycles = (
        Evaluation.objects.filter(state=Evaluation.State.FEEDBACK).values_list("cycle", flat=True).distinct()
    )
    return sum(feedback_close(by=None, cycle=cycle) for cycle in Cycle.objects.filter(pk__in=list(cycles)))
