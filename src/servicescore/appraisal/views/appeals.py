"""The confirmation and appeal pages (urls_appeals.py, namespace `appraisal`):

- POST evaluations/<pk>/confirm/ and evaluations/<pk>/appeal/: the appraised person's two
  acts from the evaluation page's appeal panel (`_evaluation_appeal.html`); back to that
  page (the `next` field) with the outcome as a message;
- appeals/ (`appeals`): the deciders' queue, overdue first;
- appeals/<pk>/ (`appeal`): one appeal with the evaluation's items and the work orders
  behind the appealed ones, and the decision forms (the appellant sees it too, and
  answers a question there);
- appeals/evidence/<pk>/ (`appeal_evidence`): an evidence file, for the appellant and the
  deciders;
- appeals/stats/ (`appeal_stats`): upheld against adjusted appeals by indicator and centre.

Every id out of the user's reach is 404 (the selectors decide); a refusal of a service
shows as a message on the page, with nothing written.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicescore.core.errors import DomainError, NotFound
from servicescore.core.uploads import serve_file

from ..policy import allows
from ..selectors.appeals import (
    appeal_for,
    decider_queue,
    evidence_file,
    is_decider,
    item_names,
    item_records,
    recent_decisions,
)
from ..selectors.appeals import appeal_stats as stats_of
from ..selectors.evaluations import evaluation_for, readable_cycles
from ..services import appeals as services
from .reviews import page_with_error


def _back(request, evaluation):
    """Back to the page the form was on (`next`, this site only), else the evaluation page."""
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("appraisal:evaluation", pk=evaluation.pk)


def _evaluation(request, pk):
    try:
        return evaluation_for(request.user, pk)
    except NotFound:
        raise Http404 from None


@login_required
@require_POST
def evaluation_confirm(request, pk):
    evaluation = _evaluation(request, pk)
    try:
        services.evaluation_confirm(by=request.user, evaluation=evaluation)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message_text)
    else:
        messages.success(request, _("You confirmed your result; it is final."))
    return _back(request, evaluation)


@login_required
@require_POST
def appeal_file(request, pk):
    evaluation = _evaluation(request, pk)
    try:
        appeal = services.appeal_file(
            by=request.user,
            evaluation=evaluation,
            indicators=request.POST.getlist("indicators"),
            reason=request.POST.get("reason", ""),
            files=request.FILES.getlist("files"),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        # The page again, the form open with what was typed (files must be chosen again).
        return page_with_error(request, evaluation.pk, error)
    messages.success(
        request,
        _("Your appeal is filed; it will be decided by %(due)s.")
        % {"due": timezone.localtime(appeal.due_at).strftime("%Y-%m-%d")},
    )
    return _back(request, evaluation)


@login_required
def appeals(request):
    """The deciders' queue: undecided appeals they may decide, overdue first."""
    if not is_decider(request.user):
        raise PermissionDenied(_("Appeals are decided by HR, administrators or a cycle's appeal reviewer."))
    context = {
        "queue": decider_queue(request.user),
        "recent": recent_decisions(request.user),
        "may_see_stats": allows(request.user, "read_cycle_results"),
    }
    return render(request, "appraisal/cycles/appeal_list.html", context)


def _exclusions(post) -> list[tuple]:
    """The picked work orders, `exclude` values "<indicator>:<work order id>", each with
    the shared exclusion reason."""
    reason = post.get("exclusion_reason", "")
    picked = []
    for value in post.getlist("exclude"):
        code, _sep, order = value.rpartition(":")
        picked.append((code, order, reason))
    return picked


@login_required
def appeal(request, pk):
    """One appeal: GET shows it; POST takes `action` request_info, uphold, adjust (deciders)
    or answer (the appellant)."""
    try:
        found = appeal_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    if request.method == "POST":
        action = request.POST.get("action", "")
        post = request.POST
        try:
            if action == "answer":
                services.appeal_answer(
                    by=request.user,
                    appeal=found,
                    text=post.get("text", ""),
                    files=request.FILES.getlist("files"),
                )
                done = _("Your answer was sent.")
            elif not found.may_decide:
                raise Http404
            elif action == "request_info":
                services.appeal_request_info(by=request.user, appeal=found, question=post.get("question", ""))
                done = _("Your question was sent to the employee.")
            elif action == "uphold":
                services.appeal_uphold(by=request.user, appeal=found, reason=post.get("reason", ""))
                done = _("The result is upheld; the employee is told.")
            elif action == "adjust":
                services.appeal_adjust(
                    by=request.user,
                    appeal=found,
                    reason=post.get("reason", ""),
                    exclusions=_exclusions(post),
                    adjustment=post.get("adjustment") or None,
                )
                done = _("The result is adjusted; the employee is told.")
            else:
                raise Http404
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            messages.error(request, error.message_text)
        else:
            messages.success(request, done)
        return redirect("appraisal:appeal", pk=found.pk)
    undecided = found.state in services.OPEN_STATES
    names = item_names(found.evaluation)
    exclusions = list(found.exclusions.select_related("work_order", "by"))
    for exclusion in exclusions:
        exclusion.item_name = names.get(exclusion.indicator, exclusion.indicator)
    context = {
        "appeal": found,
        "evaluation": found.evaluation,
        "appealed": [names.get(code, code) for code in found.indicators],
        "evidence": list(found.evidence.all()),
        "exclusions": exclusions,
        "items": item_records(found) if found.may_decide and undecided else [],
        "undecided": undecided,
        "overdue": undecided and found.due_at < timezone.now(),
    }
    return render(request, "appraisal/cycles/appeal_detail.html", context)


@login_required
def appeal_evidence(request, pk):
    try:
        found = evidence_file(request.user, pk)
    except NotFound:
        raise Http404 from None
    stem = found.name.rsplit(".", 1)[0] or "evidence"
    return serve_file(found.file, download_name=stem, inline_formats=frozenset())


@login_required
def appeal_stats(request):
    if not allows(request.user, "read_cycle_results"):
        raise PermissionDenied(_("Your role does not read cycle results."))
    cycles = list(readable_cycles(request.user)[:50])
    cycle = None
    wanted = request.GET.get("cycle")
    if wanted:
        cycle = next((c for c in cycles if str(c.pk) == wanted), None)
        if cycle is None:
            raise Http404
    context = stats_of(request.user, cycle=cycle) | {"cycles": cycles, "cycle": cycle}
    return render(request, "appraisal/cycles/appeal_stats.html", context)
