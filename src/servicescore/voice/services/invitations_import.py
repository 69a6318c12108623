"""Customer voice, invitations for work orders an import closed (issue 17, "Invitations").

A work order closed on its page gets its invitation from `invitation_schedule`
(voice/hooks_invitations.py, on `work_order_closed`). An import closes orders in bulk and
may carry last year's orders: after its transaction commits (workorders.signals
.work_orders_closed_by_import) the orders whose customer can still meaningfully answer
get the same scheduled invitation — those closed within the link's life
(VoicePolicy.survey_expiry_days) before now, with no invitation or response yet and a
customer with a phone or an e-mail address. The others get nothing: a back-fill must not
text customers about old services, and an undeliverable invitation for an imported order
would only be noise. One query finds the eligible orders of each batch; the invitations
and their audit entries are written in bulk, in one transaction.
"""

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from servicescore.core.audit import audit_bulk
from servicescore.workorders.models import State, WorkOrder

from ..models import SurveyInvitation, SurveyResponse, VoicePolicy
from .invitations import new_token
from .surveys import default_template

# Order ids per query (SQLite allows 32,766 variables).
BATCH = 5_000


def eligible_imported_closes(order_ids, *, now, expiry_days: int):
    """The orders among `order_ids` to invite: closed in the last `expiry_days` (not in the
    future), not yet invited or answered, their customer reachable."""
    return (
        WorkOrder.objects.filter(
            pk__in=order_ids,
            state=State.CLOSED,
            closed_at__gt=now - datetime.timedelta(days=expiry_days),
            closed_at__lte=now,
        )
        .filter(Q(customer__phone__gt="") | Q(customer__email__gt=""))
        .exclude(Exists(SurveyInvitation.objects.filter(work_order_id=OuterRef("pk"))))
        .exclude(Exists(SurveyResponse.objects.filter(work_order_id=OuterRef("pk"))))
        .select_related("customer")
        .only("pk", "type", "state", "closed_at", "customer__language")
        .order_by("pk")
    )


def invitations_for_imported_closes(*, order_ids, by=None, now: datetime.datetime | None = None) -> int:
    """Schedule the invitations of the eligible orders among `order_ids` (closed by an
    import), as `invitation_schedule` would on a page close; returns how many."""
    now = now or timezone.now()
    ids = sorted({int(pk) for pk in order_ids})
    if not ids:
        return 0
    voice_policy = VoicePolicy.current()
    delay = datetime.timedelta(minutes=voice_policy.survey_delay_minutes)
    expiry = datetime.timedelta(days=voice_policy.survey_expiry_days)
    templates = {}
    created = []
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            orders = eligible_imported_closes(
                ids[start : start + BATCH], now=now, expiry_days=voice_policy.survey_expiry_days
            ).select_for_update(of=("self",))
            invitations = []
            for order in orders:
                if order.type not in templates:
                    templates[order.type] = default_template(order)
                send_after = order.closed_at + delay
                invitations.append(
                    SurveyInvitation(
                        work_order_id=order.pk,
                        template=templates[order.type],
                        token=new_token(),
                        state=SurveyInvitation.State.SCHEDULED,
                        send_after=send_after,
                        expires_at=send_after + expiry,
                        language=order.customer.language or "",
                    )
                )
            created += SurveyInvitation.objects.bulk_create(invitations)
        audit_bulk(
            actor=by,
            action="schedule",
            objects=created,
            changes_of=lambda invitation: {
                "state": [None, invitation.state],
                "send_after": [None, invitation.send_after.isoformat()],
                "expires_at": [None, invitation.expires_at.isoformat()],
            },
            reason="the work order was closed by an import",
            channel="import",
        )
    return len(created)
