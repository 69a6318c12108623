"""The complaint scope in its index-friendly form: the desk (voice/scope_complaints.py) and
the API's read scope (voice/selectors.py `visible_complaints`) are one definition built from
literal unit and employee ids; they differ only where a role's reach differs on purpose,
and each difference is named here. Guessed ids are 404 on the desk; the desk and the
follow-up queue take a fixed number of queries however many records they list."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicescore.voice import selectors
from servicescore.voice.models import Complaint, FollowUpTask, VoicePolicy
from servicescore.voice.scope_complaints import visible_complaints as desk_complaints
from servicescore.voice.services import complaints as services

from ..conftest import login
from ..factories import CustomerFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
DESK = reverse("voice:complaints")
QUEUE = reverse("voice:followup_queue")
HOUR = datetime.timedelta(hours=1)
ALL = {"sc1", "sc2", "about", "person", "handled", "registered", "elsewhere"}


@pytest.fixture
def complaints(network):
    """Complaints in two centres, reaching the first one in every way a complaint can."""
    sc1_order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, advisor=network.advisor)

    def sc2_order(**people):
        people.setdefault("technician", network.tech_sc2)
        people.setdefault("advisor", None)
        people.setdefault("dispatcher", None)
        return WorkOrderFactory(service_center=network.sc2, **people)

    def register(order, **fields):
        people = fields.pop("people", ())
        complaint = services.complaint_register(
            by=network.hr.user, work_order=order, summary="投诉", people=people
        )
        if fields:
            Complaint.objects.filter(pk=complaint.pk).update(**fields)
        return complaint.pk

    return {
        "sc1": register(sc1_order),
        "sc2": register(sc2_order()),
        # about an employee of the first centre, on the second one's order
        "about": register(sc2_order(), employee=network.tech_other_team),
        # a person concerned of the first centre
        "person": register(sc2_order(), people=[network.tech_colleague]),
        # handled by the first centre's agent
        "handled": register(sc2_order(), handler=network.cs_agent),
        # registered by the first centre's advisor
        "registered": register(sc2_order(), registered_by=network.advisor.user),
        # an order of the second centre that a technician of the first one led
        "elsewhere": register(sc2_order(technician=network.tech)),
    }


def names(complaints, queryset) -> set[str]:
    ids = set(queryset.values_list("pk", flat=True))
    return {name for name, pk in complaints.items() if pk in ids}


def fresh(user):
    """The user as a new request sees it (the scopes are cached on the user object)."""
    return type(user).objects.get(pk=user.pk)


def both(user, complaints):
    return names(complaints, desk_complaints(fresh(user))), names(
        complaints, selectors.visible_complaints(fresh(user))
    )


@pytest.mark.parametrize("who", ["hr", "regional_manager"])
def test_the_company_and_a_region_see_every_complaint_on_the_desk_and_in_the_api(network, complaints, who):
    desk, api = both(getattr(network, who).user, complaints)
    assert desk == api == ALL


def test_a_service_manager_sees_the_same_complaints_on_the_desk_and_in_the_api(network, complaints):
    desk, api = both(network.manager.user, complaints)
    assert desk == api == {"sc1", "about", "person", "handled", "elsewhere"}


def test_an_agent_sees_the_same_complaints_of_his_centre_on_the_desk_and_in_the_api(network, complaints):
    desk, api = both(network.cs_agent.user, complaints)
    assert desk == api == {"sc1", "about", "person", "handled"}


def test_a_central_call_centres_agent_sees_every_complaint_on_the_desk_only(network, complaints):
    VoicePolicy.objects.update_or_create(
        pk=VoicePolicy.current().pk, defaults={"central_customer_service": True}
    )
    desk, api = both(network.cs_agent.user, complaints)
    assert desk == ALL
    assert api == {"sc1", "about", "person", "handled"}


def test_an_advisor_sees_his_centre_on_the_desk_and_his_own_in_the_api(network, complaints):
    desk, api = both(network.advisor.user, complaints)
    assert desk == {"sc1", "about", "person", "handled", "registered"}
    assert api == {"sc1", "registered"}


def test_a_technician_has_no_desk_and_reads_his_own_orders_complaints_in_the_api(network, complaints):
    desk, api = both(network.tech.user, complaints)
    assert desk == set()
    assert api == {"sc1", "elsewhere"}


def test_an_auditor_has_no_desk_and_reads_every_complaint_in_the_api(network, complaints):
    desk, api = both(network.auditor, complaints)
    assert desk == set()
    assert api == ALL


def test_a_technician_guessing_another_centres_complaint_gets_404(client, network, complaints):
    login(client, network.tech)
    response = client.get(reverse("voice:complaint", args=[complaints["sc2"]]))
    assert response.status_code == 404


def test_an_agent_guessing_another_centres_complaint_gets_404(client, network, complaints):
    login(client, network.cs_agent)
    assert client.get(reverse("voice:complaint", args=[complaints["sc2"]])).status_code == 404
    assert client.get(reverse("voice:complaint", args=[complaints["sc1"]])).status_code == 200


def _desk_queries(client, tab) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DESK, {"tab": tab}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["manager", "cs_agent"])
def test_the_desk_takes_the_same_few_queries_however_many_complaints(
    client, network, complaints, who, django_assert_max_num_queries
):
    login(client, getattr(network, who))
    few = _desk_queries(client, "all")
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech)
    for number in range(12):
        complaint = services.complaint_register(
            by=network.hr.user, work_order=order, summary=f"更多的投诉 {number}", people=[network.tech]
        )
        Complaint.objects.filter(pk=complaint.pk).update(handler=network.cs_agent)
    with django_assert_max_num_queries(12):
        many = _desk_queries(client, "all")
    assert many == few


def test_the_desk_lists_the_complaints_of_its_scope_only(client, network, complaints):
    login(client, network.manager)
    response = client.get(DESK, {"tab": "all"})
    listed = {complaint.pk for complaint in response.context["page_obj"]}
    assert listed == {complaints[name] for name in ("sc1", "about", "person", "handled", "elsewhere")}
    assert response.context["counts"]["new"] == 5


def _make_task(centre, **fields):
    now = timezone.now()
    order = WorkOrderFactory(
        service_center=centre, state="closed", closed_at=now - 2 * HOUR, customer=CustomerFactory()
    )
    fields.setdefault("due_at", now - HOUR)
    return FollowUpTask.objects.create(work_order=order, reason="sample", **fields)


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, {"list": "overdue"})
    assert response.status_code == 200
    return len(queries)


def test_the_overdue_list_takes_the_same_few_queries_however_many_tasks(
    client, network, django_assert_max_num_queries
):
    _make_task(network.sc1)
    _make_task(network.sc1, assigned_to=network.cs_agent)
    _make_task(network.sc2)
    login(client, network.cs_agent)
    few = _queue_queries(client)
    for _number in range(10):
        _make_task(network.sc1, assigned_to=network.cs_agent)
        _make_task(network.sc2)
    with django_assert_max_num_queries(10):
        many = _queue_queries(client)
    assert many == few


def test_the_overdue_list_of_an_agent_holds_his_centres_tasks_and_his_own(client, network):
    mine_elsewhere = _make_task(network.sc2, assigned_to=network.cs_agent)
    centre = _make_task(network.sc1)
    _make_task(network.sc2)
    login(client, network.cs_agent)
    response = client.get(QUEUE, {"list": "overdue"})
    assert {task.pk for task in response.context["tasks"]} == {mine_elsewhere.pk, centre.pk}


def test_the_follow_up_scope_looks_the_centres_units_up_once_per_request(network):
    from servicescore.voice.scope_followups import visible_followup_tasks

    user = fresh(network.cs_agent.user)
    list(visible_followup_tasks(user))
    with CaptureQueriesContext(connection) as queries:
        list(visible_followup_tasks(user))
    assert len(queries) == 1


def test_an_unknown_user_sees_no_complaint(network, complaints):
    stranger = UserFactory(username="nobody", role="technician")
    assert names(complaints, desk_complaints(stranger)) == set()
    assert names(complaints, selectors.visible_complaints(stranger)) == set()


@pytest.mark.parametrize("who", ["manager", "cs_agent"])
def test_the_follow_up_scopes_counting_form_holds_the_same_tasks_as_the_list_form(network, who):
    from servicescore.voice.scope_followups import visible_followup_tasks

    made = [
        _make_task(network.sc1),
        _make_task(network.sc2, assigned_to=network.cs_agent),
        _make_task(network.sc2, assigned_to=network.tech_colleague),
        _make_task(network.sc2),
    ]
    user = fresh(getattr(network, who).user)
    listed = set(visible_followup_tasks(user).values_list("pk", flat=True))
    counted = set(visible_followup_tasks(user, counting=True).values_list("pk", flat=True))
    assert listed == counted
    assert made[0].pk in listed and made[1].pk in listed and made[3].pk not in listed
