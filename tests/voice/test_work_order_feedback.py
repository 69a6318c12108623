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


# --- invitation status, fraud details, the follow-up task, the complaint's deadline --------


def test_the_invitation_shows_its_state_channel_masked_recipient_and_sending_time(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    SurveyInvitation.objects.create(
        work_order=order,
        state="sent",
        sent_at=_now(3),
        expires_at=_now(-100),
        channel="sms",
        recipient="138****1234",
    )
    login(client, network.manager)
    html = page(client, order)
    assert 'data-invitation-state="sent"' in html
    assert "<span data-recipient>138****1234</span>" in html
    assert "SMS" in html and "No answer yet." in html


def _feedback_section(html: str) -> str:
    start = html.index('id="customer-voice"')
    return html[start : html.index("</section>", start)]


def test_a_recipient_stored_whole_is_masked_in_the_feedback(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    SurveyInvitation.objects.create(work_order=order, sent_at=_now(3), recipient="13812345678")
    SurveyInvitation.objects.create(work_order=order, sent_at=_now(2), recipient="wang.li@example.com")
    login(client, network.manager)
    html = _feedback_section(page(client, order))
    assert "13812345678" not in html and "138****5678" in html
    assert "wang.li@" not in html and "w***@example.com" in html


def test_a_scheduled_invitation_shows_when_it_will_be_sent(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    SurveyInvitation.objects.create(work_order=order, state="scheduled", send_after=_now(-2))
    login(client, network.manager)
    html = page(client, order)
    assert 'data-invitation-state="scheduled"' in html and "To be sent" in html


def _flagged(order):
    return SurveyResponse.objects.create(
        external_id="S-FLAGGED",
        work_order=order,
        submitted_at=_now(1),
        overall=5,
        comment="完美",
        flags=["fast", "staff_device"],
        review="pending",
        ip="10.0.0.8",
    )


def test_a_reviewer_sees_the_fraud_signals_and_a_link_to_the_review_queue(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    _flagged(order)
    login(client, network.manager)
    html = page(client, order)
    assert "data-fraud" in html and 'data-review="pending"' in html
    assert "Answered within seconds of opening" in html
    assert 'data-link="reviews"' in html and "/voice/reviews/" in html


def test_the_technician_sees_the_ratings_and_comment_of_a_flagged_response_but_no_fraud_details(
    client, network
):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    _flagged(order)
    login(client, network.tech)
    for name in ("workorders:detail", "workorders:mine_detail"):
        html = page(client, order, name)
        assert "完美" in html and 'data-rating="overall">5' in html
        assert "data-fraud" not in html and "Answered within seconds" not in html and "10.0.0.8" not in html


def test_an_excluded_response_is_marked(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    response = _flagged(order)
    response.review = "excluded"
    response.review_reason = "同一设备"
    response.save()
    login(client, network.manager)
    html = page(client, order)
    assert "data-excluded" in html and "Excluded from the scores" in html and "同一设备" in html


def test_a_comment_with_a_script_tag_is_shown_as_text(client, network):
    order = order_with_feedback(
        network, technician=network.tech, external_id="WO-XSS", comment="<script>alert(1)</script>"
    )
    login(client, network.manager)
    html = page(client, order)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_follow_up_task_shows_its_state_reason_due_time_and_attempts(client, network):
    from servicescore.voice.models import FollowUpTask

    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    FollowUpTask.objects.create(
        work_order=order,
        reason="comeback",
        state="open",
        due_at=_now(-24),
        attempts=2,
        assigned_to=network.cs_agent,
    )
    login(client, network.manager)
    html = page(client, order)
    assert 'data-followup-task="open"' in html
    assert "Comeback" in html and "2 attempts" in html and "员工CS1" in html


def test_an_open_complaint_past_its_deadline_is_marked_as_breaching(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    Complaint.objects.create(
        work_order=order,
        summary="等待太久",
        state="investigating",
        received_at=_now(60),
        due_at=_now(12),
    )
    Complaint.objects.create(
        work_order=order, summary="已处理", state="investigating", received_at=_now(5), due_at=_now(-43)
    )
    login(client, network.manager)
    html = page(client, order)
    assert html.count("data-breaching") == 1
    assert 'data-complaint-workflow="investigating"' in html and "Investigating" in html
    assert "Past its deadline" in html and "Resolve by" in html


def test_a_complaint_declared_not_valid_is_shown_as_not_upheld(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    Complaint.objects.create(work_order=order, state="not_valid", received_at=_now(5), due_at=_now(10))
    login(client, network.manager)
    html = page(client, order)
    assert 'data-complaint-state="invalid"' in html and "data-breaching" not in html


def test_the_complaint_desk_roles_open_the_complaint_from_the_order_and_the_technician_does_not(
    client, network
):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    complaint = Complaint.objects.create(work_order=order, summary="收费有异议", received_at=_now(5))
    login(client, network.manager)
    assert f'href="{reverse("voice:complaint", args=[complaint.pk])}" data-link="complaint"' in page(
        client, order
    )
    client.logout()
    login(client, network.tech)
    html = page(client, order)
    assert "收费有异议" in html and 'data-link="complaint"' not in html
