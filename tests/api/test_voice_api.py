"""/api/voice: survey responses, follow-up calls, complaints and praise within the
caller's data scope (a guessed id out of it answers 404), the fraud details for reviewers
only, complaints and praise registered through the complaint desk's services, bad input
answered with its code and nothing written, and the operations in /api/openapi.json."""

import datetime

import pytest
from django.utils import timezone

from servicescore.voice.models import (
    Complaint,
    ComplaintPerson,
    FollowUp,
    FollowUpTask,
    Praise,
    SurveyResponse,
)

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
BASE = "/api/voice"


def hours_ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


@pytest.fixture
def world(network):
    mine = WorkOrderFactory(
        external_id="WO-MINE", service_center=network.sc1, technician=network.tech, state="closed"
    )
    theirs = WorkOrderFactory(
        external_id="WO-THEIRS", service_center=network.sc1, technician=network.tech_colleague, state="closed"
    )
    far = WorkOrderFactory(
        external_id="WO-SC2", service_center=network.sc2, technician=network.tech_sc2, state="closed"
    )
    records = {}
    for name, order in (("mine", mine), ("theirs", theirs), ("far", far)):
        records[f"{name}_response"] = SurveyResponse.objects.create(
            work_order=order,
            submitted_at=hours_ago(5),
            overall=5,
            nps=10,
            comment=f"评价 {name}",
            flags=["fast"],
            review="pending",
            ip="10.1.1.1",
        )
        task = FollowUpTask.objects.create(work_order=order, reason="sample", due_at=hours_ago(-20))
        records[f"{name}_call"] = FollowUp.objects.create(
            task=task,
            work_order=order,
            agent=network.cs_agent,
            called_at=hours_ago(4),
            reached=True,
            satisfied=4,
        )
        records[f"{name}_complaint"] = Complaint.objects.create(
            work_order=order, summary=f"投诉 {name}", received_at=hours_ago(3), due_at=hours_ago(-45)
        )
        records[f"{name}_praise"] = Praise.objects.create(
            employee=order.technician, work_order=order, received_at=hours_ago(2), note=f"表扬 {name}"
        )
    records["orders"] = {"mine": mine, "theirs": theirs, "far": far}
    return records


def ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


KINDS = (("responses", "response"), ("followups", "call"), ("complaints", "complaint"), ("praise", "praise"))


@pytest.mark.parametrize("path,key", KINDS)
def test_a_technician_lists_only_what_concerns_his_own_orders(network, world, token_for, path, key):
    api = token_for(network.tech, scopes=("read",))
    assert ids(api.get(f"{BASE}/{path}")) == {world[f"mine_{key}"].pk}


@pytest.mark.parametrize("path,key", KINDS)
def test_a_guessed_id_out_of_scope_answers_404_in_the_common_shape(network, world, token_for, path, key):
    api = token_for(network.tech, scopes=("read",))
    response = api.get(f"{BASE}/{path}/{world[f'theirs_{key}'].pk}")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found" and body["field"] is None and "评价" not in response.content.decode()
    assert api.get(f"{BASE}/{path}/{world[f'mine_{key}'].pk}").status_code == 200
    assert api.get(f"{BASE}/{path}/999999").status_code == 404


@pytest.mark.parametrize("path,key", KINDS)
def test_the_centre_manager_sees_his_centre_and_not_another(network, world, token_for, path, key):
    api = token_for(network.manager, scopes=("read",))
    assert ids(api.get(f"{BASE}/{path}")) == {world[f"mine_{key}"].pk, world[f"theirs_{key}"].pk}
    assert api.get(f"{BASE}/{path}/{world[f'far_{key}'].pk}").status_code == 404


def test_the_technician_reads_ratings_and_comment_but_no_fraud_details(network, world, token_for):
    api = token_for(network.tech, scopes=("read",))
    body = api.get(f"{BASE}/responses/{world['mine_response'].pk}").json()
    assert (body["overall"], body["nps"], body["comment"]) == (5, 10, "评价 mine")
    assert body["flags"] is None and body["review"] is None and body["review_reason"] is None
    assert "10.1.1.1" not in str(body)


