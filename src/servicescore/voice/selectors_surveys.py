"""Reads of customer voice, surveys: the template list for HR and administrators, and what
the public survey page shows a customer (no log-in: the token is the only key, and the
page shows nothing of the customer but the service they had)."""

from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

from . import policy
from .models import SurveyInvitation, SurveyQuestion, SurveyResponse, SurveyTemplate
from .services.surveys import default_template

LANGUAGES = ("zh-hans", "en")
DEFAULT_LANGUAGE = "zh-hans"
# The buttons of a rating and of a recommendation score (as posted: strings).
SCALES = {"rating": [str(n) for n in range(1, 6)], "nps": [str(n) for n in range(11)]}


def survey_templates(user) -> list[SurveyTemplate]:
    """Every template with its question count, the active ones first within each type
    (one query). Only for those who manage surveys: anyone else gets 404."""
    if not policy.may_manage_surveys(user):
        raise Http404
    return list(
        SurveyTemplate.objects.annotate(
            question_count=Count("questions"),
            # Sent or answered: frozen (voice/services/surveys.py, template_in_use).
            in_use=Exists(SurveyInvitation.objects.filter(template=OuterRef("pk")))
            | Exists(SurveyResponse.objects.filter(template=OuterRef("pk"))),
        ).order_by("work_order_type", "-active", "name", "-version", "pk")
    )


def survey_template(user, pk) -> SurveyTemplate:
    if not policy.may_manage_surveys(user):
        raise Http404
    template = SurveyTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise Http404
    return template


def invitation_for_page(token: str) -> SurveyInvitation | None:
    """The invitation a link's token names, with what its page shows (one query)."""
    if not token or len(token) > 64:
        return None
    return (
        SurveyInvitation.objects.select_related(
            "work_order__service_center", "work_order__asset", "work_order__customer", "template"
        )
        .filter(token=token)
        .first()
    )


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        variant = get_supported_language_variant(code.strip().lower())
    except LookupError:
        return None
    return variant if variant in LANGUAGES else None


def survey_language(
    invitation: SurveyInvitation | None, *, asked: str = "", accept_language: str = ""
) -> str:
    """The page's language: the one the customer switched to, else the invitation's, else
    the customer's, else the browser's first among zh-hans and en, else zh-hans."""
    customer = invitation.work_order.customer if invitation is not None else None
    for candidate in (
        asked,
        invitation.language if invitation is not None else "",
        customer.language if customer is not None else "",
    ):
        found = _supported(candidate)
        if found:
            return found
    for code, _quality in parse_accept_lang_header(accept_language or "")[:10]:
        found = _supported(code) if code != "*" else None
        if found:
            return found
    return DEFAULT_LANGUAGE


def masked_plate(plate: str) -> str:
    """沪A·***01: the province and letter, and the last two characters."""
    plate = (plate or "").replace("·", "").replace(" ", "")
    if len(plate) <= 4:
        return plate[:1] + "*" * max(len(plate) - 1, 0)
    return f"{plate[:2]}·{'*' * (len(plate) - 4)}{plate[-2:]}"


def template_questions(template: SurveyTemplate) -> list[SurveyQuestion]:
    return list(template.questions.order_by("order", "pk"))


def _worded(question: SurveyQuestion, language: str) -> dict:
    english = language == "en"
    return {
        "code": question.code,
        "kind": question.kind,
        "text": (question.text_en if english and question.text_en else question.text),
        "required": question.required,
        "scale": SCALES.get(question.kind, []),
        "choices": [
            {
                "value": choice.get("value", ""),
                "label": (
                    choice.get("label_en") if english and choice.get("label_en") else choice.get("label", "")
                ),
            }
            for choice in question.choices or []
        ],
    }


def survey_form(template: SurveyTemplate, language: str) -> dict:
    """The template's introduction and questions in `language` (English wording where it
    has one, else the Chinese)."""
    english = language == "en"
    questions = [_worded(question, language) for question in template_questions(template)]
    seen = set()
    for question in questions:
        # What the ends of a scale mean, said under its first question only.
        question["hint"] = question["kind"] in SCALES and question["kind"] not in seen
        seen.add(question["kind"])
    return {
        "intro": template.intro_en if english and template.intro_en else template.intro,
        "questions": questions,
    }


def survey_page(invitation: SurveyInvitation, language: str) -> dict:
    """What the public page shows: the service centre, the vehicle (model and masked
    plate), the order's day, and the questions in `language`. Never the customer's
    phone, name or anything of another order."""
    order = invitation.work_order
    asset = order.asset
    moment = order.closed_at or order.completed_at or order.created_at
    template = invitation.template or default_template(order)
    return {
        "centre": order.service_center.name,
        "vehicle_model": asset.model if asset is not None else "",
        "plate": masked_plate(asset.plate) if asset is not None else "",
        "service_day": timezone.localtime(moment).date() if moment else None,
        **survey_form(template, language),
    }
