"""The technician's phone pages (390 px wide): his day's work orders and one order with the
next step as one big button. Their actions post to the shared endpoints in views.py.

Views ask `selectors` (which start from workorders/scope.py); a colleague's order is a 404.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from servicescore.core.sections import render_sections

from . import selectors
from .models import Resolution, State
from .views import EVENT_LABELS, labour_form_context

# How many of the latest events the phone page shows: enough to see what happened today.
TIMELINE_LENGTH = 8


@login_required
def my_work_orders(request):
    """The technician's day on a phone: open orders (in progress first) and those done today."""
    context = selectors.my_work_orders(request.user)
    context["has_employee"] = getattr(request.user, "employee", None) is not None
    return render(request, "workorders/mine.html", context)


def _next_step(context) -> str:
    """Which big button the phone page shows: accept, start (check in), work, done or none."""
    order, actions = context["order"], context["actions"]
    if order.state == State.DISPATCHED and "accept" in actions:
        return "accept"
    if order.state == State.ACCEPTED and "start" in actions:
        return "start"
    if order.state == State.IN_PROGRESS and (
        "complete" in actions or context["can_labour"] or context["can_parts"] or context["can_note"]
    ):
        return "work"
    if order.state in (State.COMPLETED, State.CLOSED):
        return "done"
    return "none"


@login_required
def my_work_order(request, pk):
    """One order on the technician's phone: what to know, the next step, the latest events."""
    context = selectors.work_order_detail(request.user, pk)
    employee = getattr(request.user, "employee", None)
    own_id = employee.pk if employee is not None else None
    own_labour = next((line for line in context["labour_lines"] if line.technician_id == own_id), None)
    timeline = list(reversed(context["events"][-TIMELINE_LENGTH:]))
    for event in timeline:
        event.label = EVENT_LABELS.get(event.action, event.action)
    context.update(
        **labour_form_context(request.user, context),
        step=_next_step(context),
        employee=employee,
        own_labour=own_labour,
        timeline=timeline,
        older_events=max(len(context["events"]) - TIMELINE_LENGTH, 0),
        resolutions=Resolution.choices,
        here=request.get_full_path(),
        sections=render_sections("work_order", request, work_order=context["order"]),
    )
    return render(request, "workorders/mine_detail.html", context)
