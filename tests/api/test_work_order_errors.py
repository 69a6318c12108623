"""/api/work-orders answers a service's refusal as {code, message, field} with the status of
its kind (core.errors): 403 for a role, 422 for a state or bad input, 409 for a stale copy."""

import pytest

from servicescore.workorders.models import State

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


def order_in(network, state, **fields):
    technician = None if state == State.NEW else network.tech
    return WorkOrderFactory(service_center=network.sc1, state=state, technician=technician, **fields)


def test_the_api_answers_a_role_refusal_with_403_and_its_code(network, token_for):
    order = order_in(network, State.COMPLETED)
    response = token_for(network.tech).post(f"/api/work-orders/{order.pk}/transitions/close", {})
    assert response.status_code == 403
    body = response.json()
    assert (body["code"], body["field"]) == ("role_not_allowed", None)
    assert body["message"] == "Your role may not close this work order."


def test_the_api_answers_a_wrong_state_with_422_and_its_code(network, token_for):
    order = order_in(network, State.NEW)
    response = token_for(network.manager).post(
        f"/api/work-orders/{order.pk}/transitions/complete", {"resolution": "fixed"}
    )
    assert (response.status_code, response.json()["code"]) == (422, "wrong_state")


def test_the_api_answers_a_stale_version_with_409_and_its_code(network, token_for):
    order = order_in(network, State.NEW)
    response = token_for(network.manager).patch(
        f"/api/work-orders/{order.pk}", {"priority": "urgent", "version": "2000-01-01T00:00:00+00:00"}
    )
    assert (response.status_code, response.json()["code"]) == (409, "work_order_changed")
    assert "was changed by" in response.json()["message"]
