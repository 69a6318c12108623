"""The customer's voice on a work order's page (voice's section of the workorders page,
core/sections.py): survey ratings and comment, follow-up calls, complaints and praise,
read through voice/selectors.py within the reader's scope."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.voice.models import Complaint, FollowUp, Praise, SurveyInvitation, SurveyResponse
from servicescore.voice.selectors import work_order_feedback

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


def _now(hours=0):
    return timezone.now() - datetime.timedelta(hours=hours)


def order_with_feedback(network, *, technician, external_id, comment="师傅很专业"):
    order = WorkOrderFactory(
        external_id=external_id, service_center=network.sc1, technician=technician, state="closed"
    )
    survey = SurveyResponse.objects.create(
        external_id=f"S-{external_id}",
        work_order=order,
        submitted_at=_now(5),
        overall=4,
        attitude=5,
        quality=3,
        speed=2,
        nps=9,
        comment=comment,
        channel="wecom",
    )
    SurveyInvitation.objects.create(work_order=order, sent_at=_now(30), channel="wecom", response=survey)
    FollowUp.objects.create(
        external_id=f"F-{external_id}",
        work_order=order,
        agent=network.cs_agent,
        called_at=_now(4),
        reached=True,
        satisfied=5,
        note=f"回访备注 {external_id}",
    )
    Complaint.objects.create(
        external_id=f"C-{external_id}",
        work_order=order,
        received_at=_now(3),
        employee=technician,
        handler=network.manager,
        severity="high",
        resolved_at=_now(1),
        satisfied_after=True,
    )
    Praise.objects.create(
        employee=technician, work_order=order, received_at=_now(2), note=f"表扬 {external_id}"
    )
    return order


@pytest.fixture
def order(network):
    return order_with_feedback(network, technician=network.tech, external_id="WO-VOICE")


@pytest.fixture
def colleagues_order(network):
    return order_with_feedback(
        network, technician=network.tech_colleague, external_id="WO-OTHER", comment="同事的评价"
    )


def page(client, order, name="workorders:detail"):
    response = client.get(reverse(name, args=[order.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_work_order_page_shows_the_survey_ratings_and_comment(client, network, order):
    login(client, network.manager)
    html = page(client, order)
    assert 'id="customer-voice"' in html
    assert "师傅很专业" in html
    for label, value in (("overall", 4), ("attitude", 5), ("quality", 3), ("speed", 2), ("nps", 9)):
        assert f'data-rating="{label}">{value}' in html


def test_the_work_order_page_shows_the_follow_up_call_with_its_agent(client, network, order):
    login(client, network.manager)
    html = page(client, order)
    assert "回访备注 WO-VOICE" in html and "员工CS1" in html
    assert 'data-followup-reached="yes"' in html


def test_the_work_order_page_shows_the_complaint_state_and_the_people_responsible(client, network, order):
    login(client, network.manager)
    html = page(client, order)
    assert 'data-complaint-state="resolved"' in html
    assert "High" in html and "员工T1" in html and "员工M1" in html


def test_the_work_order_page_shows_the_praise(client, network, order):
    login(client, network.manager)
    assert "表扬 WO-VOICE" in page(client, order)


def test_a_technician_sees_the_feedback_on_his_own_order_also_on_his_phone(client, network, order):
    login(client, network.tech)
    assert "师傅很专业" in page(client, order)
    assert "师傅很专业" in page(client, order, "workorders:mine_detail")


def test_a_technician_gets_404_for_a_colleagues_order_and_nothing_of_its_feedback(
    client, network, order, colleagues_order
):
    login(client, network.tech)
    for name in ("workorders:detail", "workorders:mine_detail"):
        response = client.get(reverse(name, args=[colleagues_order.pk]))
        assert response.status_code == 404
        assert "同事的评价" not in response.content.decode()


def test_the_selector_gives_nothing_for_an_order_outside_the_readers_scope(network, colleagues_order):
    feedback = work_order_feedback(network.tech.user, colleagues_order)
    assert feedback.is_empty
    assert feedback.surveys == [] and feedback.complaints == [] and feedback.praise == []


def test_an_order_without_feedback_says_there_is_none_yet(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    login(client, network.manager)
    html = page(client, order)
    assert 'id="customer-voice"' in html and "No customer feedback yet." in html


def test_an_unanswered_survey_invitation_is_shown_as_waiting(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    SurveyInvitation.objects.create(work_order=order, sent_at=_now(3), channel="sms")
    login(client, network.manager)
    assert 'data-invitation="waiting"' in page(client, order)


def _queries(client, order) -> int:
    with CaptureQueriesContext(connection) as captured:
        page(client, order)
    return len(captured.captured_queries)


def test_the_feedback_section_costs_the_same_queries_however_much_feedback(
    client, network, order, django_assert_max_num_queries
):
    login(client, network.manager)
    baseline = _queries(client, order)
    for n in range(5):
        SurveyResponse.objects.create(
            external_id=f"S-MORE-{n}", work_order=order, submitted_at=_now(n), overall=5
        )
        FollowUp.objects.create(
            external_id=f"F-MORE-{n}",
            work_order=order,
            agent=network.dispatcher,
            called_at=_now(n),
            reached=False,
        )
        Complaint.objects.create(
            external_id=f"C-MORE-{n}", work_order=order, received_at=_now(n), employee=network.tech_colleague
        )
        Praise.objects.create(employee=network.tech_colleague, work_order=order, received_at=_now(n))
    with django_assert_max_num_queries(baseline):
        page(client, order)
