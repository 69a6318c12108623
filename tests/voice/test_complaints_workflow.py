"""The complaint workflow services: register → assign → investigate → determine (or not
valid) → resolve → close; each step audited with an event, wrong states and missing
reasons refused with a code and nothing written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from servicescore.core.models import AuditEntry
from servicescore.voice.models import Complaint, ComplaintEvent, ComplaintPerson, VoicePolicy
from servicescore.voice.services import complaints as services

from ..factories import EmployeeFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 10, 12, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def order(network):
    return WorkOrderFactory(
        service_center=network.sc1, technician=network.tech, advisor=network.advisor, state="closed"
    )


@pytest.fixture
def complaint(network, order):
    return services.complaint_register(
        by=network.cs_agent.user,
        work_order=order,
        summary="异响未修好",
        source="phone",
        severity="medium",
        people=[network.tech],
        received_at=NOW,
        now=NOW,
    )


def code_of(excinfo):
    return excinfo.value.items()[0]["code"]


def step(complaint, network, *names, **extra):
    c = complaint
    for name in names:
        if name == "assign":
            c = services.complaint_assign(
                by=network.manager.user, complaint=c, handler=network.cs_agent, now=NOW
            )
        elif name == "start":
            c = services.complaint_start(by=network.cs_agent.user, complaint=c, now=NOW)
        elif name == "determine":
            c = services.complaint_determine(
                by=network.manager.user, complaint=c, responsible=[network.tech], reason="漏检", now=NOW
            )
        elif name == "resolve":
            c = services.complaint_resolve(by=network.cs_agent.user, complaint=c, resolution="返修", now=NOW)
    return c


def test_register_sets_the_deadline_from_the_policy_and_records_an_event(network, complaint):
    VoicePolicy.current()
    assert complaint.state == "received"
    assert complaint.due_at == NOW + datetime.timedelta(hours=48)
    assert complaint.registered_by == network.cs_agent.user
    assert list(complaint.people.values_list("employee__employee_no", "responsible")) == [("T1", False)]
    assert list(complaint.events.values_list("kind", "to_state")) == [("state", "received")]
    assert AuditEntry.objects.filter(action="create", object_id=str(complaint.pk)).count() == 1


def test_register_uses_a_changed_sla(network, order):
    policy = VoicePolicy.current()
    policy.complaint_sla_hours = 24
    policy.save()
    c = services.complaint_register(by=network.cs_agent.user, work_order=order, summary="x", now=NOW)
    assert c.due_at == NOW + datetime.timedelta(hours=24)


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"summary": "  "}, "complaint_summary_required"),
        ({"summary": "x" * 201}, "complaint_bad_input"),
        ({"summary": "x", "source": "fax"}, "complaint_bad_input"),
        ({"summary": "x", "severity": "huge"}, "complaint_bad_input"),
        ({"summary": "x", "received_at": NOW + datetime.timedelta(days=1)}, "complaint_bad_input"),
    ],
)
def test_register_refuses_bad_input_and_writes_nothing(network, fields, code):
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_register(by=network.cs_agent.user, now=NOW, **fields)
    assert code_of(excinfo) == code
    assert not Complaint.objects.exists()


def test_a_technician_may_not_register_a_complaint(network):
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_register(by=network.tech.user, summary="x", now=NOW)
    assert code_of(excinfo) == "complaint_role_not_allowed"


def test_an_agent_may_not_register_against_another_centres_order(network):
    other = WorkOrderFactory(service_center=network.sc2, technician=network.tech_sc2)
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_register(by=network.cs_agent.user, work_order=other, summary="x", now=NOW)
    assert code_of(excinfo) == "complaint_not_found"
    assert not Complaint.objects.exists()


def test_the_whole_workflow_reaches_closed_with_an_event_and_an_audit_entry_per_step(network, complaint):
    c = step(complaint, network, "assign", "start", "determine", "resolve")
    c = services.complaint_close(by=network.cs_agent.user, complaint=c, satisfied_after=True, now=NOW)
    c.refresh_from_db()
    assert (c.state, c.handler, c.valid, c.decision_reason, c.resolution) == (
        "closed",
        network.cs_agent,
        True,
        "漏检",
        "返修",
    )
    assert c.resolved_at == NOW and c.satisfied_after is True
    assert list(c.events.values_list("to_state", flat=True)) == [
        "received",
        "assigned",
        "investigating",
        "determined",
        "resolved",
        "closed",
    ]
    actions = list(
        AuditEntry.objects.filter(object_id=str(c.pk)).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["create", "assign", "investigate", "determine", "resolve", "close"]


def test_determine_marks_the_responsible_people_and_adds_new_ones(network, complaint):
    c = step(complaint, network, "assign", "start")
    services.complaint_determine(
        by=network.manager.user,
        complaint=c,
        responsible=[network.tech_colleague],
        reason="T2 接车检查漏项",
        now=NOW,
    )
    links = dict(
        ComplaintPerson.objects.filter(complaint=c).values_list("employee__employee_no", "responsible")
    )
    assert links == {"T1": False, "T2": True}


def test_determine_needs_a_reason_and_writes_nothing(network, complaint):
    c = step(complaint, network, "assign", "start")
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_determine(
            by=network.manager.user, complaint=c, responsible=[network.tech], reason=" "
        )
    assert code_of(excinfo) == "complaint_reason_required"
    c.refresh_from_db()
    assert c.state == "investigating" and not c.people.filter(responsible=True).exists()


def test_determine_needs_someone_responsible(network, complaint):
    c = step(complaint, network, "assign", "start")
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_determine(by=network.manager.user, complaint=c, responsible=[], reason="r")
    assert code_of(excinfo) == "complaint_no_responsible"


def test_an_agent_may_not_decide(network, complaint):
    c = step(complaint, network, "assign", "start")
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_determine(
            by=network.cs_agent.user, complaint=c, responsible=[network.tech], reason="r"
        )
    assert code_of(excinfo) == "complaint_role_not_allowed"


def test_a_manager_among_the_people_concerned_may_not_decide(network, order):
    c = services.complaint_register(
        by=network.cs_agent.user, work_order=order, summary="经理态度差", people=[network.manager], now=NOW
    )
    c = step(c, network, "assign", "start")
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_determine(
            by=network.manager.user, complaint=c, responsible=[network.tech], reason="r"
        )
    assert code_of(excinfo) == "complaint_decider_concerned"
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_not_valid(by=network.manager.user, complaint=c, reason="r")
    assert code_of(excinfo) == "complaint_decider_concerned"
    c.refresh_from_db()
    assert c.state == "investigating"


def test_a_manager_may_not_name_himself_responsible_either(network, complaint):
    c = step(complaint, network, "assign", "start")
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_determine(
            by=network.manager.user, complaint=c, responsible=[network.manager], reason="r"
        )
    assert code_of(excinfo) == "complaint_decider_concerned"


def test_not_valid_needs_a_reason_and_clears_validity(network, complaint):
    c = step(complaint, network, "assign", "start")
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_not_valid(by=network.manager.user, complaint=c, reason="")
    assert code_of(excinfo) == "complaint_reason_required"
    c = services.complaint_not_valid(by=network.manager.user, complaint=c, reason="客户误解保修范围", now=NOW)
    c.refresh_from_db()
    assert (c.state, c.valid, c.decision_reason) == ("not_valid", False, "客户误解保修范围")


@pytest.mark.parametrize(
    "done, action",
    [
        ((), "start"),  # received: not yet assigned
        ((), "resolve"),
        (("assign",), "determine"),  # not investigating yet
        (("assign", "start"), "resolve"),  # not decided
        (("assign", "start", "determine"), "close"),  # not resolved
        (("assign", "start", "determine", "resolve"), "assign"),
    ],
)
def test_a_step_in_the_wrong_state_is_refused_and_writes_nothing(network, complaint, done, action):
    c = step(complaint, network, *done)
    events = ComplaintEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        if action == "close":
            services.complaint_close(by=network.cs_agent.user, complaint=c, satisfied_after=True)
        else:
            step(c, network, action)
    assert code_of(excinfo) == "complaint_wrong_state"
    assert ComplaintEvent.objects.count() == events


def test_resolve_needs_a_resolution(network, complaint):
    c = step(complaint, network, "assign", "start", "determine")
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_resolve(by=network.cs_agent.user, complaint=c, resolution="")
    assert code_of(excinfo) == "complaint_reason_required"


def test_close_needs_a_yes_or_no(network, complaint):
    c = step(complaint, network, "assign", "start", "determine", "resolve")
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_close(by=network.cs_agent.user, complaint=c, satisfied_after=None)
    assert code_of(excinfo) == "complaint_bad_input"


def test_the_handler_must_be_an_agent_or_a_manager(network, complaint):
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_assign(by=network.manager.user, complaint=complaint, handler=network.tech)
    assert code_of(excinfo) == "complaint_bad_handler"
    complaint.refresh_from_db()
    assert complaint.state == "received" and complaint.handler is None


def test_the_handler_must_be_in_the_users_scope(network, complaint):
    agent_sc2 = EmployeeFactory(
        employee_no="CS9",
        position="cs_agent",
        org_unit=network.sc2,
        user=UserFactory(username="cs9", role="cs_agent"),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_assign(by=network.manager.user, complaint=complaint, handler=agent_sc2)
    assert code_of(excinfo) == "complaint_bad_handler"


def test_a_note_is_added_to_the_timeline_and_an_empty_one_refused(network, complaint):
    services.complaint_note(by=network.cs_agent.user, complaint=complaint, note="已致电客户", now=NOW)
    assert complaint.events.filter(kind="note", note="已致电客户").exists()
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_note(by=network.cs_agent.user, complaint=complaint, note=" ")
    assert code_of(excinfo) == "complaint_bad_input"


def test_another_centres_agent_cannot_act_on_the_complaint(network, complaint):
    other = EmployeeFactory(
        employee_no="CS9",
        position="cs_agent",
        org_unit=network.sc2,
        user=UserFactory(username="cs9", role="cs_agent"),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_note(by=other.user, complaint=complaint, note="x")
    assert code_of(excinfo) == "complaint_not_found"


def test_register_defaults_received_at_to_now(network):
    before = timezone.now()
    c = services.complaint_register(by=network.cs_agent.user, summary="x")
    assert c.received_at >= before


def test_an_agent_may_register_against_an_order_of_a_call_assigned_to_him(network):
    from servicescore.voice.models import FollowUpTask

    other = WorkOrderFactory(service_center=network.sc2, technician=network.tech_sc2, state="closed")
    FollowUpTask.objects.create(work_order=other, reason="sample", due_at=NOW, assigned_to=network.cs_agent)
    c = services.complaint_register(by=network.cs_agent.user, work_order=other, summary="x", now=NOW)
    assert c.work_order == other
