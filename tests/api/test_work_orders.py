"""/api/work-orders: the list's filters and cursor, retrieve, create, update, transitions
and events — with the bad input of each."""

import datetime

import pytest
from django.utils import timezone

from servicescore.workorders import services
from servicescore.workorders.models import WorkOrder

from ..factories import AssetFactory, CustomerFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [item["external_id"] for item in response.json()["items"]]


def test_list_filters_like_the_list_page(network, token_for):
    api = token_for(network.manager)
    now = timezone.now()
    WorkOrderFactory(external_id="A", service_center=network.sc1, type="repair", priority="urgent")
    WorkOrderFactory(
        external_id="B",
        service_center=network.sc1,
        type="maintenance",
        due_at=now - datetime.timedelta(hours=1),
    )
    late = WorkOrderFactory(external_id="C", service_center=network.sc1, type="repair")
    services.assign(late, technician=network.tech, by=None)
    WorkOrderFactory(external_id="D", service_center=network.sc1, type="inspection", rework_of=late)
    assert sorted(ids(api.get("/api/work-orders", {"type": "repair"}))) == ["A", "C"]
    assert ids(api.get("/api/work-orders", {"priority": "urgent"})) == ["A"]
    assert ids(api.get("/api/work-orders", {"state": "dispatched"})) == ["C"]
    assert ids(api.get("/api/work-orders", {"technician": "T1"})) == ["C"]
    assert ids(api.get("/api/work-orders", {"overdue": "true"})) == ["B"]
    assert ids(api.get("/api/work-orders", {"comeback": "true"})) == ["D"]
    assert sorted(ids(api.get("/api/work-orders", {"state": ["new", "dispatched"], "type": "repair"}))) == [
        "A",
        "C",
    ]


