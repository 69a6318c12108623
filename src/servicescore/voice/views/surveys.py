"""Customer voice, surveys: the pages.

- Under /voice/surveys/ (namespace "voice"), for HR and administrators: the template list,
  the editor, activation, and a preview of the customer's page.
- Under /s/ (namespace "survey"), public: the page a customer opens from an invitation
  (/s/<token>/) and its thank-you page. No log-in, CSRF-protected, rate-limited per token
  and per address, a friendly page for every link that cannot be answered.
"""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicescore.core.client_ip import client_ip
from servicescore.core.errors import Conflict, NotFound
from servicescore.core.rate_limits import count_hit

from .. import policy
from .. import selectors_surveys as selectors
from ..errors.surveys import SURVEY_ALREADY_ANSWERED, SURVEY_CANCELLED, SURVEY_EXPIRED, Gone
from ..forms_surveys import SurveyQuestionForm, SurveyQuestionFormSet, SurveyTemplateForm
from ..models import SurveyTemplate
from ..services import surveys as services

# Requests per window: a customer opens and answers a link a few times; someone guessing
# tokens or hammering one link is stopped. Tests lower them.
TOKEN_LIMIT = (30, 600)
ADDRESS_LIMIT = (120, 600)
FIELD_PREFIX = "q-"


# --- templates (HR and administrators) -----------------------------------------------------


def _require_admin(user) -> None:
    if not policy.may_manage_surveys(user):
        raise PermissionDenied(_("Only HR and administrators manage survey templates."))


@login_required
def survey_templates(request):
    """Every template, the active one of each type marked."""
    _require_admin(request.user)
    templates = selectors.survey_templates(request.user)
    return render(request, "voice/surveys/template_list.html", {"templates": templates})


def _put_errors(form, formset, positions: list[int], error: ValidationError) -> None:
    """Each message next to its field: `questions-<i>-<name>` on the i-th question kept."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        if field.startswith("questions-") and field.count("-") == 2:
            _prefix, index, name = field.split("-")
            target = formset.forms[positions[int(index)]]
            target.add_error(name if name in target.fields else None, errors)
        elif field in form.fields:
            form.add_error(field, errors)
        else:
            form.add_error(None, errors)


def _editor(request, template: SurveyTemplate | None):
    posted = request.method == "POST"
    if posted:
        form = SurveyTemplateForm(request.POST)
        formset = SurveyQuestionFormSet(request.POST, prefix="questions")
    else:
        form = SurveyTemplateForm(initial=SurveyTemplateForm.initial_of(template) if template else None)
        questions = (
            [SurveyQuestionForm.initial_of(q) for q in selectors.template_questions(template)]
            if template
            else []
        )
        formset = SurveyQuestionFormSet(initial=questions, prefix="questions")
    if posted and form.is_valid() and formset.is_valid():
        positions, questions = [], []
        for position, question_form in enumerate(formset.forms):
            if question_form.cleaned_data.get("DELETE") or question_form.is_blank:
                continue
            positions.append(position)
            questions.append(question_form.question())
        try:
            saved = services.survey_template_save(
                actor=request.user, template=template, questions=questions, **form.cleaned_data
            )
        except ValidationError as error:
            _put_errors(form, formset, positions, error)
        else:
            if template is not None and saved.pk != template.pk:
                messages.success(
                    request,
                    _(
                        "Customers were already sent this survey, so its questions stay as they were: "
                        "your changes are version %(version)s, a draft until you activate it."
                    )
                    % {"version": saved.version},
                )
            else:
                messages.success(request, _("The survey template was saved."))
            return redirect("voice:survey_template_edit", saved.pk)
    status = 422 if posted else 200
    return render(
        request,
        "voice/surveys/template_edit.html",
        {
            "form": form,
            "formset": formset,
            "template": template,
            "in_use": template is not None and services.template_in_use(template),
        },
        status=status,
    )


@login_required
def survey_template_create(request):
    _require_admin(request.user)
    return _editor(request, None)


@login_required
def survey_template_edit(request, pk):
    _require_admin(request.user)
    return _editor(request, selectors.survey_template(request.user, pk))


@login_required
@require_POST
def survey_template_activate(request, pk):
    """Make it the active template of its type; the one active before is switched off."""
    _require_admin(request.user)
    template = selectors.survey_template(request.user, pk)
    services.survey_template_activate(actor=request.user, template=template)
    messages.success(
        request, _("“%(name)s” is now the active survey for its type.") % {"name": template.name}
    )
    return redirect("voice:survey_templates")


@login_required
@require_POST
def survey_template_deactivate(request, pk):
    _require_admin(request.user)
    template = selectors.survey_template(request.user, pk)
    try:
        services.survey_template_deactivate(actor=request.user, template=template)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("“%(name)s” is switched off.") % {"name": template.name})
    return redirect("voice:survey_templates")


@login_required
def survey_template_preview(request, pk):
    """The customer's page for this template, with a sample order, not answerable."""
    _require_admin(request.user)
    template = selectors.survey_template(request.user, pk)
    language = selectors.survey_language(
        None, asked=request.GET.get("lang", ""), accept_language=request.headers.get("Accept-Language", "")
    )
    with translation.override(language):
        context = {
            "preview": True,
            "centre": _("Sample service centre"),
            "vehicle_model": "Model Y",
            "plate": selectors.masked_plate("沪A12345"),
            "service_day": None,
            **selectors.survey_form(template, language),
        }
        return _public(request, "voice/surveys/public_form.html", context, language)


