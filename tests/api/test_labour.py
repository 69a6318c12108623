"""/api/work-orders/{id}/labour: a technician's token records clocked hours with an operation
code and gets the catalogue's hours; standard hours from it are refused with a code; a
foreman overrides with a reason; out-of-scope orders are 404."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from servicescore.workorders.models import LabourLine, LabourOperation

from ..factories import AssetFactory, WorkOrderFactory
from .test_contract import check_against_document

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi():
    return Client().get("/api/openapi.json").json()


@pytest.fixture
def started(network):
    now = timezone.now()
    LabourOperation.objects.create(code="BRK01", name="更换前刹车片", standard_hours=Decimal("1.5"))
    LabourOperation.objects.create(
        code="BRK01", name="更换前刹车片", standard_hours=Decimal("1.8"), category="比亚迪 汉 EV"
    )
    return WorkOrderFactory(
        service_center=network.sc1,
        technician=network.tech,
        asset=AssetFactory(model="比亚迪 汉 EV"),
        state="in_progress",
        dispatched_at=now - datetime.timedelta(minutes=30),
        accepted_at=now - datetime.timedelta(minutes=20),
        started_at=now - datetime.timedelta(minutes=10),
    )


def url(order):
    return f"/api/work-orders/{order.pk}/labour"


def test_a_technician_records_clocked_hours_and_gets_the_catalogue_hours(
    network, token_for, started, openapi
):
    response = token_for(network.tech).post(url(started), {"operation_code": "BRK01", "clocked_hours": "2"})
    assert response.status_code == 200, response.content
    check_against_document(openapi, "/api/work-orders/{work_order_id}/labour", "post", response)
    body = response.json()
    assert (body["technician"], body["operation_code"], body["standard_hours"], body["standard_source"]) == (
        "T1",
        "BRK01",
        "1.80",
        "catalogue",
    )


def test_a_technician_token_sending_standard_hours_is_refused_with_a_code(
    network, token_for, started, openapi
):
    response = token_for(network.tech).post(
        url(started), {"operation_code": "BRK01", "standard_hours": "3", "clocked_hours": "2", "reason": "x"}
    )
    assert response.status_code == 403, response.content
    assert (response.json()["code"], response.json()["field"]) == (
        "standard_hours_not_allowed",
        "standard_hours",
    )
    check_against_document(openapi, "/api/work-orders/{work_order_id}/labour", "post", response)
    assert not LabourLine.objects.exists()


def test_an_unknown_operation_code_is_a_422_with_its_code(network, token_for, started):
    response = token_for(network.tech).post(url(started), {"operation_code": "NOPE", "clocked_hours": "2"})
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == (
        "unknown_labour_operation",
        "operation_code",
    )


def test_a_foreman_overrides_with_a_reason(network, token_for, started):
    response = token_for(network.foreman).post(
        url(started),
        {
            "technician": "T1",
            "operation_code": "BRK01",
            "standard_hours": 2.5,
            "clocked_hours": 2,
            "reason": "锈死的卡钳螺栓",
        },
    )
    assert response.status_code == 200, response.content
    assert (response.json()["standard_source"], response.json()["override_reason"]) == (
        "override",
        "锈死的卡钳螺栓",
    )


def test_a_foremans_override_without_a_reason_is_refused(network, token_for, started):
    response = token_for(network.foreman).post(
        url(started),
        {"technician": "T1", "operation_code": "BRK01", "standard_hours": 2.5, "clocked_hours": 2},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "override_reason_required"
    assert not LabourLine.objects.exists()


def test_a_colleagues_order_is_not_found(network, token_for, started):
    response = token_for(network.tech_sc2).post(
        url(started), {"operation_code": "BRK01", "clocked_hours": "2"}
    )
    assert response.status_code == 404
    assert token_for(network.tech_sc2).get(url(started)).status_code == 404


def test_the_lines_are_listed_with_their_source(network, token_for, started):
    token_for(network.tech).post(url(started), {"operation_code": "BRK01", "clocked_hours": "2"})
    lines = token_for(network.manager).get(url(started)).json()
    assert [(line["technician"], line["standard_source"]) for line in lines] == [("T1", "catalogue")]
