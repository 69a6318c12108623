"""/api/voice: sending a work order's survey by hand (POST /work-orders/{id}/survey) and
the review of a flagged response (POST /responses/{id}/review), through the services the
pages use: the role and the data scope (out of scope → 404), each refusal with its code,
and nothing written on error."""

import pytest
from django.utils import timezone

from servicescore.core.audit import history_of
from servicescore.core.models import AuditEntry, Delivery
from servicescore.core.roles import ROLE_OF_POSITION
from servicescore.voice.models import SurveyInvitation, SurveyResponse

from ..factories import EmployeeFactory, UserFactory, WorkOrderFactory
from ..voice.invitations_support import closed_order

pytestmark = pytest.mark.django_db
BASE = "/api/voice"


@pytest.fixture(autouse=True)
def site(settings):
    settings.NOTIFY_SITE_URL = "https://ss.acme.example"


def send(api, order, channel):
    return api.post(f"{BASE}/work-orders/{order.pk}/survey", {"channel": channel})


def refused(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code, response.json()


def invitation_row(order):
    return list(SurveyInvitation.objects.filter(work_order=order).values())


# --- sending ----------------------------------------------------------------------------------


def test_the_advisor_sends_the_survey_by_sms_now(network, token_for):
    order = closed_order(network, phone="13812341234")
    response = send(token_for(network.advisor), order, "sms")
    assert response.status_code == 200, response.content
    body = response.json()
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert (body["id"], body["state"], body["channel"]) == (invitation.pk, "sent", "sms")
    assert body["recipient"] == "138****1234" and "1234" in invitation.recipient
    assert body["link"] == f"https://ss.acme.example/s/{invitation.token}/"
    assert body["template"] == invitation.template_id and body["template_version"] == 1
    assert Delivery.objects.filter(notification=invitation.notification, channel="sms").count() == 1
    assert history_of(invitation).get(action="send_sms").actor == network.advisor.user


def test_the_advisor_gets_the_link_of_a_wecom_card_and_nothing_is_delivered(network, token_for):
    order = closed_order(network)
    body = send(token_for(network.advisor), order, "wecom").json()
    assert (body["state"], body["channel"], body["recipient"]) == ("sent", "wecom", "")
    assert body["link"].startswith("https://ss.acme.example/s/")
    assert not Delivery.objects.filter(channel="sms").exists()


def test_an_email_goes_to_the_customers_address(network, token_for):
    order = closed_order(network, phone="", email="chen@example.com")
    body = send(token_for(network.advisor), order, "email").json()
    assert (body["channel"], body["recipient"]) == ("email", "c***@example.com")
    assert Delivery.objects.filter(channel="email", address="chen@example.com").count() == 1


def test_an_order_not_finished_is_refused_and_nothing_written(network, token_for):
    order = WorkOrderFactory(service_center=network.sc1, advisor=network.advisor, state="accepted")
    refused(send(token_for(network.advisor), order, "wecom"), 409, "survey_order_not_finished")
    assert not SurveyInvitation.objects.exists() and not AuditEntry.objects.filter(action="schedule").exists()


@pytest.mark.parametrize("channel,contact", [("sms", {"phone": "", "email": "a@example.com"}), ("email", {})])
def test_no_contact_for_the_channel_is_refused_and_nothing_written(network, token_for, channel, contact):
    order = closed_order(network, **contact)
    before = invitation_row(order)
    entries = AuditEntry.objects.count()
    response = send(token_for(network.advisor), order, channel)
    refused(response, 409, "survey_send_no_contact")
    assert response.json()["field"] == "channel"
    assert invitation_row(order) == before and AuditEntry.objects.count() == entries
    assert not Delivery.objects.exists()


def test_no_contact_on_an_order_without_invitation_creates_none(network, token_for):
    order = closed_order(network, phone="")
    SurveyInvitation.objects.all().delete()
    refused(send(token_for(network.advisor), order, "sms"), 409, "survey_send_no_contact")
    assert not SurveyInvitation.objects.exists()


def test_an_answered_survey_is_refused_and_nothing_written(network, token_for):
    order = closed_order(network)
    answer = SurveyResponse.objects.create(work_order=order, submitted_at=timezone.now(), overall=5)
    SurveyInvitation.objects.filter(work_order=order).update(state="answered", response=answer)
    before = invitation_row(order)
    refused(send(token_for(network.advisor), order, "sms"), 409, "survey_send_already_answered")
    assert invitation_row(order) == before and not Delivery.objects.exists()


def test_an_expired_survey_is_refused(network, token_for):
    order = closed_order(network)
    SurveyInvitation.objects.filter(work_order=order).update(state="expired")
    refused(send(token_for(network.advisor), order, "wecom"), 409, "survey_invitation_over")


def test_a_technician_may_not_send_and_nothing_is_written(network, token_for):
    order = closed_order(network)
    before = invitation_row(order)
    refused(send(token_for(network.tech), order, "wecom"), 403, "survey_send_not_allowed")
    assert invitation_row(order) == before


@pytest.mark.parametrize("who", ["tech_sc2", "advisor_sc2"])
def test_an_order_of_another_centre_is_404_and_nothing_written(network, token_for, who):
    network.advisor_sc2 = EmployeeFactory(
        employee_no="A2",
        position="service_advisor",
        org_unit=network.sc2,
        user=UserFactory(username="a2", role=ROLE_OF_POSITION["service_advisor"]),
    )
    order = closed_order(network)
    before = invitation_row(order)
    response = send(token_for(getattr(network, who)), order, "sms")
    assert response.status_code == 404
    assert invitation_row(order) == before and not Delivery.objects.exists()


def test_an_unknown_channel_is_422(network, token_for):
    order = closed_order(network)
    before = invitation_row(order)
    response = send(token_for(network.advisor), order, "pigeon")
    assert response.status_code == 422 and response.json()["field"] == "channel"
    assert invitation_row(order) == before


def test_a_read_only_token_may_not_send(network, token_for):
    order = closed_order(network)
    assert send(token_for(network.advisor, scopes=("read",)), order, "wecom").status_code == 403
    assert SurveyInvitation.objects.get(work_order=order).state == "scheduled"


# --- reviewing a flagged response ---------------------------------------------------------------


def flagged(network, centre=None, technician=None):
    order = WorkOrderFactory(
        service_center=centre or network.sc1, technician=technician or network.tech, state="closed"
    )
    return SurveyResponse.objects.create(
        work_order=order, submitted_at=timezone.now(), overall=5, flags=["fast"], review="pending"
    )


def review(api, response, decision="exclude", reason="同一设备连续作答"):
    return api.post(f"{BASE}/responses/{response.pk}/review", {"decision": decision, "reason": reason})


@pytest.mark.parametrize("decision,stored", [("exclude", "excluded"), ("confirm", "confirmed")])
def test_a_manager_decides_a_flagged_response(network, token_for, decision, stored):
    response = flagged(network)
    answer = review(token_for(network.manager), response, decision)
    assert answer.status_code == 200, answer.content
    assert answer.json()["review"] == stored and answer.json()["review_reason"] == "同一设备连续作答"
    assert answer.json()["id"] == response.pk and answer.json()["template"] is None
    response.refresh_from_db()
    assert (response.review, response.reviewed_by) == (stored, network.manager.user)
    entry = history_of(response).get(action=decision)
    assert entry.reason == "同一设备连续作答" and entry.actor == network.manager.user


def test_a_blank_reason_is_refused_and_nothing_written(network, token_for):
    response = flagged(network)
    refused(review(token_for(network.manager), response, reason="  "), 422, "response_review_reason_required")
    response.refresh_from_db()
    assert response.review == "pending" and not history_of(response).exists()


def test_a_response_already_decided_is_refused(network, token_for):
    response = flagged(network)
    api = token_for(network.manager)
    review(api, response, "confirm")
    refused(review(api, response, "exclude"), 409, "response_review_not_pending")
    response.refresh_from_db()
    assert response.review == "confirmed"


def test_a_technician_may_not_review_his_own_response(network, token_for):
    response = flagged(network)
    refused(review(token_for(network.tech), response), 403, "response_review_not_allowed")
    response.refresh_from_db()
    assert response.review == "pending"


def test_a_response_of_another_centre_is_404_and_nothing_written(network, token_for):
    response = flagged(network, centre=network.sc2, technician=network.tech_sc2)
    assert review(token_for(network.manager), response).status_code == 404
    response.refresh_from_db()
    assert response.review == "pending" and not history_of(response).exists()


def test_an_unknown_decision_is_422(network, token_for):
    response = flagged(network)
    answer = review(token_for(network.manager), response, decision="maybe")
    assert answer.status_code == 422 and answer.json()["field"] == "decision"
    response.refresh_from_db()
    assert response.review == "pending"


def test_both_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/voice/work-orders/{work_order_id}/survey"]
    assert "post" in paths["/api/voice/responses/{response_id}/review"]
