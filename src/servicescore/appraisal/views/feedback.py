"""The 360° feedback pages of the appraisal cycles: a rater's page,
/appraisal/feedback/<pk>/ (URL name `appraisal:feedback`, only the rater: 404 for anyone
else), the invitation form posted from the evaluation page
(`appraisal:feedback_invite`) and the closing of a cycle's feedback
(`appraisal:feedback_close`). Each parses the request and calls one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from servicescore.core.errors import DomainError, NotFound

from ..models import FeedbackRequest
from ..selectors.calibration import calibration_cycle
from ..selectors.evaluations import evaluation_for
from ..selectors.feedback import OPEN_STATES, feedback_request_for, item_name
from ..services.feedback import feedback_close, feedback_decline, feedback_request, feedback_submit


def _evaluation_page(request, pk) -> str:
    """Where to go back to: the posted `back` (a local path), else the evaluation's page."""
    back = request.POST.get("back", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    try:
        return reverse("appraisal:evaluation", args=[pk])
    except NoReverseMatch:
        return "/appraisal/"


@login_required
def feedback(request, pk):
    """The rater's page: the items to rate 1–5 with comments; POST `action=submit` or
    `action=decline`. A refused answer shows the form again with what was typed."""
    try:
        found = feedback_request_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    error, status, values = None, 200, {}
    if request.method == "POST":
        values = request.POST
        try:
            if request.POST.get("action") == "decline":
                feedback_decline(by=request.user, request=found, reason=request.POST.get("reason", ""))
                messages.info(request, _("You declined the request. Thank you for letting us know."))
            else:
                ratings = {
                    code: (request.POST.get(f"rating:{code}"), request.POST.get(f"comment:{code}", ""))
                    for code in found.indicators
                }
                feedback_submit(by=request.user, request=found, ratings=ratings)
                messages.success(request, _("Your feedback was submitted. Thank you."))
        except DomainError as problem:
            error, status = problem, problem.status
        else:
            return redirect("appraisal:feedback", pk=found.pk)
        found.refresh_from_db()
    evaluation = found.evaluation
    items = [
        {
            "code": code,
            "name": item_name(code),
            "rating": values.get(f"rating:{code}", ""),
            "comment": values.get(f"comment:{code}", ""),
        }
        for code in found.indicators
    ]
    if found.state == FeedbackRequest.State.SUBMITTED:
        given = {r.indicator: r for r in evaluation.ratings.filter(rater=found.rater, role="peer")}
        for item in items:
            rating = given.get(item["code"])
            item["rating"] = str(rating.rating) if rating else ""
            item["comment"] = rating.comment if rating else ""
    return render(
        request,
        "appraisal/cycles/feedback_form.html",
        {
            "found": found,
            "evaluation": evaluation,
            "items": items,
            "open": found.state == FeedbackRequest.State.PENDING and evaluation.state in OPEN_STATES,
            "error": error,
            "error_field": getattr(error, "field", None),
        },
        status=status,
    )


def _codes(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").replace("，", " ").replace("、", " ").split() if part]


@login_required
@require_POST
def feedback_invite(request, pk):
    """The reviewer invites raters (employee numbers) for chosen manual items."""
    try:
        evaluation = evaluation_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    try:
        created = feedback_request(
            by=request.user,
            evaluation=evaluation,
            raters=_codes(request.POST.get("raters", "")),
            indicators=request.POST.getlist("indicators"),
            anonymous=request.POST.get("anonymous") == "on",
        )
    except DomainError as problem:
        messages.error(request, problem.message_text)
    else:
        messages.success(
            request,
            ngettext("%(count)d colleague was invited.", "%(count)d colleagues were invited.", len(created))
            % {"count": len(created)},
        )
    return redirect(_evaluation_page(request, evaluation.pk))


@login_required
@require_POST
def feedback_close_view(request, pk):
    """Close the cycle's 360° feedback where it is complete or late (HR: early, with a reason)."""
    try:
        cycle = calibration_cycle(request.user, pk)
    except NotFound:
        raise Http404 from None
    try:
        moved = feedback_close(by=request.user, cycle=cycle, reason=request.POST.get("reason", ""))
    except DomainError as problem:
        messages.error(request, problem.message_text)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d evaluation moved on to calibration.",
                "%(count)d evaluations moved on to calibration.",
                moved,
            )
            % {"count": moved},
        )
    return redirect("appraisal:calibration", pk=cycle.pk)
