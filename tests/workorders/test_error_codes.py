"""Work-order refusals are core.errors with a stable code, the field to blame and today's
sentences; the pages show the message (the API's answers: tests/api/test_work_order_errors.py)."""

import pytest
from django.urls import reverse

from servicescore.core.errors import CODES, Conflict, Invalid, NotFound, Refused
from servicescore.workorders import errors, services
from servicescore.workorders.models import State

from ..conftest import login
from ..customers.conftest import other_centres_customer
from ..factories import CustomerFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db


def order_in(network, state, **fields):
    technician = None if state == State.NEW else network.tech
    return WorkOrderFactory(service_center=network.sc1, state=state, technician=technician, **fields)


def test_an_action_the_state_does_not_allow_is_invalid_with_its_code(network):
    with pytest.raises(Invalid) as refused:
        services.complete(order_in(network, State.NEW), resolution="fixed", by=network.tech.user)
    assert refused.value.domain_code == "wrong_state"
    assert refused.value.message_text.startswith("Cannot complete work order")


def test_a_role_that_may_not_is_refused_with_its_code(network):
    with pytest.raises(Refused) as refused:
        services.perform(order_in(network, State.COMPLETED), "close", by=network.tech.user)
    assert refused.value.domain_code == "role_not_allowed"
    assert refused.value.message_text == "Your role may not close this work order."


def test_a_stale_version_is_a_conflict_with_its_code(network):
    order = order_in(network, State.NEW)
    with pytest.raises(Conflict) as conflict:
        services.update_work_order(order, by=network.advisor.user, version="old", priority="urgent")
    assert conflict.value.domain_code == "work_order_changed"
    assert isinstance(conflict.value, services.WorkOrderConflict)
    assert "was changed by" in conflict.value.message_text


def test_a_line_that_is_not_there_is_not_found_with_its_field(network):
    with pytest.raises(NotFound) as missing:
        services.remove_labour(order_in(network, State.IN_PROGRESS), line_id=424242, by=network.tech.user)
    assert (missing.value.domain_code, missing.value.field) == ("line_not_found", "line")


@pytest.mark.parametrize(
    "call, field, code",
    [
        (
            lambda n, o: services.record_labour(
                o, technician=n.tech, standard_hours=-1, clocked_hours=1, by=n.foreman.user
            ),
            "standard_hours",
            "negative_hours",
        ),
        (lambda n, o: services.reopen(o, reason="", by=n.foreman.user), "reason", "reason_required"),
        (lambda n, o: services.add_note(o, note="", by=n.tech.user), "note", "note_required"),
        (
            lambda n, o: services.check_in(o, by=n.tech.user, latitude="91", longitude="0"),
            "latitude",
            "location_out_of_range",
        ),
        (
            lambda n, o: services.record_labour(
                o, technician=n.tech_sc2, standard_hours=1, clocked_hours=1, by=n.tech.user
            ),
            "technician",
            "other_service_center",
        ),
    ],
    ids=["negative hours", "reopen reason", "empty note", "latitude", "other centre"],
)
def test_bad_input_names_its_field_and_code(network, call, field, code):
    with pytest.raises(Invalid) as refused:
        call(network, order_in(network, State.IN_PROGRESS))
    assert [(item["field"], item["code"]) for item in refused.value.items()] == [(field, code)]


def test_a_parts_line_names_each_wrong_field_with_its_own_code(network):
    with pytest.raises(Invalid) as refused:
        services.record_part(
            order_in(network, State.IN_PROGRESS),
            part_no="",
            name="",
            quantity=0,
            unit_price=-1,
            by=network.tech.user,
        )
    assert {(item["field"], item["code"]) for item in refused.value.items()} == {
        ("part_no", "part_no_required"),
        ("name", "part_name_required"),
        ("quantity", "quantity_not_positive"),
        ("unit_price", "negative_unit_price"),
    }


def test_another_centres_customer_is_refused_under_its_input_name(network):
    other_centres_customer(network)
    with pytest.raises(Invalid) as refused:
        services.open_work_order(
            by=network.advisor.user,
            service_center=network.sc1,
            type="repair",
            customer_and_asset=services.CustomerAndAsset(customer_external_id="C-SC2"),
        )
    assert [(item["field"], item["code"]) for item in refused.value.items()] == [
        ("customer_external_id", "customer_not_visible")
    ]


def test_renaming_a_customer_on_file_is_refused_to_the_desk(network):
    customer = CustomerFactory(external_id="C-1", name="甲", phone="13000000001")
    WorkOrderFactory(service_center=network.sc1, customer=customer, advisor=network.advisor)
    with pytest.raises(Refused) as refused:
        services.open_work_order(
            by=network.advisor.user,
            service_center=network.sc1,
            type="repair",
            customer_and_asset=services.CustomerAndAsset(customer_external_id="C-1", customer_name="乙"),
        )
    assert [(item["field"], item["code"]) for item in refused.value.items()] == [
        ("customer_name", "customer_master_data")
    ]


def test_every_code_the_work_orders_raise_is_declared_with_its_kinds_status():
    raised = {
        errors.ROLE_NOT_ALLOWED: 403,
        errors.CUSTOMER_MASTER_DATA: 403,
        errors.WRONG_STATE: 422,
        errors.WORK_ORDER_CHANGED: 409,
        errors.LINE_NOT_FOUND: 404,
        errors.CUSTOMER_NOT_VISIBLE: 422,
    }
    assert {code: CODES[code].status for code in raised} == raised


# --- the pages -----------------------------------------------------------------------------------


def test_the_page_shows_a_refusal_as_its_message(client, network):
    order = order_in(network, State.COMPLETED)
    login(client, network.tech)
    response = client.post(reverse("workorders:action", args=[order.pk, "close"]), follow=True)
    assert "Your role may not close this work order." in response.content.decode()
