"""Reads of the customer's voice: what the customer said about a work order (survey,
follow-up calls, complaints, praise). Each takes the requesting user and asks
workorders/scope.py, so that nothing about an order outside the user's scope is read."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from servicescore.workorders.scope import visible_work_orders

from .models import Complaint, FollowUp, Praise, SurveyInvitation, SurveyResponse

COMPLAINT_STATES = {
    "invalid": _("Not upheld"),
    "resolved": _("Resolved"),
    "open": _("Open"),
}


def complaint_state(complaint: Complaint) -> str:
    """'invalid' (not upheld), 'resolved' or 'open'."""
    if not complaint.valid:
        return "invalid"
    return "resolved" if complaint.resolved_at else "open"


@dataclass
class WorkOrderFeedback:
    """Everything the customer said about one work order, newest first in each list."""

    surveys: list = field(default_factory=list)
    waiting_invitations: list = field(default_factory=list)
    followups: list = field(default_factory=list)
    complaints: list = field(default_factory=list)
    praise: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.surveys or self.waiting_invitations or self.followups or self.complaints or self.praise
        )


def work_order_feedback(user, work_order) -> WorkOrderFeedback:
    """The survey responses, unanswered invitations, follow-up calls, complaints and praise
    of `work_order`, empty when the user may not see the order (the caller's page already
    checked it; this does not widen it). Six queries, however much feedback."""
    if not visible_work_orders(user).filter(pk=work_order.pk).exists():
        return WorkOrderFeedback()
    complaints = list(
        Complaint.objects.filter(work_order_id=work_order.pk).select_related("employee", "handler")
    )
    for complaint in complaints:
        complaint.state = complaint_state(complaint)
        complaint.state_label = COMPLAINT_STATES[complaint.state]
    return WorkOrderFeedback(
        surveys=list(SurveyResponse.objects.filter(work_order_id=work_order.pk)),
        waiting_invitations=list(
            SurveyInvitation.objects.filter(work_order_id=work_order.pk, response__isnull=True)
        ),
        followups=list(FollowUp.objects.filter(work_order_id=work_order.pk).select_related("agent")),
        complaints=complaints,
        praise=list(Praise.objects.filter(work_order_id=work_order.pk).select_related("employee")),
    )
