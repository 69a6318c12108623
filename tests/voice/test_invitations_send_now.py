"""The advisor sends a work order's survey by hand from the order's page, as a card with
the link to forward in WeCom (voice/views/invitations.py): who may, for which orders,
and what the order's page shows."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from servicescore.core.audit import history_of
from servicescore.core.roles import ROLE_OF_POSITION
from servicescore.voice.models import SurveyInvitation, SurveyResponse

from ..conftest import login
from ..factories import EmployeeFactory, UserFactory, WorkOrderFactory
from .invitations_support import closed_order, completed_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.NOTIFY_SITE_URL = "https://ss.acme.example"
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def send_now(client, order):
    return client.post(reverse("voice:invitation_send", args=[order.pk]))


def test_the_advisor_sends_a_closed_orders_survey_over_wecom(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    response = send_now(client, order)
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert response.status_code == 302
    assert response["Location"] == reverse("voice:invitation_card", args=[invitation.pk])
    assert (invitation.state, invitation.channel) == ("sent", "wecom")
    assert invitation.sent_at is not None


def test_sending_by_hand_is_in_the_audit_trail_with_the_advisor(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    send_now(client, order)
    entry = history_of(SurveyInvitation.objects.get(work_order=order)).get(action="send_wecom")
    assert entry.actor == network.advisor.user
    assert entry.changes["channel"] == ["", "wecom"]


def test_the_card_shows_the_absolute_link_and_a_copy_button(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    page = client.get(send_now(client, order)["Location"])
    token = SurveyInvitation.objects.get(work_order=order).token
    html = page.content.decode()
    assert page.status_code == 200
    assert f'value="https://ss.acme.example/s/{token}/"' in html
    assert "data-copy-target" in html and "上海浦东服务中心" in html


def test_a_completed_order_not_yet_closed_gets_its_invitation_created_and_sent(network, client):
    order = completed_order(network)
    login(client, network.advisor)
    send_now(client, order)
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert (invitation.state, invitation.channel, len(invitation.token)) == ("sent", "wecom", 43)


def test_an_undeliverable_invitation_can_be_sent_by_hand(network, client):
    order = closed_order(network, phone="", email="")
    login(client, network.advisor)
    send_now(client, order)
    assert SurveyInvitation.objects.get(work_order=order).state == "sent"


def test_sending_again_shows_the_same_card_and_changes_nothing(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    first = send_now(client, order)
    sent_at = SurveyInvitation.objects.get(work_order=order).sent_at
    assert send_now(client, order)["Location"] == first["Location"]
    assert SurveyInvitation.objects.get(work_order=order).sent_at == sent_at
    assert history_of(SurveyInvitation.objects.get(work_order=order)).filter(action="send_wecom").count() == 1


def test_an_answered_survey_is_not_sent_again(network, client):
    order = closed_order(network)
    response = SurveyResponse.objects.create(work_order=order, submitted_at=order.closed_at, overall=5)
    SurveyInvitation.objects.filter(work_order=order).update(state="answered", response=response)
    login(client, network.advisor)
    page = client.post(reverse("voice:invitation_send", args=[order.pk]), follow=True)
    assert "already answered" in page.content.decode()
    assert SurveyInvitation.objects.get(work_order=order).channel == ""


def test_an_open_order_gets_no_survey(network, client):
    order = WorkOrderFactory(service_center=network.sc1, advisor=network.advisor)
    login(client, network.advisor)
    page = client.post(reverse("voice:invitation_send", args=[order.pk]), follow=True)
    assert "completed or closed" in page.content.decode()
    assert not SurveyInvitation.objects.exists()


def test_a_technician_on_the_order_may_not_send_its_survey(network, client):
    order = closed_order(network)
    login(client, network.tech)
    assert send_now(client, order).status_code == 403
    assert SurveyInvitation.objects.get(work_order=order).state == "scheduled"


def test_another_centres_advisor_gets_404_for_the_order(network, client):
    order = closed_order(network)
    other = EmployeeFactory(
        employee_no="A2",
        position="service_advisor",
        org_unit=network.sc2,
        user=UserFactory(username="a2", role=ROLE_OF_POSITION["service_advisor"]),
    )
    login(client, other)
    assert send_now(client, order).status_code == 404
    assert SurveyInvitation.objects.get(work_order=order).state == "scheduled"


def test_another_centres_advisor_gets_404_for_the_card(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    card = send_now(client, order)["Location"]
    other = EmployeeFactory(
        employee_no="A2",
        position="service_advisor",
        org_unit=network.sc2,
        user=UserFactory(username="a2", role=ROLE_OF_POSITION["service_advisor"]),
    )
    login(client, other)
    assert client.get(card).status_code == 404


def test_a_technician_may_not_open_the_card(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    card = send_now(client, order)["Location"]
    login(client, network.tech)
    assert client.get(card).status_code == 403


def test_sending_needs_a_post(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    assert client.get(reverse("voice:invitation_send", args=[order.pk])).status_code == 405


def test_the_orders_page_offers_the_advisor_the_send_button(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    html = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    assert 'data-send-state="scheduled"' in html
    assert reverse("voice:invitation_send", args=[order.pk]) in html


def test_the_orders_page_offers_the_technician_no_send_button(network, client):
    order = closed_order(network)
    login(client, network.tech)
    html = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    assert 'id="survey-invitation"' not in html
    assert reverse("voice:invitation_send", args=[order.pk]) not in html


def test_the_orders_page_offers_no_send_button_once_the_survey_is_answered(network, client):
    order = closed_order(network)
    response = SurveyResponse.objects.create(work_order=order, submitted_at=order.closed_at, overall=5)
    SurveyInvitation.objects.filter(work_order=order).update(state="answered", response=response)
    login(client, network.advisor)
    html = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    assert reverse("voice:invitation_send", args=[order.pk]) not in html


def test_the_orders_page_says_when_the_customer_cannot_be_reached(network, client):
    order = closed_order(network, phone="", email="")
    login(client, network.advisor)
    html = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    assert 'data-send-state="undeliverable"' in html
    assert "no phone number and no e-mail address" in html


def test_an_open_orders_page_has_no_survey_section(network, client):
    order = WorkOrderFactory(service_center=network.sc1, advisor=network.advisor)
    login(client, network.advisor)
    html = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    assert 'id="survey-invitation"' not in html


def test_an_unknown_order_is_404_and_writes_nothing(network, client):
    login(client, network.advisor)
    assert client.post(reverse("voice:invitation_send", args=[987654])).status_code == 404
    assert not SurveyInvitation.objects.exists()


def test_the_card_of_an_invitation_not_sent_is_404(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert client.get(reverse("voice:invitation_card", args=[invitation.pk])).status_code == 404


def test_the_customer_opens_the_cards_link_without_logging_in(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    send_now(client, order)
    token = SurveyInvitation.objects.get(work_order=order).token
    assert Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/s/{token}/").status_code == 200
