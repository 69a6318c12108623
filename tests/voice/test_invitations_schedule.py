"""A closed work order gets its survey invitation, scheduled after the company's delay
(voice/services/invitations.py, through workorders' work_order_closed signal); a
cancelled one has its waiting invitations withdrawn."""

import datetime

import pytest
from django.utils import timezone

from servicescore.core.audit import history_of
from servicescore.voice.models import SurveyInvitation, VoicePolicy
from servicescore.voice.services.invitations import invitation_schedule
from servicescore.workorders import services as workorders

from ..factories import WorkOrderFactory
from .invitations_support import closed_order, completed_order

pytestmark = pytest.mark.django_db


def test_closing_an_order_schedules_its_invitation_after_the_default_delay(network):
    order = closed_order(network)
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert invitation.state == "scheduled"
    assert invitation.send_after == order.closed_at + datetime.timedelta(minutes=120)
    assert invitation.expires_at == invitation.send_after + datetime.timedelta(days=7)
    assert invitation.sent_at is None


def test_the_delay_and_the_expiry_come_from_the_voice_settings(network):
    VoicePolicy.objects.create(survey_delay_minutes=30, survey_expiry_days=3)
    order = closed_order(network)
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert invitation.send_after == order.closed_at + datetime.timedelta(minutes=30)
    assert invitation.expires_at == invitation.send_after + datetime.timedelta(days=3)


def test_each_invitation_gets_its_own_long_random_token(network):
    first, second = closed_order(network), closed_order(network)
    tokens = [SurveyInvitation.objects.get(work_order=o).token for o in (first, second)]
    assert tokens[0] != tokens[1]
    assert all(len(token) >= 43 for token in tokens)


def test_the_invitation_takes_the_customers_language(network):
    order = closed_order(network, language="en")
    assert SurveyInvitation.objects.get(work_order=order).language == "en"


def test_scheduling_is_in_the_audit_trail(network):
    order = closed_order(network)
    invitation = SurveyInvitation.objects.get(work_order=order)
    entry = history_of(invitation).get(action="schedule")
    assert entry.changes["state"] == [None, "scheduled"]
    assert entry.actor == network.advisor.user


def test_a_customer_without_phone_or_email_gets_an_undeliverable_invitation(network):
    order = closed_order(network, phone="", email="")
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert invitation.state == "undeliverable"
    assert "no phone" in history_of(invitation).get(action="schedule").reason


def test_an_order_without_a_customer_gets_an_undeliverable_invitation(network):
    order = completed_order(network)
    order.customer = None
    order.save(update_fields=["customer"])
    closed = workorders.close(order, by=network.advisor.user)
    assert SurveyInvitation.objects.get(work_order=closed).state == "undeliverable"


def test_an_order_that_already_has_an_invitation_gets_no_second_one(network):
    order = closed_order(network)
    assert invitation_schedule(order=order) is None
    assert SurveyInvitation.objects.filter(work_order=order).count() == 1


def test_a_cancelled_order_gets_no_invitation(network):
    order = WorkOrderFactory(service_center=network.sc1, state="cancelled", cancelled_at=timezone.now())
    assert invitation_schedule(order=order) is None
    assert not SurveyInvitation.objects.exists()


def test_cancelling_an_order_cancels_its_waiting_invitation(network):
    order = WorkOrderFactory(service_center=network.sc1)
    invitation = SurveyInvitation.objects.create(work_order=order, token="t" * 43, state="scheduled")
    workorders.cancel(order, reason="客户取消", by=network.advisor.user)
    invitation.refresh_from_db()
    assert invitation.state == "cancelled"
    entry = history_of(invitation).get(action="cancel")
    assert entry.changes == {"state": ["scheduled", "cancelled"]}


def test_cancelling_an_order_leaves_an_expired_invitation_expired(network):
    order = WorkOrderFactory(service_center=network.sc1)
    invitation = SurveyInvitation.objects.create(work_order=order, token="t" * 43, state="expired")
    workorders.cancel(order, reason="客户取消", by=network.advisor.user)
    invitation.refresh_from_db()
    assert invitation.state == "expired"


def test_the_invitation_asks_the_active_template_for_the_orders_type(network):
    order = closed_order(network)
    template = SurveyInvitation.objects.get(work_order=order).template
    assert template is not None and template.active
    assert template.work_order_type in ("", order.type)
