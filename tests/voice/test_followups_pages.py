"""The follow-up pages: the queue an agent works from (his centre's tasks, never another
centre's), the call screen, taking a task, a manager's "add to the follow-up queue" on a
closed order, and the customer-voice settings for HR and administrators."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from servicescore.core.models import AuditEntry
from servicescore.core.navigation import nav_items
from servicescore.voice.models import FollowUp, FollowUpTask, VoicePolicy

from ..conftest import login
from ..factories import CustomerFactory, EmployeeFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
QUEUE = reverse("voice:followup_queue")
SETTINGS = reverse("voice:settings")
HOUR = datetime.timedelta(hours=1)


def make_task(centre, **fields):
    now = timezone.now()
    order = WorkOrderFactory(
        service_center=centre, state="closed", closed_at=now - 2 * HOUR, customer=CustomerFactory()
    )
    fields.setdefault("due_at", now - HOUR)
    return FollowUpTask.objects.create(work_order=order, reason="sample", **fields)


@pytest.fixture
def tasks(network):
    return {"sc1": make_task(network.sc1), "sc2": make_task(network.sc2)}


@pytest.fixture
def agent_sc2(network):
    return EmployeeFactory(
        employee_no="CS9",
        position="cs_agent",
        org_unit=network.t21,
        user=UserFactory(username="cs9", role="cs_agent"),
    )


def listed(response):
    return {task.pk for task in response.context["tasks"]}


def test_agent_sees_the_tasks_of_his_centre(client, network, tasks):
    login(client, network.cs_agent)
    response = client.get(QUEUE, {"list": "overdue"})
    assert listed(response) == {tasks["sc1"].pk}


def test_agent_filed_under_a_team_sees_his_centres_tasks(client, network, tasks, agent_sc2):
    login(client, agent_sc2)
    assert listed(client.get(QUEUE, {"list": "overdue"})) == {tasks["sc2"].pk}


def test_agent_sees_a_task_of_another_centre_assigned_to_him(client, network, tasks):
    FollowUpTask.objects.filter(pk=tasks["sc2"].pk).update(assigned_to=network.cs_agent)
    login(client, network.cs_agent)
    assert listed(client.get(QUEUE, {"list": "overdue"})) == {tasks["sc1"].pk, tasks["sc2"].pk}


def test_an_agent_of_a_central_call_centre_sees_every_centres_tasks(client, network, tasks):
    VoicePolicy.objects.filter(pk=VoicePolicy.current().pk).update(central_customer_service=True)
    login(client, network.cs_agent)
    assert listed(client.get(QUEUE, {"list": "overdue"})) == {tasks["sc1"].pk, tasks["sc2"].pk}


def test_regional_manager_sees_his_subtree(client, network, tasks):
    login(client, network.regional_manager)
    assert listed(client.get(QUEUE, {"list": "overdue"})) == {tasks["sc1"].pk, tasks["sc2"].pk}


def test_admin_sees_every_task(client, tasks):
    login(client, UserFactory(username="root", role="admin"))
    assert listed(client.get(QUEUE, {"list": "overdue"})) == {tasks["sc1"].pk, tasks["sc2"].pk}


def test_the_lists_split_the_open_tasks(client, network):
    now = timezone.now()
    overdue = make_task(network.sc1, due_at=now - HOUR)
    retry = make_task(
        network.sc1, due_at=now - 5 * HOUR, attempts=1, next_try_at=now + datetime.timedelta(minutes=1)
    )
    later = make_task(network.sc1, due_at=now + datetime.timedelta(days=2))
    make_task(network.sc1, state="done")
    login(client, network.cs_agent)
    response = client.get(QUEUE, {"list": "retries"})
    assert listed(response) == {retry.pk}
    assert {tab["key"]: tab["count"] for tab in response.context["tabs"]} == {
        "due": 0, "overdue": 1, "retries": 1, "later": 1, "mine": 0,
    }  # fmt: skip
    assert listed(client.get(QUEUE, {"list": "later"})) == {later.pk}
    assert listed(client.get(QUEUE, {"list": "overdue"})) == {overdue.pk}


def test_an_unknown_list_is_not_found(client, network):
    login(client, network.cs_agent)
    assert client.get(QUEUE, {"list": "everything"}).status_code == 404


def test_a_technician_may_not_open_the_queue(client, network, tasks):
    login(client, network.tech)
    assert client.get(QUEUE).status_code == 403


def test_the_queue_takes_a_fixed_number_of_queries(client, network, django_assert_max_num_queries):
    for _ in range(15):
        make_task(network.sc1)
    login(client, network.cs_agent)
    client.get(QUEUE, {"list": "overdue"})
    with django_assert_max_num_queries(12):
        response = client.get(QUEUE, {"list": "overdue"})
    assert len(response.context["tasks"]) == 15


def test_the_queue_shows_the_customers_phone_to_the_agent(client, network, tasks):
    login(client, network.cs_agent)
    assert "13812341234" in client.get(QUEUE, {"list": "overdue"}).content.decode()


# --- the call screen ---------------------------------------------------------------------


def task_url(task):
    return reverse("voice:followup_task", args=[task.pk])


def test_agent_opens_the_call_screen(client, network, tasks):
    login(client, network.cs_agent)
    with override("en"):
        response = client.get(task_url(tasks["sc1"]))
    assert response.status_code == 200
    assert 'href="tel:13812341234"' in response.content.decode()


@pytest.mark.parametrize("who", ["tech", "advisor", "foreman"])
def test_other_roles_get_404_on_a_task_id(client, network, tasks, who):
    login(client, getattr(network, who))
    assert client.get(task_url(tasks["sc1"])).status_code == 404
    assert client.post(task_url(tasks["sc1"]), {"reached": "yes"}).status_code == 404
    assert not FollowUp.objects.exists()


def test_hr_sees_a_task_but_may_not_work_it(client, network, tasks):
    login(client, network.hr)
    assert client.get(task_url(tasks["sc1"])).status_code == 403


def test_agent_of_another_centre_gets_404_on_a_task_id(client, network, tasks, agent_sc2):
    login(client, agent_sc2)
    assert client.get(task_url(tasks["sc1"])).status_code == 404
    assert client.post(task_url(tasks["sc1"]), {"reached": "yes", "satisfied": "5"}).status_code == 404
    assert not FollowUp.objects.exists()


def test_agent_records_a_reached_call_in_a_few_taps(client, network, tasks):
    login(client, network.cs_agent)
    response = client.post(task_url(tasks["sc1"]), {"reached": "yes", "satisfied": "4", "note": "好"})
    assert response.status_code == 302
    call = FollowUp.objects.get()
    assert (call.reached, call.satisfied, call.agent) == (True, 4, network.cs_agent)


def test_after_the_call_the_agent_returns_to_his_list(client, network, tasks):
    login(client, network.cs_agent)
    back = QUEUE + "?list=overdue"
    response = client.post(task_url(tasks["sc1"]), {"reached": "no", "back": back})
    assert response["Location"] == back


def test_the_return_address_never_leaves_the_queue(client, network, tasks):
    login(client, network.cs_agent)
    response = client.post(task_url(tasks["sc1"]), {"reached": "no", "back": "https://evil.example/"})
    assert response["Location"] == QUEUE


def test_agent_records_an_unanswered_call(client, network, tasks):
    login(client, network.cs_agent)
    client.post(task_url(tasks["sc1"]), {"reached": "no"})
    tasks["sc1"].refresh_from_db()
    assert (tasks["sc1"].attempts, tasks["sc1"].state) == (1, "open")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"reached": "yes", "satisfied": "9"}, "followup_satisfaction_out_of_range"),
        ({"reached": "yes", "satisfied": "abc"}, "followup_satisfaction_out_of_range"),
        ({"reached": "no", "satisfied": "3"}, "followup_satisfaction_not_reached"),
        ({"reached": "yes", "open_complaint": "on"}, "followup_issues_required"),
        ({"reached": "maybe"}, "invalid"),
        ({}, "invalid"),
    ],
)
def test_a_bad_call_form_shows_its_error_and_writes_nothing(client, network, tasks, data, code):
    login(client, network.cs_agent)
    response = client.post(task_url(tasks["sc1"]), data)
    assert response.status_code == 422
    assert f'data-error="{code}"' in response.content.decode()
    assert not FollowUp.objects.exists()


def test_a_finished_task_shows_no_call_form(client, network, tasks):
    FollowUpTask.objects.filter(pk=tasks["sc1"].pk).update(state="done")
    login(client, network.cs_agent)
    assert 'class="ss-call-form"' not in client.get(task_url(tasks["sc1"])).content.decode()
    assert client.post(task_url(tasks["sc1"]), {"reached": "yes"}).status_code == 409


def test_a_note_with_script_tags_is_shown_escaped(client, network, tasks):
    login(client, network.cs_agent)
    client.post(task_url(tasks["sc1"]), {"reached": "no", "note": "<script>alert(1)</script>"})
    page = client.get(task_url(tasks["sc1"])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_agent_takes_a_task(client, network, tasks):
    login(client, network.cs_agent)
    client.post(reverse("voice:followup_take", args=[tasks["sc1"].pk]))
    tasks["sc1"].refresh_from_db()
    assert tasks["sc1"].assigned_to == network.cs_agent


def test_agent_cannot_take_a_task_of_another_centre(client, network, tasks):
    login(client, network.cs_agent)
    assert client.post(reverse("voice:followup_take", args=[tasks["sc2"].pk])).status_code == 404


# --- adding by hand, on the work order's page ----------------------------------------------


def test_manager_sees_the_add_button_on_a_closed_order(client, network):
    order = WorkOrderFactory(service_center=network.sc1, state="closed", closed_at=timezone.now())
    login(client, network.manager)
    page = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    assert reverse("voice:followup_add", args=[order.pk]) in page


def test_manager_adds_a_closed_order(client, network):
    order = WorkOrderFactory(service_center=network.sc1, state="closed", closed_at=timezone.now())
    login(client, network.manager)
    response = client.post(reverse("voice:followup_add", args=[order.pk]))
    assert response.status_code == 302
    assert FollowUpTask.objects.get(work_order=order).reason == "manual"


def test_an_agent_may_not_add_an_order(client, network):
    order = WorkOrderFactory(service_center=network.sc1, state="closed", closed_at=timezone.now())
    login(client, network.cs_agent)
    assert client.post(reverse("voice:followup_add", args=[order.pk])).status_code == 403
    assert not FollowUpTask.objects.exists()


def test_manager_gets_404_adding_an_order_of_another_centre(client, network):
    order = WorkOrderFactory(service_center=network.sc2, state="closed", closed_at=timezone.now())
    login(client, network.manager)
    assert client.post(reverse("voice:followup_add", args=[order.pk])).status_code == 404


# --- the customer-voice settings -------------------------------------------------------------


def settings_data(**changes):
    data = {
        "survey_delay_minutes": 120,
        "survey_reminder_hours": 48,
        "survey_expiry_days": 7,
        "followup_sample_percent": 30,
        "followup_all_complaints": "on",
        "followup_all_comebacks": "on",
        "followup_due_hours": 72,
        "followup_max_attempts": 3,
        "followup_retry_hours": 4,
        "complaint_sla_hours": 48,
        "fraud_fast_seconds": 8,
        "fraud_device_limit": 3,
        "fraud_top_marks_run": 10,
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_hr_opens_the_settings_with_help_texts(client, network, settings):
    login(client, network.hr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with override("en"):
        response = client.get(SETTINGS)
    assert response.status_code == 200
    assert "picked the same way each time" in response.content.decode()


def test_hr_changes_the_settings_and_the_change_is_audited(client, network):
    login(client, network.hr)
    response = client.post(SETTINGS, settings_data(followup_sample_percent=50, followup_all_comebacks=None))
    assert response.status_code == 302
    rules = VoicePolicy.current()
    assert (rules.followup_sample_percent, rules.followup_all_comebacks) == (50, False)
    entry = AuditEntry.objects.get(action="update", object_id=str(rules.pk))
    assert entry.changes == {"followup_all_comebacks": [True, False], "followup_sample_percent": [30, 50]}
    assert entry.actor == network.hr.user


@pytest.mark.parametrize(
    "changes",
    [
        {"followup_sample_percent": 101},
        {"followup_max_attempts": 0},
        {"followup_max_attempts": 11},
        {"survey_delay_minutes": 24 * 60 + 1},
        {"followup_due_hours": "abc"},
        {"survey_expiry_days": None},
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(client, network, changes):
    login(client, network.hr)
    response = client.post(SETTINGS, settings_data(**changes))
    assert response.status_code == 422
    rules = VoicePolicy.current()
    assert (rules.followup_sample_percent, rules.followup_max_attempts, rules.survey_delay_minutes) == (
        30,
        3,
        120,
    )
    assert not AuditEntry.objects.filter(action="update").exists()


@pytest.mark.parametrize("who", ["cs_agent", "manager", "tech"])
def test_other_roles_may_not_open_the_settings(client, network, who):
    login(client, getattr(network, who))
    assert client.get(SETTINGS).status_code == 403
    assert client.post(SETTINGS, settings_data(followup_sample_percent=1)).status_code == 403


def test_the_settings_are_in_the_admin_menu_for_hr(network):
    items = {item["key"]: item for item in nav_items(network.hr.user)}
    assert items["voice_settings"]["group"] == "admin"
    assert "voice_settings" not in {item["key"] for item in nav_items(network.cs_agent.user)}


def test_the_queue_is_in_the_work_menu_for_agents(network):
    items = {item["key"]: item for item in nav_items(network.cs_agent.user)}
    assert items["followups"]["group"] == "work"
    assert "followups" not in {item["key"] for item in nav_items(network.tech.user)}


def test_the_add_button_is_gone_while_the_order_is_queued(client, network, tasks):
    login(client, network.manager)
    order = tasks["sc1"].work_order
    page = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    assert reverse("voice:followup_add", args=[order.pk]) not in page


@pytest.mark.parametrize("values", [{"followup_sample_percent": 150}, {"no_such_setting": 1}])
def test_the_settings_service_refuses_bad_values_with_its_code(network, values):
    from servicescore.core.errors import Invalid
    from servicescore.voice.services.followups import voice_policy_update

    with pytest.raises(Invalid) as error:
        voice_policy_update(by=network.hr.user, values=values)
    assert error.value.domain_code == "voice_settings_invalid"
    assert VoicePolicy.current().followup_sample_percent == 30
