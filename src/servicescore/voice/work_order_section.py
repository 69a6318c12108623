"""The customer's voice on a work order's page (workorders' page, filled in through
core/sections.py): the trace from a customer indicator (CSAT, NPS, complaints) down to what
the customer said about this order."""

from .selectors import work_order_feedback


def feedback_section(request, *, work_order, **_page) -> dict:
    """The order's survey, follow-ups, complaints and praise (the page found the order in
    the reader's scope; the selector checks it again)."""
    return {"feedback": work_order_feedback(request.user, work_order)}
