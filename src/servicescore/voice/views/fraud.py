"""Customer voice, fraud: the pages of the review queue, where managers confirm or exclude
flagged survey responses with a reason. Only for those who review responses
(voice.policy: others get 403), only on the work orders in their scope (others are 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import policy
from ..models import SurveyResponse
from ..selectors_fraud import (
    VIEWS,
    flagged_response,
    flagged_responses,
    seconds_to_answer,
    signals_of,
    word_answers,
)
from ..services.fraud import response_review

PAGE_SIZE = 20


def _reviewer(request) -> None:
    if not policy.may_review_responses(request.user):
        raise PermissionDenied(_("Your role may not review survey responses."))


def _rows(responses):
    responses = list(responses)
    word_answers(responses)  # each answer under its version's wording, one read per page
    return [
        {"response": response, "signals": signals_of(response), "seconds": seconds_to_answer(response)}
        for response in responses
    ]


@login_required
def review_list(request):
    """The flagged responses waiting for review (or those decided), oldest first."""
    _reviewer(request)
    view = request.GET.get("view", "pending")
    if view not in VIEWS:
        view = "pending"
    page = Paginator(flagged_responses(request.user, view=view), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "voice/fraud/review_list.html",
        {"page_obj": page, "rows": _rows(page.object_list), "view": view, "query": f"view={view}"},
    )


@login_required
def review_detail(request, pk):
    """One flagged response, with the decision form while it waits."""
    _reviewer(request)
    response = flagged_response(request.user, pk)
    return render(request, "voice/fraud/review_detail.html", {"row": _rows([response])[0]})


@login_required
@require_POST
def review_decide(request, pk):
    """Confirm or exclude a flagged response (`decision`), with a required `reason`."""
    _reviewer(request)
    response = flagged_response(request.user, pk)
    try:
        response_review(
            response=response,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("voice:review_detail", pk=response.pk)
    if response.review == SurveyResponse.Review.EXCLUDED:
        messages.success(
            request, _("Response on %(order)s excluded.") % {"order": response.work_order.external_id}
        )
    else:
        messages.success(
            request, _("Response on %(order)s confirmed.") % {"order": response.work_order.external_id}
        )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("voice:review_list")
