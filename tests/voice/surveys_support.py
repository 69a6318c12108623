"""What the survey tests share: a closed work order with its customer and vehicle, and a
sent invitation with its token (as voice/services/invitations.py leaves it)."""

import datetime
import secrets

from django.core.cache import cache
from django.utils import timezone

from servicescore.voice.models import SurveyInvitation

from ..factories import AssetFactory, CustomerFactory, WorkOrderFactory

GOOD_ANSWERS = {"overall": "5", "attitude": "4", "quality": "5", "speed": "3", "nps": "9", "comment": "很好"}


def closed_order(network, **fields):
    customer = CustomerFactory(
        name="陈女士", phone="13912345678", language=fields.pop("customer_language", "")
    )
    now = timezone.now()
    return WorkOrderFactory(
        service_center=network.sc1,
        customer=customer,
        asset=AssetFactory(customer=customer, plate="沪A12345", model="Model Y"),
        technician=network.tech,
        advisor=network.advisor,
        state=fields.pop("state", "closed"),
        completed_at=now - datetime.timedelta(hours=4),
        closed_at=now - datetime.timedelta(hours=3),
        **fields,
    )


def invitation_for(order, **fields):
    now = timezone.now()
    values = {
        "token": secrets.token_urlsafe(32),
        "state": SurveyInvitation.State.SENT,
        "sent_at": now - datetime.timedelta(hours=1),
        "expires_at": now + datetime.timedelta(days=7),
        "channel": "sms",
        **fields,
    }
    return SurveyInvitation.objects.create(work_order=order, **values)


def clear_rate_limits():
    cache.clear()
