"""The demo company's customer voice: invitations with tokens and states, answers and
flagged responses, the follow-up queue, complaints through their workflow, praise — at
realistic rates, on the small build (ORM) and the large code path (raw bulk loads)."""

import dataclasses
import datetime

import pytest
from django.db import transaction
from django.db.models import Count, F, Q

from servicescore.core.models import User, UserDevice
from servicescore.customers.models import Customer
from servicescore.demo import bulk
from servicescore.demo.builder import add_day, build_demo, remove_day
from servicescore.demo.config import SCALES
from servicescore.demo.people import DEMO_USERNAMES
from servicescore.org.models import Employee
from servicescore.voice.models import (
    Complaint,
    ComplaintEvent,
    ComplaintPerson,
    FollowUp,
    FollowUpTask,
    Praise,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)
from servicescore.voice.scope_followups import visible_followup_tasks
from servicescore.workorders.models import WorkOrder

from .leftovers import forget_audit_entries_after, last_audit_id

ANCHOR = datetime.date(2026, 3, 15)
MINI = dataclasses.replace(SCALES["small"], orders_per_month=90, history_months=1)
STANDARD_CODES = {"overall", "attitude", "quality", "speed", "nps", "comment"}


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker):
    """One small build (no scores) shared by the read-only tests of this module."""
    from servicescore.kpi.models import FactIndicator
    from servicescore.workorders.models import LabourOperation

    with django_db_blocker.unblock():
        kept = {m: set(m.objects.values_list("pk", flat=True)) for m in (FactIndicator, LabourOperation)}
        audited = last_audit_id()
        report = build_demo("small", seed=7, anchor=ANCHOR, scores=False)
        yield report
        with transaction.atomic():
            bulk.wipe(DEMO_USERNAMES)
            forget_audit_entries_after(audited)
            for model, pks in kept.items():
                model.objects.exclude(pk__in=pks).delete()


def closed_orders():
    return WorkOrder.objects.filter(state="closed")


# --- surveys ------------------------------------------------------------------------------


def test_the_demo_has_one_active_default_survey_with_the_standard_questions(small_demo, db):
    template = SurveyTemplate.objects.get(active=True, work_order_type="")
    assert (
        set(SurveyQuestion.objects.filter(template=template).values_list("code", flat=True)) == STANDARD_CODES
    )
    assert not SurveyInvitation.objects.exclude(template=template).exists()


def test_every_invitations_state_matches_its_response_and_its_age(small_demo, db):
    now = small_demo.now
    invitations = SurveyInvitation.objects.all()
    assert invitations.exists()
    assert not invitations.filter(response__isnull=False).exclude(state="answered").exists()
    assert not invitations.filter(state="answered", response__isnull=True).exists()
    assert not invitations.filter(state="sent").exclude(expires_at__gt=now).exists()
    assert not invitations.filter(state="expired").exclude(expires_at__lte=now).exists()
    assert set(invitations.values_list("state", flat=True)) == set(SurveyInvitation.State.values)
    sent = invitations.filter(sent_at__isnull=False)
    assert not sent.exclude(send_after__lte=F("sent_at")).exists()
    assert not sent.exclude(expires_at=F("sent_at") + datetime.timedelta(days=7)).exists()
    assert not invitations.filter(response__submitted_at__gt=F("expires_at")).exists()
    assert not invitations.filter(opened_at__lt=F("sent_at")).exists()
    assert not invitations.filter(state="answered", opened_at__isnull=True).exists()


def test_a_few_invitations_are_scheduled_undeliverable_or_cancelled_as_the_services_leave_them(
    small_demo, db
):
    now = small_demo.now
    manager = Employee.objects.get(user__username="manager")
    pinned = SurveyInvitation.objects.filter(state__in=("scheduled", "undeliverable", "cancelled"))
    assert not pinned.exclude(work_order__service_center=manager.org_unit).exists()
    assert not pinned.filter(response__isnull=False).exists()
    scheduled = pinned.filter(state="scheduled")
    assert 1 <= scheduled.count() <= 5
    for invitation in scheduled.select_related("work_order"):
        closed = invitation.work_order.closed_at
        assert now - datetime.timedelta(hours=2) < closed < now and invitation.sent_at is None
        assert invitation.send_after == closed + datetime.timedelta(hours=2) > now
        assert invitation.expires_at == invitation.send_after + datetime.timedelta(days=7)
    undeliverable = pinned.filter(state="undeliverable")
    assert 1 <= undeliverable.count() <= 5
    assert not undeliverable.exclude(work_order__customer__phone="", work_order__customer__email="").exists()
    assert not undeliverable.filter(Q(sent_at__isnull=False) | ~Q(recipient="")).exists()
    assert (
        not SurveyInvitation.objects.exclude(state="undeliverable")
        .filter(work_order__customer__phone="")
        .exists()
    )
    cancelled = pinned.filter(state="cancelled")
    assert 1 <= cancelled.count() <= 5
    assert not cancelled.exclude(work_order__state="cancelled").exists()
    assert not cancelled.filter(
        Q(sent_at__isnull=True) | Q(sent_at__gt=F("work_order__cancelled_at"))
    ).exists()
    for invitation in cancelled:
        actions = list(invitation.work_order.events.order_by("at", "pk").values_list("action", flat=True))
        assert actions[-3:] == ["complete", "reopen", "cancel"]
    reminded = SurveyInvitation.objects.filter(reminded_at__isnull=False)
    assert reminded.exists() and not reminded.filter(reminded_at__gt=now).exists()


