import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """These tests read the service messages in English (zh-Hans is the default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """A browser that asks for English pages."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


def other_centres_customer(network):
    """A customer and car known only at SC2 (on an SC2 order): SC1's desk must not see them."""
    from ..factories import AssetFactory, CustomerFactory, WorkOrderFactory

    customer = CustomerFactory(external_id="C-SC2", name="杭州客户", phone="13955556666")
    car = AssetFactory(external_id="LSVAU2180N2000999", model="ID.4", plate="浙A12345", customer=customer)
    WorkOrderFactory(
        external_id="SC2-ORDER",
        service_center=network.sc2,
        customer=customer,
        asset=car,
        technician=network.tech_sc2,
    )
    return customer, car


@pytest.fixture
def sc2(network):
    """SC2's customer and car, as `sc2.customer` and `sc2.car`."""
    from types import SimpleNamespace

    customer, car = other_centres_customer(network)
    return SimpleNamespace(customer=customer, car=car)
