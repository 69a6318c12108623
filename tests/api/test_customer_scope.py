"""POST /api/work-orders with a customer id or VIN: only customers and vehicles the caller
can already see are linked, and a refusal says nothing about the record it refused."""

import pytest

from servicescore.core.audit import history_of
from servicescore.core.roles import Role
from servicescore.customers.models import Asset, Customer
from servicescore.workorders.models import WorkOrder

from ..customers.conftest import other_centres_customer
from ..factories import AssetFactory, CustomerFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

SECRETS = ("杭州客户", "13955556666", "浙A12345", "ID.4")


def order(**fields):
    return {"service_center": "SC1", "type": "repair", "advisor": "A1", **fields}


def reveals_nothing(response) -> bool:
    return not any(secret in response.content.decode() for secret in SECRETS)


def test_advisor_linking_another_centres_customer_is_refused_without_revealing_it(network, token_for):
    other_centres_customer(network)
    response = token_for(network.advisor).post("/api/work-orders", order(customer_external_id="C-SC2"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer_external_id"
    assert reveals_nothing(response)
    assert not WorkOrder.objects.filter(service_center__code="SC1").exists()


def test_a_name_and_phone_sent_leave_another_centres_customer_unchanged(network, token_for):
    customer, _car = other_centres_customer(network)
    token_for(network.advisor).post(
        "/api/work-orders",
        order(customer_external_id="C-SC2", customer_name="冒名", customer_phone="13000000000"),
    )
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.phone) == ("杭州客户", "13955556666")


def test_advisor_linking_another_centres_vehicle_is_refused_without_revealing_it(network, token_for):
    _customer, car = other_centres_customer(network)
    response = token_for(network.advisor).post(
        "/api/work-orders", order(asset_external_id=car.external_id, asset_plate="沪X99999")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "asset_external_id"
    assert reveals_nothing(response)
    assert Asset.objects.get(pk=car.pk).plate == "浙A12345"


def test_advisor_cannot_rename_a_customer_he_can_see(network, token_for):
    customer = CustomerFactory(external_id="C-1", name="甲", phone="13000000001")
    WorkOrderFactory(service_center=network.sc1, customer=customer, advisor=network.advisor)
    response = token_for(network.advisor).post(
        "/api/work-orders", order(customer_external_id="C-1", customer_name="乙")
    )
    assert response.status_code == 403  # a role refusal: only HR or an administrator may
    assert (response.json()["code"], response.json()["field"]) == ("customer_master_data", "customer_name")
    assert Customer.objects.get(pk=customer.pk).name == "甲"


def test_advisor_links_a_customer_and_car_he_can_see(network, token_for):
    customer = CustomerFactory(external_id="C-1", name="甲", phone="13000000001")
    car = AssetFactory(external_id="LSVAU2180N2000123", customer=customer)
    WorkOrderFactory(service_center=network.sc1, customer=customer, asset=car, advisor=network.advisor)
    response = token_for(network.advisor).post(
        "/api/work-orders", order(customer_external_id="C-1", asset_external_id=car.external_id)
    )
    assert response.status_code == 201, response.content
    assert response.json()["customer"]["name"] == "甲"


def test_an_integration_token_limited_to_sc1_cannot_link_sc2s_customer(network, token_for):
    other_centres_customer(network)
    system = token_for(UserFactory(username="dms", role=Role.INTEGRATION), org_unit=network.sc1)
    response = system.post("/api/work-orders", order(customer_external_id="C-SC2"))
    assert response.status_code == 422 and reveals_nothing(response)


def test_a_company_wide_integration_updates_another_centres_customer_with_an_audit_entry(network, token_for):
    customer, _car = other_centres_customer(network)
    system_user = UserFactory(username="dms", role=Role.INTEGRATION)
    response = token_for(system_user).post(
        "/api/work-orders", order(customer_external_id="C-SC2", customer_phone="13900000000")
    )
    assert response.status_code == 201, response.content
    entry = history_of(customer).get()
    assert entry.actor == system_user and entry.changes == {"phone": ["13955556666", "13900000000"]}