def test_every_response_keeps_the_survey_version_its_invitation_was_sent_with(small_demo, db):
    answered = SurveyInvitation.objects.filter(response__isnull=False)
    assert answered.exists()
    assert not answered.exclude(response__template=F("template")).exists()


def test_every_invitation_has_its_own_unguessable_token(small_demo, db):
    tokens = list(SurveyInvitation.objects.values_list("token", flat=True))
    assert len(set(tokens)) == len(tokens)
    assert all(token and len(token) == 43 and token.isascii() for token in tokens)
    assert len({token[:6] for token in tokens}) > 0.9 * len(tokens)


def test_answers_repeat_the_rated_columns_by_question_code(small_demo, db):
    for response in SurveyResponse.objects.order_by("pk")[:300]:
        assert response.answers["overall"] == response.overall
        assert response.answers.get("nps") == response.nps
        assert response.answers.get("comment", "") == response.comment
        assert response.language in ("zh-hans", "en")


def test_answers_given_on_the_survey_page_record_the_device_and_phone_answers_do_not(small_demo, db):
    web = SurveyResponse.objects.exclude(channel="phone")
    assert web.exists() and not web.filter(Q(ip__isnull=True) | Q(device="") | Q(user_agent="")).exists()
    assert not SurveyResponse.objects.filter(channel="phone").exclude(device="").exists()
    assert not SurveyResponse.objects.filter(opened_at__gt=F("submitted_at")).exists()


def test_a_few_flagged_responses_wait_for_review_at_the_demo_managers_centre(small_demo, db):
    manager = Employee.objects.get(user__username="manager")
    flagged = SurveyResponse.objects.exclude(review="")
    pending = flagged.filter(review="pending", work_order__service_center=manager.org_unit)
    assert 1 <= pending.count() <= 10
    assert {signal for response in flagged for signal in response.flags} >= {"fast", "staff_device"}
    assert flagged.count() < 0.02 * SurveyResponse.objects.count()
    assert not SurveyResponse.objects.filter(review="").exclude(flags=[]).exists()
    for response in (r for r in flagged if "fast" in r.flags):
        assert (response.submitted_at - response.opened_at).total_seconds() <= 8
    reviewed = flagged.exclude(review="pending")
    assert (
        reviewed.exists() and not reviewed.filter(Q(reviewed_by__isnull=True) | Q(review_reason="")).exists()
    )


def test_a_staff_device_flag_matches_a_device_the_technician_signed_in_from(small_demo, db):
    staff = [
        r
        for r in SurveyResponse.objects.exclude(review="").select_related("work_order__technician")
        if "staff_device" in r.flags
    ]
    assert staff
    for response in staff:
        technician = response.work_order.technician
        assert UserDevice.objects.filter(
            user=technician.user, device=response.device, ip=response.ip
        ).exists(), response.pk


# --- rates --------------------------------------------------------------------------------


def test_the_survey_response_rate_is_about_forty_percent(small_demo, db):
    sent = SurveyInvitation.objects.filter(sent_at__isnull=False)
    assert 0.35 <= sent.filter(response__isnull=False).count() / sent.count() <= 0.45
    assert sent.count() >= 0.9 * closed_orders().count()


def test_csat_is_about_ninety_percent(small_demo, db):
    responses = SurveyResponse.objects.all()
    assert 0.86 <= responses.filter(overall__gte=4).count() / responses.count() <= 0.94


def test_complaints_come_in_for_one_to_two_percent_of_the_orders(small_demo, db):
    assert 0.01 <= Complaint.objects.count() / WorkOrder.objects.count() <= 0.025


