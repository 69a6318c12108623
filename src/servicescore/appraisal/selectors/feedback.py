"""Reading 360° feedback (issue 18).

Who sees what:
- a rater reads only his or her own requests (`feedback_request_for`; anyone else — the
  appraised person, the manager, HR — gets 404 on a rater's page);
- an anonymous request's answers are shown to everyone who reads the evaluation (the
  employee, the reviewers, managers in scope, HR, auditors) only as each item's mean and
  count, and only when at least the cycle's `feedback_min_raters` (≥ 3) answered that
  item; nobody reads an individual anonymous answer through the product — not the
  manager, not HR (the safest rule: HR would otherwise be a back door to the names);
- a named (non-anonymous) request's answers are shown with the rater's name;
- the answers are released when the evaluation's feedback is over (it left self review,
  manager review and 360° feedback). While answers still trickle in, a mean that moves
  with each answer would give the single answers away to anyone who watches it, so until
  then the page shows only how many have answered. Named answers are shown to the
  reviewers at once (they carry their name anyway), to the employee on release.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from servicescore.core.errors import NotFound
from servicescore.kpi.catalog import catalog
from servicescore.kpi.registry import MANUAL_RATINGS
from servicescore.kpi.selectors import indicator_name
from servicescore.org.scope import employee_of, visible_appraisees

from ..models import Evaluation, EvaluationRating, FeedbackRequest
from ..policy import allows

# The evaluation states in which raters may be invited and may answer.
OPEN_STATES = (
    Evaluation.State.SELF_REVIEW,
    Evaluation.State.MANAGER_REVIEW,
    Evaluation.State.FEEDBACK,
)


def manual_codes(evaluation: Evaluation) -> list[str]:
    """The manual items of the evaluation's scheme version, in the scheme's order."""
    return [
        code
        for code in evaluation.version.items.order_by("order", "pk").values_list("indicator", flat=True)
        if code in MANUAL_RATINGS
    ]


def may_invite(user, evaluation: Evaluation) -> bool:
    """The evaluation's reviewer, or someone who runs cycles with the person in scope (not
    for his or her own evaluation)."""
    if not getattr(user, "is_authenticated", False) or evaluation.employee.user_id == user.pk:
        return False
    me = employee_of(user)
    if me is not None and me.pk in (evaluation.reviewer_id, evaluation.second_reviewer_id):
        return True
    return (
        allows(user, "manage_cycles") and visible_appraisees(user).filter(pk=evaluation.employee_id).exists()
    )


def feedback_request_for(user, pk) -> FeedbackRequest:
    """The request `pk` if `user` is its rater; NotFound (404) for anyone else."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("No such feedback request."))
    found = (
        FeedbackRequest.objects.select_related(
            "evaluation__cycle", "evaluation__employee__org_unit", "evaluation__version", "rater"
        )
        .filter(pk=pk, rater__user=user)
        .first()
    )
    if found is None:
        raise NotFound(_("No such feedback request."))
    return found


def pending_feedback(user) -> list[FeedbackRequest]:
    """The user's unanswered requests whose evaluation still takes answers (a to-do list)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        FeedbackRequest.objects.filter(
            rater__user=user, state=FeedbackRequest.State.PENDING, evaluation__state__in=OPEN_STATES
        ).select_related("evaluation__cycle", "evaluation__employee")
    )


def item_name(code: str) -> str:
    indicator = MANUAL_RATINGS.get(code) or catalog().get(code)
    return indicator_name(indicator) if indicator else code


@dataclass
class ItemFeedback:
    """One manual item's 360° feedback as a reader may see it."""

    code: str
    name: str
    # anonymous answers: how many, and their mean when at least the minimum answered
    anonymous_count: int = 0
    anonymous_mean: float | None = None
    too_few: bool = False
    # named answers: (rater's name, rating, comment)
    named: list[tuple[str, int, str]] = field(default_factory=list)


def evaluation_feedback(user, evaluation: Evaluation) -> dict:
    """What the evaluation page shows of its 360° feedback to `user` (who already reads the
    evaluation): per item the anonymous aggregate (≥ the cycle's minimum raters) and the
    named answers, the progress, and whether the user may invite raters."""
    requests = list(FeedbackRequest.objects.filter(evaluation=evaluation).select_related("rater"))
    is_employee = evaluation.employee.user_id == user.pk
    released = evaluation.state not in OPEN_STATES
    named_raters = {r.rater_id for r in requests if not r.anonymous}
    anonymous_raters = {r.rater_id for r in requests if r.anonymous}
    items: dict[str, ItemFeedback] = {}
    if released or not is_employee:
        ratings = EvaluationRating.objects.filter(
            evaluation=evaluation, role=EvaluationRating.Role.PEER, submitted_at__isnull=False
        ).order_by("indicator", "pk")
        anonymous_values: dict[str, list[int]] = {}
        names = {r.rater_id: r.rater.name for r in requests}
        for rating in ratings:
            item = items.setdefault(
                rating.indicator, ItemFeedback(rating.indicator, item_name(rating.indicator))
            )
            if rating.rater_id in named_raters:
                item.named.append((names[rating.rater_id], rating.rating, rating.comment))
            elif rating.rater_id in anonymous_raters:
                anonymous_values.setdefault(rating.indicator, []).append(rating.rating)
        minimum = max(3, evaluation.cycle.feedback_min_raters)
        for code, values in anonymous_values.items():
            item = items[code]
            item.anonymous_count = len(values)
            if released and len(values) >= minimum:
                item.anonymous_mean = sum(values) / len(values)
            else:
                item.too_few = released
            if not released:
                item.anonymous_count = 0
    order = {code: index for index, code in enumerate(manual_codes(evaluation))}
    shown = sorted(
        (item for item in items.values() if item.named or item.anonymous_count),
        key=lambda item: order.get(item.code, len(order)),
    )
    can_invite = may_invite(user, evaluation) and evaluation.state in OPEN_STATES
    answered = sum(1 for r in requests if r.state != FeedbackRequest.State.PENDING)
    return {
        "requests": requests if not is_employee else [],
        "request_count": len(requests),
        "answered_count": answered,
        "items": shown,
        "released": released,
        "minimum": max(3, evaluation.cycle.feedback_min_raters),
        "can_invite": can_invite,
        "invite_items": [(code, item_name(code)) for code in order] if can_invite else [],
        "anonymous_default": evaluation.cycle.feedback_anonymous,
    }
