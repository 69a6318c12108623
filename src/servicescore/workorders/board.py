"""The dispatch board: one service centre's waiting orders and its technicians' load, and
assigning an order from its row (htmx, or a plain form without JavaScript).

Views parse input, ask `selectors` (which start from workorders/scope.py) and call one
service; an order or centre outside the user's scope is a 404 before anything else happens,
and so is the board itself for a role that does not dispatch (policy.may_use_board).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicescore.org.scope import visible_employees

from . import policy, selectors, services
from .models import State


def _require_board_role(user) -> None:
    # A 404, as for an unknown page: the board is not there for other roles.
    if not policy.may_use_board(user):
        raise Http404


def _chosen_centre(user, centres: list, raw: str | None):
    """The centre of `?centre=`, which must be one of `centres`; the user's own by default."""
    if raw is None or raw == "":
        return selectors.default_centre(user)
    for centre in centres:
        if str(centre.pk) == raw.strip():
            return centre
    raise Http404


@login_required
def dispatch_board(request):
    """One service centre's waiting orders and technicians; assigning is done row by row."""
    _require_board_role(request.user)
    centres = list(selectors.dispatch_centres(request.user))
    centre = _chosen_centre(request.user, centres, request.GET.get("centre"))
    context = {"centres": centres, "centre": centre, "board_limit": selectors.BOARD_LIMIT}
    if centre is not None:
        board = selectors.dispatch_board(request.user, centre)
        options = TechnicianOptions(board["technicians"])
        for order in board["waiting"]:
            order.technician_options = options.for_order(order.technician_id)
        context.update(board)
    return render(request, "workorders/board.html", context)


class TechnicianOptions:
    """The <option>s of a waiting row's technician select. Every row lists the centre's
    technicians, so each option is rendered once per page here and the rows only join them
    (the template loop over 60 rows × 30 technicians was most of the board's time); the
    row's own technician is disabled ("assigned now"), a technician chosen before an error
    stays selected."""

    def __init__(self, technicians):
        assigned = _("assigned now")
        self.plain, self.current, self.selected = {}, {}, {}
        for t in technicians:
            named = f"{t.name} ({t.employee_no})"
            attributes = format_html(
                'value="{}" data-technician-option="{}" data-name="{}"', t.pk, t.pk, named
            )
            self.plain[t.pk] = format_html("<option {}>{}</option>", attributes, t.option_text)
            self.selected[t.pk] = format_html("<option {} selected>{}</option>", attributes, t.option_text)
            self.current[t.pk] = format_html(
                '<option {} data-suffix="{}" disabled>{} · {}</option>',
                attributes,
                assigned,
                t.option_text,
                assigned,
            )
        self.order = list(self.plain)

    def for_order(self, current_id, selected_id=None):
        parts = []
        for pk in self.order:
            if pk == current_id:
                parts.append(self.current[pk])
            elif pk == selected_id:
                parts.append(self.selected[pk])
            else:
                parts.append(self.plain[pk])
        return mark_safe("".join(parts))  # noqa: S308 - each part is format_html's


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(message for texts in error.message_dict.values() for message in texts)
    return " ".join(error.messages)


def _posted_technician(user, centre, raw: str):
    """(the chosen technician or None, an error message or None). A technician the user
    cannot see is refused without saying who it is, so ids cannot be probed."""
    if not raw:
        return None, None  # the service says "choose a technician"
    technician = None
    if raw.isascii() and raw.isdigit() and len(raw) < 19:  # a database id, not text or an overflow
        technician = visible_employees(user).select_related("org_unit").filter(pk=int(raw)).first()
    if technician is None:
        return None, _(
            "The technician you chose is not one you can assign at %(centre)s; choose one from the list."
        ) % {"centre": centre.name}
    return technician, None


@login_required
@require_POST
def board_assign(request, pk):
    """Dispatch (new) or reassign (dispatched, accepted) one order from the board.

    htmx gets the order's row back, with the outcome in it, plus out-of-band updates of the
    technicians' load and the counts; always HTTP 200 so that htmx swaps an error too.
    Without JavaScript the same form posts here and is redirected back to the board.
    """
    user = request.user
    order = selectors.visible_work_order(user, pk)
    _require_board_role(user)
    centre = order.service_center
    if not selectors.dispatch_centres(user).filter(pk=centre.pk).exists():
        raise Http404
    raw = request.POST.get("technician", "").strip()
    technician, error = _posted_technician(user, centre, raw)
    success = None
    if error is None:
        action = "dispatch" if order.state == State.NEW else "reassign"
        try:
            done = services.perform(
                order, action, by=user, technician=technician, version=request.POST.get("version") or None
            )
        except ValidationError as problem:
            error = _error_text(problem)
        else:
            success = _("%(id)s assigned to %(name)s.") % {"id": done.external_id, "name": technician.name}
    if request.headers.get("HX-Request") != "true":
        if error:
            messages.error(request, error)
        else:
            messages.success(request, success)
        return redirect(f"{reverse('workorders:board')}?centre={centre.pk}#board-order-{order.pk}")
    board = selectors.dispatch_board(user, centre)
    row = next((waiting for waiting in board["waiting"] if waiting.pk == order.pk), None)
    if row is None:  # started, cancelled or beyond the board's limit meanwhile
        row = selectors.decorate([selectors.visible_work_order(user, pk)], user, now=board["now"])[0]
    # Keep the user's choice in the select after an error, so a retry is one click.
    selected = technician.pk if error and technician is not None else None
    row.technician_options = TechnicianOptions(board["technicians"]).for_order(row.technician_id, selected)
    return render(
        request,
        "workorders/_board_assign.html",
        {
            **board,
            "o": row,
            "error": error,
            "success": success,
            "selected": selected,
        },
    )