def test_cursor_pages_through_everything_once(network, token_for):
    api = token_for(network.manager)
    base = timezone.now() - datetime.timedelta(days=1)
    for n in range(7):  # two share a timestamp: the id breaks the tie
        WorkOrderFactory(
            external_id=f"P{n}",
            service_center=network.sc1,
            created_at=base + datetime.timedelta(minutes=min(n, 5)),
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/work-orders", params).json()
        seen += [item["external_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"P{n}" for n in range(7)] and len(seen) == 7
    assert seen[0] in ("P5", "P6")  # newest first


@pytest.mark.parametrize(
    "params, field",
    [
        ({"cursor": "!!notbase64"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"type": "spaceship"}, "type.0"),
        ({"technician": "NOBODY"}, "technician"),
        ({"service_center": "SC2"}, "service_center"),  # outside the manager's scope: unknown
        ({"created_from": "2026-13-01"}, "created_from"),
    ],
)
def test_list_bad_input_names_the_field(network, token_for, params, field):
    response = token_for(network.manager).get("/api/work-orders", params)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]], response.json()


def test_retrieve_in_scope_and_404_outside(network, token_for):
    mine = WorkOrderFactory(service_center=network.sc1, external_id="MINE")
    theirs = WorkOrderFactory(service_center=network.sc2, external_id="THEIRS")
    api = token_for(network.manager)
    body = api.get(f"/api/work-orders/{mine.pk}").json()
    assert body["external_id"] == "MINE" and body["service_center"] == "SC1" and body["version"]
    assert api.get(f"/api/work-orders/{theirs.pk}").status_code == 404
    assert api.get("/api/work-orders/by-external-id/THEIRS").status_code == 404
    assert api.get("/api/work-orders/by-external-id/MINE").json()["id"] == mine.pk


def test_phone_is_masked_for_a_technician_and_whole_for_an_advisor(network, token_for):
    customer = CustomerFactory(phone="13812345678")
    order = WorkOrderFactory(service_center=network.sc1, customer=customer, advisor=network.advisor)
    services.assign(order, technician=network.tech, by=None)
    tech = token_for(network.tech).get(f"/api/work-orders/{order.pk}").json()
    advisor = token_for(network.advisor).get(f"/api/work-orders/{order.pk}").json()
    assert tech["customer"]["phone"] == "138****5678"
    assert advisor["customer"]["phone"] == "13812345678"


def test_advisor_opens_an_order_at_his_centre_with_customer_and_vehicle(network, token_for):
    response = token_for(network.advisor).post(
        "/api/work-orders",
        {
            "service_center": "SC1",
            "type": "maintenance",
            "customer_name": "王五",
            "customer_phone": "13900002222",
            "asset_external_id": "LVIN0000000000002",
            "advisor": "A1",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "new" and body["advisor"] == "A1" and body["external_id"].startswith("SS-")
    assert body["customer"]["phone"] == "13900002222"
    other = token_for(network.advisor).post("/api/work-orders", {"service_center": "SC2", "type": "repair"})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "service_center"


def test_an_advisor_who_names_no_advisor_is_the_orders_advisor(network, token_for):
    response = token_for(network.advisor).post(
        "/api/work-orders", {"service_center": "SC1", "type": "repair"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["advisor"] == "A1"


def test_create_with_sla_customer_vehicle_and_immediate_dispatch(network, token_for):
    from servicescore.workorders.models import SLAPolicy

    SLAPolicy.objects.update_or_create(
        type="repair", priority="high", defaults={"response_minutes": 30, "resolution_hours": 8}
    )
    api = token_for(network.dispatcher)
    response = api.post(
        "/api/work-orders",
        {
            "external_id": "DMS-1",
            "service_center": "SC1",
            "type": "repair",
            "priority": "high",
            "customer_name": "张三",
            "customer_phone": "13900001111",
            "asset_external_id": "LVIN0000000000001",
            "asset_model": "Model Y",
            "advisor": "A1",
            "technician": "T1",
            "description": "异响",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "dispatched" and body["technician"] == "T1"
    created = datetime.datetime.fromisoformat(body["created_at"])
    assert datetime.datetime.fromisoformat(body["due_at"]) - created == datetime.timedelta(hours=8)
    assert body["customer"]["name"] == "张三" and body["asset"]["external_id"] == "LVIN0000000000001"


@pytest.mark.parametrize(
    "payload, field, status",
    [
        ({"type": "repair"}, "service_center", 422),  # missing required field
        ({"service_center": "SC1", "type": "repair", "difficulty": "hard"}, "difficulty", 422),  # wrong type
        ({"service_center": "SC1", "type": "teleport"}, "type", 422),
        ({"service_center": "SC1", "type": "repair", "advisor": "E404"}, "advisor", 422),  # unknown employee
        (
            {"service_center": "SC1", "type": "repair", "technician": "T4"},
            "technician",
            422,
        ),  # T4 not visible
        ({"service_center": "SC2", "type": "repair"}, "service_center", 422),  # outside scope
        ({"service_center": "SC1", "type": "repair", "rework_of": "NOPE"}, "rework_of", 422),
        ({"service_center": "SC1-T1", "type": "repair"}, "service_center", 422),  # a team, not a centre
    ],
)
def test_create_bad_input_names_the_field_and_writes_nothing(network, token_for, payload, field, status):
    response = token_for(network.manager).post("/api/work-orders", payload)
    assert response.status_code == status, response.content
    assert field in [error["field"] for error in response.json()["errors"]], response.json()
    assert not WorkOrder.objects.exists()


def test_create_needs_a_desk_role(network, token_for):
    response = token_for(network.tech).post("/api/work-orders", {"service_center": "SC1", "type": "repair"})
    assert response.status_code == 403 and "may not create" in response.json()["detail"]


def test_duplicate_external_id_is_refused(network, token_for):
    WorkOrderFactory(service_center=network.sc1, external_id="DUP")
    response = token_for(network.manager).post(
        "/api/work-orders", {"external_id": "DUP", "service_center": "SC1", "type": "repair"}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "external_id"


def test_update_changes_fields_recomputes_sla_and_refuses_a_stale_version(network, token_for):
    from servicescore.workorders.models import SLAPolicy

    SLAPolicy.objects.update_or_create(
        type="repair", priority="urgent", defaults={"response_minutes": 15, "resolution_hours": 4}
    )
    order = WorkOrderFactory(service_center=network.sc1)
    api = token_for(network.manager)
    version = api.get(f"/api/work-orders/{order.pk}").json()["version"]
    response = api.patch(f"/api/work-orders/{order.pk}", {"priority": "urgent", "version": version})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["priority"] == "urgent" and body["due_at"] is not None
    stale = api.patch(f"/api/work-orders/{order.pk}", {"description": "late edit", "version": version})
    assert stale.status_code == 409 and "was changed by" in stale.json()["detail"]
    assert WorkOrder.objects.get(pk=order.pk).description == ""
    assert order.events.filter(action="edit").count() == 1


def test_transitions_walk_the_lifecycle_and_refuse_wrong_ones(network, token_for):
    order = WorkOrderFactory(service_center=network.sc1)
    dispatcher, tech = token_for(network.dispatcher), token_for(network.tech)
    url = f"/api/work-orders/{order.pk}/transitions"
    assert dispatcher.post(f"{url}/dispatch", {"technician": "T1"}).json()["state"] == "dispatched"
    wrong = tech.post(f"{url}/complete", {"resolution": "fixed"})
    assert wrong.status_code == 422 and "Cannot complete" in wrong.json()["detail"]
    assert tech.post(f"{url}/accept").json()["state"] == "accepted"
    bad_place = tech.post(f"{url}/start", {"latitude": 95, "longitude": 121})
    assert bad_place.status_code == 422 and bad_place.json()["errors"][0]["field"] == "latitude"
    assert (
        tech.post(f"{url}/start", {"latitude": 31.23, "longitude": 121.47}).json()["state"] == "in_progress"
    )
    missing = tech.post(f"{url}/complete", {})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "resolution"
    assert tech.post(f"{url}/complete", {"resolution": "fixed"}).json()["state"] == "completed"
    assert tech.post(f"{url}/close").status_code == 403  # a technician does not close
    assert dispatcher.post(f"{url}/close").json()["state"] == "closed"
    events = tech.get(f"/api/work-orders/{order.pk}/events").json()
    assert [e["action"] for e in events] == ["dispatch", "accept", "start", "complete", "close"]
    assert events[2]["latitude"] == "31.230000" and events[1]["actor_employee_no"] == "T1"


def test_unknown_action_is_422(network, token_for):
    order = WorkOrderFactory(service_center=network.sc1)
    response = token_for(network.dispatcher).post(f"/api/work-orders/{order.pk}/transitions/explode")
    assert response.status_code == 422


def test_second_dispatch_of_the_same_order_is_a_409_naming_the_winner(network, token_for):
    order = WorkOrderFactory(service_center=network.sc1)
    url = f"/api/work-orders/{order.pk}/transitions/dispatch"
    assert token_for(network.dispatcher).post(url, {"technician": "T1"}).status_code == 200
    response = token_for(network.foreman).post(url, {"technician": "T2"})
    assert response.status_code == 409 and network.tech.name in response.json()["detail"]
    assert WorkOrder.objects.get(pk=order.pk).technician == network.tech


def test_assigning_a_technician_of_another_centre_is_refused(network, token_for):
    order = WorkOrderFactory(service_center=network.sc1)
    system = token_for(network.hr)  # HR sees everyone but cannot dispatch
    assert (
        system.post(f"/api/work-orders/{order.pk}/transitions/dispatch", {"technician": "T4"}).status_code
        == 403
    )
    from servicescore.core.roles import Role

    from ..factories import UserFactory

    dms = token_for(UserFactory(username="dms", role=Role.INTEGRATION))
    response = dms.post(f"/api/work-orders/{order.pk}/transitions/dispatch", {"technician": "T4"})
    assert response.status_code == 422 and "works at" in response.json()["detail"]


def test_asset_history_and_customer_are_reused_not_duplicated(network, token_for):
    from servicescore.customers.models import Asset, Customer

    customer = CustomerFactory(external_id="C1", name="李四", phone="13700000000")
    car = AssetFactory(external_id="VIN1", customer=customer)
    # Served by this advisor before: he may link them (tests/api/test_customer_scope.py).
    WorkOrderFactory(service_center=network.sc1, customer=customer, asset=car, advisor=network.advisor)
    api = token_for(network.advisor)
    for _attempt in range(2):
        assert (
            api.post(
                "/api/work-orders",
                {
                    "service_center": "SC1",
                    "type": "maintenance",
                    "customer_external_id": "C1",
                    "asset_external_id": "VIN1",
                    "advisor": "A1",
                },
            ).status_code
            == 201
        )
    assert Customer.objects.count() == 1 and Asset.objects.count() == 1


def test_an_advisor_cannot_dispatch_through_create(network, token_for):
    response = token_for(network.advisor).post(
        "/api/work-orders", {"service_center": "SC1", "type": "repair", "advisor": "A1", "technician": "A1"}
    )
    assert response.status_code == 403 and not WorkOrder.objects.exists()


def test_comeback_cycles_are_refused(network, token_for):
    first = WorkOrderFactory(service_center=network.sc1, external_id="FIRST")
    second = WorkOrderFactory(service_center=network.sc1, external_id="SECOND", rework_of=first)
    api = token_for(network.manager)
    for order, target in ((first, "SECOND"), (first, "FIRST")):
        response = api.patch(f"/api/work-orders/{order.pk}", {"rework_of": target})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "rework_of"
    assert WorkOrder.objects.get(pk=first.pk).rework_of is None and second.rework_of == first


def test_api_list_query_count_does_not_grow_with_rows_or_page_size(network, token_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = token_for(network.manager)
    customer = CustomerFactory()

    def make(count):
        for _n in range(count):
            order = WorkOrderFactory(service_center=network.sc1, customer=customer, advisor=network.advisor)
            services.assign(order, technician=network.tech, by=None)

    def queries(limit):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/work-orders", {"limit": limit}).status_code == 200
        return len(ctx.captured_queries)

    make(5)
    small = queries(5)
    make(40)
    assert queries(5) == small and queries(45) == small