def test_follow_up_calls_and_answers_cover_most_closed_orders(small_demo, db):
    closed = closed_orders().count()
    covered = (
        closed_orders()
        .filter(Q(followups__reached=True) | Q(survey_responses__isnull=False))
        .values("pk")
        .distinct()
        .count()
    )
    assert 0.8 <= covered / closed <= 0.95


# --- follow-ups ---------------------------------------------------------------------------


def test_every_complaint_and_comeback_is_followed_up_and_a_sample_of_the_rest(small_demo, db):
    closed = closed_orders()
    complained = closed.filter(complaints__isnull=False).distinct()
    assert complained.exists() and not complained.filter(followup_task__isnull=True).exists()
    comebacks = closed.filter(rework_of__isnull=False)
    assert comebacks.exists() and not comebacks.filter(followup_task__isnull=True).exists()
    others = closed.filter(complaints__isnull=True, rework_of__isnull=True)
    share = others.filter(followup_task__isnull=False).count() / others.count()
    assert 0.75 <= share <= 0.85
    assert not FollowUpTask.objects.exclude(work_order__state="closed").exists()
    assert not FollowUpTask.objects.exclude(
        due_at=F("work_order__closed_at") + datetime.timedelta(hours=72)
    ).exists()


def test_every_call_belongs_to_its_task_and_the_task_state_follows_the_calls(small_demo, db):
    assert not FollowUp.objects.filter(task__isnull=True).exists()
    assert not FollowUp.objects.exclude(work_order=F("task__work_order")).exists()
    tasks = FollowUpTask.objects.annotate(
        calls_made=Count("calls"), reached=Count("calls", filter=Q(calls__reached=True))
    )
    assert not tasks.exclude(attempts=F("calls_made")).exists()
    assert not tasks.filter(state="done").exclude(reached=1).exists()
    assert not tasks.filter(state="unreachable").exclude(reached=0, attempts=3).exists()
    assert not tasks.filter(state="open", reached__gt=0).exists()
    assert not tasks.filter(state__in=["done", "unreachable"], closed_at__isnull=True).exists()


def test_the_demo_agent_has_calls_due_today_or_overdue_in_their_queue(small_demo, db):
    agent = User.objects.get(username="agent")
    tomorrow = small_demo.now + datetime.timedelta(days=1)
    queue = visible_followup_tasks(agent).filter(state="open", due_at__lt=tomorrow)
    assert queue.filter(assigned_to__user=agent).count() >= 3
    assert queue.filter(assigned_to__user=agent, due_at__lt=small_demo.now).exists()


def test_a_call_that_raised_a_complaint_links_it(small_demo, db):
    raised = FollowUp.objects.filter(complaint__isnull=False)
    assert raised.exists()
    assert not raised.exclude(complaint__source="followup").exists()
    assert not raised.exclude(complaint__work_order=F("work_order")).exists()
    assert not raised.filter(issues="").exists()


# --- complaints ---------------------------------------------------------------------------


def test_complaints_are_in_every_state_of_the_workflow(small_demo, db):
    assert set(Complaint.objects.values_list("state", flat=True)) == set(Complaint.State.values)


def test_a_complaint_has_a_handler_once_assigned_and_the_demo_agent_handles_open_ones(small_demo, db):
    assert not Complaint.objects.filter(state="received", handler__isnull=False).exists()
    assert not Complaint.objects.exclude(state="received").filter(handler__isnull=True).exists()
    mine = Complaint.objects.filter(handler__user__username="agent", resolved_at__isnull=True)
    assert mine.exclude(state="not_valid").count() >= 2


def test_every_complaint_has_a_deadline_48_hours_after_it_came_in_and_some_breach_it(small_demo, db):
    complaints = Complaint.objects.all()
    assert not complaints.exclude(due_at=F("received_at") + datetime.timedelta(hours=48)).exists()
    late = complaints.filter(
        Q(resolved_at__gt=F("due_at")) | Q(resolved_at__isnull=True, due_at__lt=small_demo.now)
    )
    assert late.exists() and late.count() < 0.4 * complaints.count()
    assert not late.filter(escalation_level=0).exists()
    assert not complaints.exclude(pk__in=late).filter(escalation_level__gt=0).exists()
    assert not late.exclude(escalated_at=F("due_at")).exists()
    open_and_breaching = late.filter(resolved_at__isnull=True).exclude(state__in=["not_valid", "closed"])
    assert open_and_breaching.exists()