# --- the public page -------------------------------------------------------------------


def _public(request, template_name: str, context: dict, language: str, *, status: int = 200):
    other = "en" if language == "zh-hans" else "zh-hans"
    context = {
        **context,
        "language": language,
        "other_language": other,
        "other_language_name": "English" if other == "en" else "中文",
        "switch_url": f"{request.path}?{urlencode({'lang': other})}",
    }
    response = render(request, template_name, context, status=status)
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    # The token is in the path: no other site learns it from a Referer. (Not "no-referrer":
    # the browser would then send "Origin: null" with the form, which CSRF refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response


def _message(request, language: str, *, kind: str, status: int, title: str, text: str, centre: str = ""):
    return _public(
        request,
        "voice/surveys/public_message.html",
        {"kind": kind, "title": title, "text": text, "centre": centre},
        language,
        status=status,
    )


def _rate_limited(request, token: str) -> bool:
    hashed = hashlib.sha256(token.encode()).hexdigest()[:32]
    token_hits, _retry = count_hit(f"survey-token:{hashed}", window_seconds=TOKEN_LIMIT[1])
    address_hits, _retry = count_hit(
        f"survey-address:{client_ip(request) or '-'}", window_seconds=ADDRESS_LIMIT[1]
    )
    return token_hits > TOKEN_LIMIT[0] or address_hits > ADDRESS_LIMIT[0]


def _refusal_page(request, language: str, refusal, centre: str):
    code = getattr(refusal, "domain_code", "")
    if code == SURVEY_ALREADY_ANSWERED:
        return _message(
            request,
            language,
            kind="answered",
            status=200 if request.method == "GET" else 409,
            title=_("Already answered"),
            text=_("This survey has already been answered. Thank you for your feedback!"),
            centre=centre,
        )
    if code == SURVEY_CANCELLED:
        text = _("This survey was withdrawn because the service it asked about was cancelled.")
    elif code == SURVEY_EXPIRED:
        text = _("This survey link has expired. Thank you all the same!")
    else:
        text = " ".join(refusal.messages)
    return _message(
        request,
        language,
        kind="closed",
        status=410,
        title=_("This survey is closed"),
        text=text,
        centre=centre,
    )


def _not_found(request, language):
    return _message(
        request,
        language,
        kind="unknown",
        status=404,
        title=_("Survey not found"),
        text=_(
            "This survey link is not valid. Please check that you opened the whole link from your message."
        ),
    )


def survey_answer(request, token):
    """The customer's survey: GET shows it (and records the first opening), POST stores
    the answer and goes to the thank-you page."""
    invitation = selectors.invitation_for_page(token)
    language = selectors.survey_language(
        invitation,
        asked=request.POST.get("lang") or request.GET.get("lang", ""),
        accept_language=request.headers.get("Accept-Language", ""),
    )
    with translation.override(language):
        if _rate_limited(request, token):
            return _message(
                request,
                language,
                kind="limited",
                status=429,
                title=_("Please wait a moment"),
                text=_("Too many attempts for this survey. Please try again in a few minutes."),
            )
        if invitation is None:
            return _not_found(request, language)
        centre = invitation.work_order.service_center.name
        refusal = services.invitation_refusal(invitation)
        if refusal is not None:
            return _refusal_page(request, language, refusal, centre)
        errors, values = {}, {}
        if request.method == "POST":
            values = {
                name[len(FIELD_PREFIX) :]: value
                for name, value in request.POST.items()
                if name.startswith(FIELD_PREFIX)
            }
            try:
                services.survey_submit(
                    invitation_token=token,
                    answers=values,
                    ip=client_ip(request),
                    user_agent=request.headers.get("User-Agent", ""),
                    language=language,
                )
            except NotFound:
                return _not_found(request, language)
            except (Conflict, Gone) as refused:
                return _refusal_page(request, language, refused, centre)
            except ValidationError as error:
                errors = {
                    field: " ".join(messages_)
                    for field, messages_ in getattr(error, "message_dict", {"": error.messages}).items()
                }
            else:
                return redirect(f"{reverse('survey:thanks', args=[token])}?{urlencode({'lang': language})}")
        else:
            services.survey_mark_opened(invitation)
        context = selectors.survey_page(invitation, language)
        for question in context["questions"]:
            question["value"] = values.get(question["code"], "")
            question["error"] = errors.get(question["code"], "")
        context["form_error"] = errors.get("__all__", "") or errors.get("", "")
        context["has_errors"] = bool(errors)
        context["field_prefix"] = FIELD_PREFIX
        return _public(
            request, "voice/surveys/public_form.html", context, language, status=422 if errors else 200
        )


def survey_thanks(request, token):
    """After the answer: thanks, in the customer's language."""
    invitation = selectors.invitation_for_page(token)
    language = selectors.survey_language(
        invitation,
        asked=request.GET.get("lang", ""),
        accept_language=request.headers.get("Accept-Language", ""),
    )
    with translation.override(language):
        if _rate_limited(request, token):
            return _message(
                request,
                language,
                kind="limited",
                status=429,
                title=_("Please wait a moment"),
                text=_("Too many attempts for this survey. Please try again in a few minutes."),
            )
        if invitation is None:
            return _not_found(request, language)
        if invitation.response_id is None:
            return redirect("survey:answer", token)
        return _message(
            request,
            language,
            kind="thanks",
            status=200,
            title=_("Thank you!"),
            text=_("Your answers reached us. They help us serve you better."),
            centre=invitation.work_order.service_center.name,
        )
