"""The customer's voice on a work order's page (workorders' page, filled in through
core/sections.py): the trace from a customer indicator (CSAT, NPS, complaints) down to what
the customer said about this order."""

from django.utils import translation

from .models import SurveyQuestion
from .selectors import reviews_url, work_order_feedback

SCALE_MAX = {SurveyQuestion.Kind.RATING: 5, SurveyQuestion.Kind.NPS: 10}


def worded_answers(question_list, answers: dict, language: str) -> list[dict]:
    """Each answered question of the version the customer answered, in its wording then
    (English where it has one and the reader reads English), with the answer as shown: a
    choice's label, a score with its scale."""
    english = language == "en"
    rows = []
    for question in question_list:
        if question.code not in (answers or {}):
            continue
        value = answers[question.code]
        if question.kind == SurveyQuestion.Kind.CHOICE:
            choice = next((c for c in question.choices or [] if c.get("value") == str(value)), None)
            if choice is not None:
                value = (choice.get("label_en") if english and choice.get("label_en") else "") or choice.get(
                    "label", value
                )
        rows.append(
            {
                "code": question.code,
                "kind": question.kind,
                "text": question.text_en if english and question.text_en else question.text,
                "answer": value,
                "scale": SCALE_MAX.get(question.kind),
            }
        )
    return rows


def _word_surveys(feedback) -> None:
    """`worded_answers` on each response: its answers under the questions of the template
    version it was answered with (the response's, else its invitation's). One query for
    all the versions, none when no response knows its version."""
    answered_with = {i.response_id: i.template_id for i in feedback.invitations if i.response_id}
    version_of = {s.pk: s.template_id or answered_with.get(s.pk) for s in feedback.surveys}
    versions = {pk for pk in version_of.values() if pk}
    questions: dict = {}
    if versions:
        for question in (
            SurveyQuestion.objects.filter(template_id__in=versions)
            .select_related("template")
            .order_by("order", "pk")
        ):
            questions.setdefault(question.template_id, []).append(question)
    language = "en" if (translation.get_language() or "").startswith("en") else "zh-hans"
    for survey in feedback.surveys:
        asked = questions.get(version_of[survey.pk], [])
        survey.worded_answers = worded_answers(asked, survey.answers, language)
        survey.answered_version = asked[0].template.version if asked else None


def feedback_section(request, *, work_order, now=None, **_page) -> dict:
    """The order's survey invitations and responses (each answer under the wording it was
    answered against), follow-up task and calls, complaints and praise (the page found the
    order in the reader's scope; the selector checks it again, and shows the fraud details
    to reviewers only)."""
    feedback = work_order_feedback(request.user, work_order, now=now)
    _word_surveys(feedback)
    return {"feedback": feedback, "reviews_url": reviews_url() if feedback.show_fraud else ""}
