"""The cycle pages (urls_cycles.py, namespace `appraisal`):

- cycles/ (`cycles`): the cycles the user may read, with their stage, people and the
  current stage's deadline;
- cycles/new/ (`cycle_new`): the new-cycle form; the service's refusals go on its fields;
- cycles/<pk>/ (`cycle`): the settings, the stage timeline, the progress board and the
  late people, the evaluations, and the next move for those who may make it;
- POST cycles/<pk>/move/ (`cycle_move`): open, freeze, advance, publish or close, with
  the reason HR gives to skip people; the outcome as a message.

The pages are for the roles that run cycles or read their results (policy: manage_cycles,
read_cycle_results), 403 for others; a cycle out of the user's reach is 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicescore.core.errors import DomainError, NotFound

from ..forms_cycles import CycleForm
from ..models import Cycle
from ..policy import allows
from ..selectors.cycles import (
    cycle_evaluations,
    cycle_for,
    cycle_list,
    cycle_progress,
    may_open_cycle_pages,
    timeline,
    with_links,
)
from ..services import cycles as services

EVALUATIONS_PER_PAGE = 50


def _require_pages(user) -> None:
    if not may_open_cycle_pages(user):
        raise PermissionDenied(
            _("Only service managers, HR, administrators and auditors open the appraisal cycles.")
        )


def _cycle(request, pk) -> Cycle:
    try:
        return cycle_for(request.user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def cycles(request):
    _require_pages(request.user)
    return render(
        request,
        "appraisal/cycles/cycle_list.html",
        {"cycles": cycle_list(request.user), "may_create": allows(request.user, "manage_cycles")},
    )


@login_required
def cycle_new(request):
    _require_pages(request.user)
    if not allows(request.user, "manage_cycles"):
        raise PermissionDenied(_("Only service managers, HR and administrators run appraisal cycles."))
    form = CycleForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                cycle = services.cycle_create(by=request.user, **form.service_arguments())
            except DomainError as error:
                for item in error.items():
                    field = item["field"] if item["field"] in form.fields else None
                    form.add_error(field, item["message"])
            else:
                messages.success(
                    request,
                    _(
                        "The cycle “%(name)s” was created as a draft with %(count)s people; "
                        "open it when ready."
                    )
                    % {"name": cycle.name, "count": cycle.evaluations.count()},
                )
                return redirect("appraisal:cycle", pk=cycle.pk)
        status = 400
    return render(request, "appraisal/cycles/cycle_new.html", {"form": form}, status=status)


def _moves(user, cycle: Cycle, manageable: bool) -> list[dict]:
    """The buttons for the cycle's next moves the user may make."""
    if not manageable:
        return []
    stage = cycle.stage
    moves = []
    if stage == Cycle.Stage.DRAFT:
        moves.append({"action": "open", "to": "", "label": _("Open the cycle (target sign-off)")})
    elif stage == Cycle.Stage.TARGETS:
        moves.append({"action": "freeze", "to": "", "label": _("Freeze the figures and start self reviews")})
    elif stage in services.NEXT_STAGES:
        for target in services.NEXT_STAGES[stage]:
            moves.append(
                {
                    "action": "advance",
                    "to": target,
                    "label": _("Move on to %(stage)s") % {"stage": Cycle.Stage(target).label},
                }
            )
    elif stage == Cycle.Stage.CALIBRATION and allows(user, "publish_cycles"):
        moves.append({"action": "publish", "to": "", "label": _("Publish the results")})
    elif stage == Cycle.Stage.PUBLISHED and allows(user, "publish_cycles"):
        moves.append({"action": "close", "to": "", "label": _("Close the cycle")})
    return moves


def _links(cycle: Cycle) -> list[dict]:
    """The other cycle pages (calibration, results), when they are installed."""
    found = []
    for name, label in (
        ("appraisal:calibration", _("Calibration")),
        ("appraisal:cycle_results", _("Results")),
    ):
        try:
            found.append({"url": reverse(name, args=[cycle.pk]), "label": label})
        except NoReverseMatch:
            continue
    return found


@login_required
def cycle(request, pk):
    _require_pages(request.user)
    found = _cycle(request, pk)
    manageable = services.manageable_cycles(request.user).filter(pk=found.pk).exists()
    page = Paginator(cycle_evaluations(request.user, found), EVALUATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = with_links(page.object_list)
    return render(
        request,
        "appraisal/cycles/cycle_detail.html",
        {
            "cycle": found,
            "timeline": timeline(found),
            "board": cycle_progress(request.user, found),
            "page": page,
            "moves": _moves(request.user, found, manageable),
            "may_skip": allows(request.user, "skip_stages"),
            "links": _links(found),
        },
    )


@login_required
@require_POST
def cycle_move(request, pk):
    _require_pages(request.user)
    found = _cycle(request, pk)
    # "advance:calibration": the move and, for an advance, the stage to go to
    action, _sep, to = request.POST.get("action", "").partition(":")
    reason = request.POST.get("reason", "")
    calls = {
        "open": lambda: services.cycle_open(cycle=found, by=request.user),
        "freeze": lambda: services.cycle_freeze(cycle=found, by=request.user, reason=reason),
        "advance": lambda: services.cycle_advance(cycle=found, by=request.user, reason=reason, to=to or None),
        "publish": lambda: services.cycle_publish(cycle=found, by=request.user, reason=reason),
        "close": lambda: services.cycle_close(cycle=found, by=request.user, reason=reason),
    }
    if action not in calls:
        messages.error(request, _("Choose one of the cycle's moves."))
        return redirect("appraisal:cycle", pk=found.pk)
    try:
        moved = calls[action]()
    except DomainError as error:
        messages.error(request, error.message_text)
    else:
        messages.success(
            request, _("The cycle is now at the stage “%(stage)s”.") % {"stage": moved.get_stage_display()}
        )
    return redirect("appraisal:cycle", pk=found.pk)
