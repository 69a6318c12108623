"""The customer voice on an employee's profile: his recent survey responses with their
comments (orders he led or advised; excluded ones marked), the complaints about him (named
or among the people concerned, marked when found responsible) and his praise — for himself
and for those who read others' scores, in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.voice.models import Complaint, ComplaintPerson, Praise, SurveyResponse

from ..conftest import login
from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def response_on(order, overall=5, comment="", **fields):
    return SurveyResponse.objects.create(
        work_order=order, submitted_at=days_ago(1), overall=overall, comment=comment, **fields
    )


@pytest.fixture
def voice(network):
    led = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    advised = WorkOrderFactory(
        service_center=network.sc1, technician=network.tech_colleague, advisor=network.tech, state="closed"
    )
    colleagues = WorkOrderFactory(
        service_center=network.sc1, technician=network.tech_colleague, state="closed"
    )
    response_on(led, 5, "修得很快")
    response_on(advised, 3, "接待一般")
    response_on(led, 1, "刷单嫌疑", review="excluded")
    response_on(colleagues, 4, "同事的客户")
    named = Complaint.objects.create(employee=network.tech, summary="态度差", received_at=days_ago(2))
    concerned = Complaint.objects.create(work_order=colleagues, summary="返修两次", received_at=days_ago(3))
    ComplaintPerson.objects.create(complaint=concerned, employee=network.tech, responsible=True)
    Complaint.objects.create(employee=network.tech_colleague, summary="同事被投诉", received_at=days_ago(2))
    Praise.objects.create(employee=network.tech, received_at=days_ago(4), note="锦旗一面", source="来信")
    Praise.objects.create(employee=network.tech_colleague, received_at=days_ago(4), note="同事的表扬")
    return {"named": named, "concerned": concerned}


def profile(client, employee):
    response = client.get(reverse("org:profile", args=[employee.pk]))
    assert response.status_code == 200
    return response


def test_the_technician_sees_the_responses_and_comments_of_the_orders_he_led_or_advised(
    client, network, voice
):
    login(client, network.tech)
    html = profile(client, network.tech).content.decode()
    assert 'data-section="customer_voice"' in html or 'id="profile-voice-title"' in html
    assert "修得很快" in html and "接待一般" in html
    assert "同事的客户" not in html


def test_an_excluded_response_is_marked_and_left_out_of_the_figures(client, network, voice):
    login(client, network.tech)
    response = profile(client, network.tech)
    assert "data-excluded" in response.content.decode() and "刷单嫌疑" in response.content.decode()
    summary = response.context["voice"]["summary"]
    assert (summary["count"], summary["csat"], summary["average"]) == (2, 50.0, 4.0)


def test_complaints_about_him_named_or_concerned_are_listed_and_responsibility_marked(client, network, voice):
    login(client, network.tech)
    html = profile(client, network.tech).content.decode()
    assert "态度差" in html and "返修两次" in html and "同事被投诉" not in html
    assert f'data-complaint="{voice["concerned"].pk}" data-complaint-state="open" data-responsible' in html
    assert f'data-complaint="{voice["named"].pk}" data-complaint-state="open">' in html


def test_his_praise_is_listed_with_its_source(client, network, voice):
    login(client, network.tech)
    html = profile(client, network.tech).content.decode()
    assert "锦旗一面" in html and "来信" in html and "同事的表扬" not in html


def test_the_foreman_sees_the_section_on_his_technicians_profile(client, network, voice):
    login(client, network.foreman)
    assert "修得很快" in profile(client, network.tech).content.decode()


def test_a_reader_who_may_not_see_scores_gets_no_customer_voice_section(client, network, voice):
    login(client, network.dispatcher)
    response = profile(client, network.tech)
    assert "voice" not in response.context and "修得很快" not in response.content.decode()


def test_a_technician_gets_404_for_a_colleagues_profile(client, network, voice):
    login(client, network.tech)
    assert client.get(reverse("org:profile", args=[network.tech_colleague.pk])).status_code == 404


def test_a_comment_with_a_script_tag_is_shown_as_text(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    response_on(order, 2, "<script>alert(1)</script>")
    login(client, network.tech)
    html = profile(client, network.tech).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_section_takes_a_fixed_number_of_queries(client, network, voice, django_assert_max_num_queries):
    login(client, network.manager)
    with CaptureQueriesContext(connection) as captured:
        profile(client, network.tech)
    baseline = len(captured.captured_queries)
    for n in range(6):
        order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
        response_on(order, 4, f"评价{n}")
        complaint = Complaint.objects.create(work_order=order, received_at=days_ago(n), summary=f"投诉{n}")
        ComplaintPerson.objects.create(complaint=complaint, employee=network.tech)
        Praise.objects.create(employee=network.tech, work_order=order, received_at=days_ago(n))
    with django_assert_max_num_queries(baseline):
        profile(client, network.tech)
