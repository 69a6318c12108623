"""Customer voice, fraud: the reads of the review queue. Each takes the requesting user;
a manager sees the flagged responses on the work orders in his scope
(workorders/scope.py), out of scope is a 404."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import translation

from servicescore.workorders.scope import visible_work_orders

from .models import SurveyInvitation, SurveyQuestion, SurveyResponse
from .work_order_section import worded_answers

Review = SurveyResponse.Review
Signal = SurveyResponse.Signal
SIGNAL_LABELS = dict(Signal.choices)
LIST_RELATED = (
    "work_order",
    "work_order__service_center",
    "work_order__technician",
    "work_order__advisor",
    "reviewed_by",
)
# The queue's views: what waits, and what was decided.
VIEWS = {"pending": (Review.PENDING,), "decided": (Review.CONFIRMED, Review.EXCLUDED)}


def flagged_responses(user, *, view: str = "pending") -> QuerySet:
    """Flagged responses on the work orders `user` may see: those waiting for review
    (oldest first, so that nothing waits forever), or those decided (latest first)."""
    states = VIEWS.get(view, VIEWS["pending"])
    responses = (
        SurveyResponse.objects.filter(review__in=states, work_order__in=visible_work_orders(user))
        .select_related(*LIST_RELATED)
        .defer("user_agent")
    )
    if view == "decided":
        return responses.order_by("-reviewed_at", "-pk")
    return responses.order_by("submitted_at", "pk")


def pending_review_count(user) -> int:
    """How many flagged responses wait for `user`'s review."""
    return SurveyResponse.objects.filter(
        review=Review.PENDING, work_order__in=visible_work_orders(user)
    ).count()


def flagged_response(user, pk) -> SurveyResponse:
    """One flagged response on a work order `user` may see, or 404 (ids cannot be probed)."""
    try:
        return (
            SurveyResponse.objects.filter(work_order__in=visible_work_orders(user))
            .exclude(review=Review.NONE)
            .select_related(*LIST_RELATED)
            .get(pk=pk)
        )
    except (SurveyResponse.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass(frozen=True)
class SignalText:
    code: str
    label: str


def signals_of(response: SurveyResponse) -> list[SignalText]:
    """The response's fraud signals in words (an unknown code shows as itself)."""
    return [SignalText(code, SIGNAL_LABELS.get(code, code)) for code in response.flags or []]


def seconds_to_answer(response: SurveyResponse) -> int | None:
    """Seconds between opening the survey and submitting it, when both are known."""
    if response.opened_at is None:
        return None
    return max(0, int((response.submitted_at - response.opened_at).total_seconds()))


def word_answers(responses) -> None:
    """Set `worded_answers` and `answered_version` on each response: its answers under the
    question wording of the survey template version it was answered against (the
    response's, else its invitation's), in the reader's language (voice/work_order_section.py
    `worded_answers`); none when the version is unknown (an import). The questions of all
    the versions on the page in one query, and one more for the responses that know their
    version only through their invitation."""
    responses = list(responses)
    version_of = {response.pk: response.template_id for response in responses}
    unknown = [pk for pk, version in version_of.items() if version is None]
    if unknown:
        for response_id, template_id in SurveyInvitation.objects.filter(
            response__in=unknown, template__isnull=False
        ).values_list("response_id", "template_id"):
            version_of[response_id] = template_id
    questions: dict = {}
    versions = {version for version in version_of.values() if version}
    if versions:
        for question in (
            SurveyQuestion.objects.filter(template__in=versions)
            .select_related("template")
            .order_by("order", "pk")
        ):
            questions.setdefault(question.template_id, []).append(question)
    language = "en" if (translation.get_language() or "").startswith("en") else "zh-hans"
    for response in responses:
        asked = questions.get(version_of[response.pk], [])
        response.worded_answers = worded_answers(asked, response.answers, language)
        response.answered_version = asked[0].template.version if asked else None
