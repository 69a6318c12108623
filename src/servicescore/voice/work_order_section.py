"""The customer's voice on a work order's page (workorders' page, filled in through
core/sections.py): the trace from a customer indicator (CSAT, NPS, complaints) down to what
the customer said about this order."""

from .selectors import reviews_url, work_order_feedback


def feedback_section(request, *, work_order, now=None, **_page) -> dict:
    """The order's survey invitations and responses, follow-up task and calls, complaints
    and praise (the page found the order in the reader's scope; the selector checks it
    again, and shows the fraud details to reviewers only)."""
    feedback = work_order_feedback(request.user, work_order, now=now)
    return {"feedback": feedback, "reviews_url": reviews_url() if feedback.show_fraud else ""}