def test_a_reviewer_reads_the_fraud_signals_and_review(network, world, token_for):
    api = token_for(network.manager, scopes=("read",))
    body = api.get(f"{BASE}/responses/{world['mine_response'].pk}").json()
    assert body["flags"] == ["fast"] and body["review"] == "pending" and body["excluded"] is False


def test_responses_filter_by_work_order_and_employee(network, world, token_for):
    api = token_for(network.manager, scopes=("read",))
    order = world["orders"]["theirs"]
    assert ids(api.get(f"{BASE}/responses", {"work_order": order.pk})) == {world["theirs_response"].pk}
    assert ids(api.get(f"{BASE}/responses", {"employee": "T1"})) == {world["mine_response"].pk}


def test_an_employee_filter_out_of_scope_is_refused(network, world, token_for):
    api = token_for(network.manager, scopes=("read",))
    response = api.get(f"{BASE}/responses", {"employee": "T4"})
    assert response.status_code == 422 and response.json()["field"] == "employee"


def test_pages_follow_the_cursor(network, world, token_for):
    api = token_for(network.hr, scopes=("read",))
    first = api.get(f"{BASE}/complaints", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get(f"{BASE}/complaints", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert api.get(f"{BASE}/complaints", {"cursor": "!!"}).json()["code"] == "invalid_cursor"


def test_a_follow_up_call_carries_its_task(network, world, token_for):
    api = token_for(network.cs_agent, scopes=("read",))
    body = api.get(f"{BASE}/followups/{world['mine_call'].pk}").json()
    assert body["agent"] == "CS1" and body["reached"] is True
    assert body["task"]["state"] == "open" and body["task"]["reason"] == "sample"


def test_a_complaint_lists_its_people_and_whether_it_is_overdue(network, world, token_for):
    complaint = world["mine_complaint"]
    ComplaintPerson.objects.create(complaint=complaint, employee=network.tech, responsible=True)
    Complaint.objects.filter(pk=complaint.pk).update(due_at=hours_ago(1))
    api = token_for(network.manager, scopes=("read",))
    body = api.get(f"{BASE}/complaints/{complaint.pk}").json()
    assert body["people"] == [{"employee": "T1", "responsible": True}]
    assert body["overdue"] is True and body["work_order_external_id"] == "WO-MINE"
    assert ids(api.get(f"{BASE}/complaints", {"employee": "T1"})) == {complaint.pk}


@pytest.mark.parametrize("path", ["responses", "followups", "complaints", "praise"])
def test_lists_take_a_fixed_number_of_queries(network, world, token_for, django_assert_max_num_queries, path):
    api = token_for(network.hr, scopes=("read",))
    with django_assert_max_num_queries(12):
        assert len(ids(api.get(f"{BASE}/{path}"))) == 3


# --- writes ----------------------------------------------------------------------------------


def test_an_agent_registers_a_complaint_on_an_order_of_his_centre(network, world, token_for):
    api = token_for(network.cs_agent)
    order = world["orders"]["theirs"]
    response = api.post(
        f"{BASE}/complaints",
        {"summary": "等了三天", "source": "phone", "work_order": order.pk, "people": ["T2"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["state"] == "received"
        and body["due_at"]
        and body["people"] == [{"employee": "T2", "responsible": False}]
    )
    assert Complaint.objects.get(pk=body["id"]).registered_by == network.cs_agent.user


def test_a_technician_may_not_register_a_complaint(network, world, token_for):
    api = token_for(network.tech)
    before = Complaint.objects.count()
    response = api.post(f"{BASE}/complaints", {"summary": "x"})
    assert response.status_code == 403 and response.json()["code"] == "complaint_role_not_allowed"
    assert Complaint.objects.count() == before


@pytest.mark.parametrize(
    "body,field,status",
    [
        ({"summary": ""}, "summary", 422),
        ({"summary": "x" * 201}, "summary", 422),
        ({"summary": "ok", "source": "fax"}, "source", 422),
        ({"summary": "ok", "people": ["NOBODY"]}, "people.0", 422),
        ({"summary": "ok", "people": ["T4"]}, "people.0", 422),
        ({"summary": "ok", "received_at": "tomorrow"}, "received_at", 422),
        ({"summary": "ok", "work_order": "abc"}, "work_order", 422),
    ],
)
def test_bad_complaint_input_is_refused_with_its_field_and_nothing_written(
    network, world, token_for, body, field, status
):
    api = token_for(network.cs_agent)
    before = Complaint.objects.count()
    response = api.post(f"{BASE}/complaints", body)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field and response.json()["code"]
    assert Complaint.objects.count() == before


def test_a_complaint_about_a_work_order_out_of_scope_answers_404_and_writes_nothing(
    network, world, token_for
):
    api = token_for(network.cs_agent)
    before = Complaint.objects.count()
    for order_id in (world["orders"]["far"].pk, 999999):
        response = api.post(f"{BASE}/complaints", {"summary": "ok", "work_order": order_id})
        assert response.status_code == 404 and response.json()["field"] == "work_order"
    assert Complaint.objects.count() == before


def test_a_body_that_is_not_an_object_is_refused(network, token_for):
    api = token_for(network.cs_agent)
    response = api.post(f"{BASE}/complaints", [1, 2])
    assert response.status_code == 422 and response.json()["code"] == "object_expected"


def test_an_advisor_records_praise_for_a_technician_of_his_centre(network, world, token_for):
    api = token_for(network.advisor)
    response = api.post(
        f"{BASE}/praise",
        {"employee": "T1", "kind": "referral", "source": "来信", "work_order": world["orders"]["mine"].pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["employee"], body["kind"], body["work_order_external_id"]) == ("T1", "referral", "WO-MINE")
    assert Praise.objects.get(pk=body["id"]).recorded_by == network.advisor.user


@pytest.mark.parametrize(
    "body,field",
    [
        ({"employee": "NOBODY"}, "employee"),
        ({"employee": "T4"}, "employee"),
        ({"employee": "T1", "kind": "medal"}, "kind"),
        ({"employee": "T1", "source": "x" * 101}, "source"),
        ({}, "employee"),
    ],
)
def test_bad_praise_input_is_refused_with_its_field_and_nothing_written(
    network, world, token_for, body, field
):
    api = token_for(network.advisor)
    before = Praise.objects.count()
    response = api.post(f"{BASE}/praise", body)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert Praise.objects.count() == before


def test_a_technician_may_not_record_praise(network, token_for):
    api = token_for(network.tech)
    response = api.post(f"{BASE}/praise", {"employee": "T1"})
    assert response.status_code == 403 and response.json()["code"] == "praise_role_not_allowed"
    assert Praise.objects.count() == 0


def test_a_read_only_token_may_not_write(network, token_for):
    api = token_for(network.cs_agent, scopes=("read",))
    assert api.post(f"{BASE}/complaints", {"summary": "ok"}).status_code == 403
    assert Complaint.objects.count() == 0


def test_the_operations_appear_in_the_openapi_document(client):
    document = client.get("/api/openapi.json").json()
    paths = document["paths"]
    for path, one in (
        ("responses", "response_id"),
        ("followups", "followup_id"),
        ("complaints", "complaint_id"),
        ("praise", "praise_id"),
    ):
        assert "get" in paths[f"{BASE}/{path}"] and "get" in paths[f"{BASE}/{path}/{{{one}}}"]
    assert "post" in paths[f"{BASE}/complaints"] and "post" in paths[f"{BASE}/praise"]
    assert "404" in paths[f"{BASE}/complaints/{{complaint_id}}"]["get"]["responses"]
