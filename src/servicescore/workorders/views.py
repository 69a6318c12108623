"""Work-order pages: the list, the detail, the forms, and the POST endpoints every page
(desk, dispatch board, the technician's phone) uses to act on an order.

Views parse input, ask `selectors` (which call core.scope) and call one service; an
order outside the user's scope is a 404 before anything else happens.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicescore.core.scope import visible_employees

from . import policy, selectors, services
from .forms import LabourForm, NoteForm, PartsForm, TransitionForm


def _back(request, order):
    """Where to go after a POST: the `next` the page sent (same host only), else the detail."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("workorders:detail", pk=order.pk)


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            message for messages_ in error.message_dict.values() for message in messages_
        )
    return " ".join(error.messages)


def _report(request, error) -> None:
    if isinstance(error, PermissionDenied):
        messages.error(request, str(error) or _("Your role may not do that."))
    else:
        messages.error(request, _error_text(error))


@login_required
@require_POST
def work_order_action(request, pk, action):
    """One named transition (dispatch, reassign, accept, start, complete, close, reopen,
    cancel) with its form fields; photos and location come with `start` (check-in)."""
    order = selectors.visible_work_order(request.user, pk)
    if action not in policy.TRANSITIONS:
        raise Http404
    form = TransitionForm(request.POST, request.FILES, order=order, technicians=_technicians(request.user))
    if not form.is_valid():
        messages.error(request, form.error_text())
        return _back(request, order)
    try:
        services.perform(order, action, by=request.user, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        _report(request, error)
    else:
        messages.success(request, _("%(id)s: %(action)s done.") % {
            "id": order.external_id, "action": policy.action_label(action)})
    return _back(request, order)


def _technicians(user):
    return visible_employees(user).select_related("org_unit")


def _line_action(request, pk, action, form_class, save):
    order = selectors.visible_work_order(request.user, pk)
    form = form_class(request.POST, request.FILES, technicians=_technicians(request.user)) \
        if form_class is LabourForm else form_class(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return _back(request, order)
    try:
        policy.require(request.user, action, order)
        save(order, form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        _report(request, error)
    else:
        messages.success(request, _("%(id)s: saved.") % {"id": order.external_id})
    return _back(request, order)


@login_required
@require_POST
def labour(request, pk):
    """Record (or replace) one technician's labour hours on the order."""
    return _line_action(request, pk, "labour", LabourForm, lambda order, data: services.record_work_labour(
        order, technician=data["technician"], standard_hours=data["standard_hours"],
        clocked_hours=data["clocked_hours"], by=request.user))


@login_required
@require_POST
def labour_delete(request, pk, line):
    order = selectors.visible_work_order(request.user, pk)
    try:
        policy.require(request.user, "labour", order)
        services.remove_labour(order, line_id=line, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        _report(request, error)
    return _back(request, order)


@login_required
@require_POST
def parts(request, pk):
    """Add a parts line."""
    return _line_action(request, pk, "parts", PartsForm, lambda order, data: services.record_part(
        order, by=request.user, **data))


@login_required
@require_POST
def parts_delete(request, pk, line):
    order = selectors.visible_work_order(request.user, pk)
    try:
        policy.require(request.user, "parts", order)
        services.remove_part(order, line_id=line, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        _report(request, error)
    return _back(request, order)


@login_required
@require_POST
def note(request, pk):
    """A note, photos and location on the timeline, without a change of state."""
    return _line_action(request, pk, "note", NoteForm, lambda order, data: services.add_note(
        order, by=request.user, **data))


@login_required
def event_photo(request, photo_id):
    """A timeline photo, served only to users who may see its work order."""
    photo = selectors.event_photo(request.user, photo_id)
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle)
    response["Cache-Control"] = "private, max-age=86400"
    return response


# Desk pages: placeholders until they land.
@login_required
def work_order_list(request):
    raise Http404


@login_required
def work_order_export(request):
    raise Http404


@login_required
def work_order_create(request):
    raise Http404


@login_required
def work_order_detail(request, pk):
    raise Http404


@login_required
def work_order_edit(request, pk):
    raise Http404