def test_every_complaint_has_a_timeline_in_order_from_received_to_its_state(small_demo, db):
    for complaint in Complaint.objects.prefetch_related("events"):
        events = list(complaint.events.all())
        changes = [e for e in events if e.kind == "state"]
        assert changes[0].to_state == "received" and changes[0].at == complaint.received_at
        assert changes[-1].to_state == complaint.state
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert all(a.to_state == b.from_state for a, b in zip(changes, changes[1:], strict=False))
        assert sum(e.kind == "escalated" for e in events) == complaint.escalation_level


def test_decided_complaints_have_a_reason_resolved_ones_a_resolution(small_demo, db):
    complaints = Complaint.objects.all()
    decided = complaints.filter(state__in=["determined", "not_valid", "resolved", "closed"])
    assert not decided.filter(decision_reason="").exists()
    assert (
        not complaints.filter(state__in=["resolved", "closed"])
        .filter(Q(resolution="") | Q(resolved_at__isnull=True))
        .exists()
    )
    assert not complaints.filter(state="not_valid", valid=True).exists()
    assert not complaints.filter(state__in=["received", "assigned", "investigating"], valid=False).exists()
    assert not complaints.exclude(state="closed").filter(satisfied_after__isnull=False).exists()
    assert not complaints.filter(Q(summary="") | Q(source="")).exists()


def test_the_people_concerned_include_the_technician_and_the_responsible_once_determined(small_demo, db):
    people = ComplaintPerson.objects.select_related("complaint", "complaint__work_order")
    assert not Complaint.objects.filter(work_order__isnull=False, people__isnull=True).exists()
    responsible = people.filter(responsible=True)
    assert responsible.exists()
    assert not responsible.exclude(complaint__state__in=["determined", "resolved", "closed"]).exists()
    assert not responsible.exclude(employee=F("complaint__employee")).exists()
    assert not responsible.filter(complaint__valid=False).exists()
    assert ComplaintEvent.objects.filter(kind="assigned").exists()


# --- praise and customers ---------------------------------------------------------------


def test_praise_says_where_it_came_from_and_who_recorded_it(small_demo, db):
    praise = Praise.objects.all()
    assert praise.exists()
    assert not praise.filter(source="").exists()
    assert not praise.filter(recorded_by__isnull=True).exists()


def test_some_customers_gave_an_example_com_address_and_each_has_a_language(small_demo, db):
    customers = Customer.objects.all()
    emails = customers.exclude(email="")
    assert 0.1 <= emails.count() / customers.count() <= 0.25
    assert not emails.exclude(email__endswith="@example.com").exists()
    assert set(customers.values_list("language", flat=True)) == {"zh-hans", "en"}
    assert customers.filter(language="en").count() < 0.1 * customers.count()
    by_email = SurveyInvitation.objects.filter(channel="email")
    assert by_email.exists() and not by_email.filter(work_order__customer__email="").exists()
    assert not by_email.exclude(recipient__endswith="***@example.com").exists()


# --- the large code path ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_large_code_path_loads_the_same_voice_columns():
    build_demo("tiny-large", seed=11, anchor=ANCHOR, scores=False)
    response = SurveyResponse.objects.exclude(channel="phone").order_by("pk").first()
    assert response.answers["overall"] == response.overall and response.flags == [] and response.device
    assert response.opened_at.tzinfo is not None
    assert not SurveyInvitation.objects.filter(Q(token__isnull=True) | Q(template__isnull=True)).exists()
    assert not SurveyInvitation.objects.filter(response__isnull=False).exclude(state="answered").exists()
    assert FollowUpTask.objects.exists() and not FollowUp.objects.filter(task__isnull=True).exists()
    assert ComplaintEvent.objects.filter(complaint__isnull=False).exists()
    assert set(Complaint.objects.values_list("state", flat=True)) >= {"received", "investigating", "closed"}
    assert Customer.objects.exclude(email="").exists()


@pytest.mark.django_db
def test_remove_day_takes_away_the_added_orders_complaints_with_their_people_and_timeline():
    build_demo(MINI, seed=5, anchor=ANCHOR, scores=False)
    counts = {label: bulk.model_of(label).objects.count() for label in bulk.DEMO_MODELS}
    add_day(20, MINI, seed=5, anchor=ANCHOR)
    order = WorkOrder.objects.order_by("-pk").first()
    complaint = Complaint.objects.create(work_order=order, received_at=order.created_at, summary="x")
    ComplaintEvent.objects.create(complaint=complaint, at=order.created_at, kind="state", to_state="received")
    ComplaintPerson.objects.create(complaint=complaint, employee=order.advisor)

    assert remove_day(ANCHOR) == 20

    assert {label: bulk.model_of(label).objects.count() for label in bulk.DEMO_MODELS} == counts
