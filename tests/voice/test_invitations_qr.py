"""The survey link as a QR code (voice/views/invitations.py): on a work order's page the
advisor shows the customer at the desk a QR code of the survey link to scan and answer on
their phone. The order's invitation is created (or reused) and marked sent by QR code; the
code is an inline SVG drawn by segno for exactly the link shown under it."""

import html as html_lib

import pytest
import segno
from django.test import Client
from django.urls import reverse
from django.utils import translation

from servicescore.core.audit import history_of
from servicescore.core.roles import ROLE_OF_POSITION
from servicescore.voice.models import SurveyInvitation, SurveyResponse
from servicescore.voice.views.invitations import QR_MAKE, QR_SVG

from ..conftest import login
from ..factories import EmployeeFactory, UserFactory, WorkOrderFactory
from .invitations_support import closed_order

pytestmark = pytest.mark.django_db
SITE = "https://ss.acme.example"


@pytest.fixture(autouse=True)
def english(settings):
    settings.NOTIFY_SITE_URL = SITE
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def show_qr(client, order, **kwargs):
    return client.post(reverse("voice:invitation_qr_create", args=[order.pk]), **kwargs)


def survey_url(invitation):
    return f"{SITE}{reverse('survey:answer', args=[invitation.token])}"


def another_centres_advisor(network):
    return EmployeeFactory(
        employee_no="A2",
        position="service_advisor",
        org_unit=network.sc2,
        user=UserFactory(username="a2", role=ROLE_OF_POSITION["service_advisor"]),
    )


def test_the_advisor_shows_the_qr_code_of_a_closed_orders_survey(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    response = show_qr(client, order)
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert response.status_code == 302
    assert response["Location"] == reverse("voice:invitation_qr", args=[invitation.pk])
    assert (invitation.state, invitation.channel) == ("sent", "qr")
    entry = history_of(invitation).get(action="send_qr")
    assert entry.actor == network.advisor.user and entry.changes["channel"] == ["", "qr"]


def test_the_page_shows_segnos_svg_of_exactly_the_survey_url_and_the_url_as_text(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    page = client.get(show_qr(client, order)["Location"])
    invitation = SurveyInvitation.objects.get(work_order=order)
    html = page.content.decode()
    url = survey_url(invitation)
    expected = segno.make(url, **QR_MAKE).svg_inline(**QR_SVG)
    assert page.status_code == 200
    assert expected in html
    assert segno.make(url + "x", **QR_MAKE).svg_inline(**QR_SVG) not in html
    assert f"data-survey-link>{html_lib.escape(url)}</div>" in html
    assert "style=" not in expected and "<script" not in expected


def test_a_sent_invitation_is_reused_with_its_token_and_channel(network, client):
    order = closed_order(network)
    SurveyInvitation.objects.filter(work_order=order).update(state="sent", channel="sms")
    before = SurveyInvitation.objects.get(work_order=order)
    login(client, network.advisor)
    page = client.get(show_qr(client, order)["Location"])
    after = SurveyInvitation.objects.get(work_order=order)
    assert (after.pk, after.token, after.channel) == (before.pk, before.token, "sms")
    assert survey_url(after) in page.content.decode()
    assert not history_of(after).filter(action="send_qr").exists()


def test_a_completed_order_without_an_invitation_gets_one(network, client):
    order = closed_order(network)
    SurveyInvitation.objects.all().delete()
    login(client, network.advisor)
    show_qr(client, order)
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert invitation.template_id is not None and invitation.channel == "qr"


def test_an_answered_survey_gets_no_qr_code_and_nothing_is_written(network, client):
    order = closed_order(network)
    answer = SurveyResponse.objects.create(work_order=order, submitted_at=order.closed_at, overall=5)
    SurveyInvitation.objects.filter(work_order=order).update(state="answered", response=answer)
    login(client, network.advisor)
    page = show_qr(client, order, follow=True)
    assert "already answered" in page.content.decode()
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert invitation.channel == "" and not history_of(invitation).filter(action="send_qr").exists()


def test_an_open_order_gets_no_qr_code(network, client):
    order = WorkOrderFactory(service_center=network.sc1, advisor=network.advisor)
    login(client, network.advisor)
    page = show_qr(client, order, follow=True)
    assert "completed or closed" in page.content.decode()
    assert not SurveyInvitation.objects.exists()


def test_a_technician_of_another_centre_gets_404_and_nothing_is_written(network, client):
    order = closed_order(network)
    login(client, network.tech_sc2)
    assert show_qr(client, order).status_code == 404
    assert SurveyInvitation.objects.get(work_order=order).state == "scheduled"


def test_a_technician_of_another_centre_gets_404_for_the_qr_page(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    qr_page = show_qr(client, order)["Location"]
    login(client, network.tech_sc2)
    assert client.get(qr_page).status_code == 404


def test_an_advisor_of_another_centre_gets_404_for_the_qr_page(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    qr_page = show_qr(client, order)["Location"]
    login(client, another_centres_advisor(network))
    assert client.get(qr_page).status_code == 404


def test_the_technician_on_the_order_may_not_show_the_qr_code(network, client):
    order = closed_order(network)
    login(client, network.tech)
    assert show_qr(client, order).status_code == 403
    assert SurveyInvitation.objects.get(work_order=order).state == "scheduled"


def test_showing_the_qr_code_needs_a_post(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    assert client.get(reverse("voice:invitation_qr_create", args=[order.pk])).status_code == 405


def test_the_qr_page_of_an_invitation_not_sent_is_404(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    invitation = SurveyInvitation.objects.get(work_order=order)
    assert client.get(reverse("voice:invitation_qr", args=[invitation.pk])).status_code == 404


def test_the_orders_page_offers_the_advisor_the_qr_button(network, client):
    order = closed_order(network)
    login(client, network.advisor)
    html = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    assert "data-survey-qr-create" in html and "Show QR code" in html


def test_the_orders_page_offers_the_technician_no_qr_button(network, client):
    order = closed_order(network)
    login(client, network.tech)
    html = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    assert "data-survey-qr-create" not in html
