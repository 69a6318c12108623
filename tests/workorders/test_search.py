"""The work-order list's search box (and the API's `q`) as people type: plates in any
spelling, names, phone numbers or their last four digits, VIN suffixes, order numbers;
too-short queries refused with a message; scope and phone masking kept."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from ..conftest import login
from ..factories import AssetFactory, CustomerFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

LIST = reverse("workorders:list")


def listed(response) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r'<tr data-order="([^"]+)"', response.content.decode()))


def search(client, text):
    return client.get(LIST, {"q": text})


@pytest.fixture
def orders(network):
    """Two customers with a car each at SC1, and one at SC2 the manager cannot see."""
    wang = CustomerFactory(name="王楠阳", phone="13912345678")
    li = CustomerFactory(name="李成", phone="+86 139-8765-4321")
    wang_car = AssetFactory(external_id="LSVAU2180N2000001", plate="粤A·F00373", customer=wang)
    li_car = AssetFactory(external_id="LGXJPN7U900000005", plate="沪A D14852", customer=li)
    other = CustomerFactory(name="王楠阳", phone="13912345678")
    other_car = AssetFactory(external_id="LSVAU2180N2000999", plate="粤A·F00374", customer=other)
    WorkOrderFactory(external_id="WO-WANG", service_center=network.sc1, customer=wang, asset=wang_car)
    WorkOrderFactory(external_id="WO-LI", service_center=network.sc1, customer=li, asset=li_car)
    WorkOrderFactory(external_id="WO-SC2", service_center=network.sc2, customer=other, asset=other_car)


@pytest.mark.parametrize(
    "text",
    ["粤AF00373", "粤A·F00373", "粤A F00373", "粤af00373", " 粤A-F00373 ", "粤A·F0037"],
)
def test_a_plate_is_found_with_or_without_its_dot_and_spaces_in_any_case(client, network, orders, text):
    login(client, network.manager)
    assert listed(search(client, text)) == {"WO-WANG"}


@pytest.mark.parametrize("text", ["AF00373", "F00373", "a·f00373", "F-00373"])
def test_a_plate_is_found_typed_without_its_provinces_character(client, network, orders, text):
    login(client, network.manager)
    assert listed(search(client, text)) == {"WO-WANG"}


def test_a_plate_stored_with_a_space_is_found_typed_with_a_dot(client, network, orders):
    login(client, network.manager)
    assert listed(search(client, "沪A·D14852")) == {"WO-LI"}


@pytest.mark.parametrize("text", ["王楠阳", "楠阳", "王楠"])
def test_a_customer_is_found_by_his_name_or_part_of_it(client, network, orders, text):
    login(client, network.manager)
    assert listed(search(client, text)) == {"WO-WANG"}


@pytest.mark.parametrize("text", ["13912345678", "139 1234 5678", "139-1234-5678", "+86 13912345678", "5678"])
def test_a_customer_is_found_by_his_phone_in_any_spelling_or_its_last_four_digits(
    client, network, orders, text
):
    login(client, network.manager)
    assert listed(search(client, text)) == {"WO-WANG"}


def test_a_phone_stored_with_country_code_is_found_without_it(client, network, orders):
    login(client, network.manager)
    assert listed(search(client, "13987654321")) == {"WO-LI"}


@pytest.mark.parametrize("text", ["000005", "0000005", "00000005", "lgxjpn7u9", "LGXJPN7U900000005"])
def test_a_vehicle_is_found_by_its_vin_its_start_or_its_last_six_to_eight_characters(
    client, network, orders, text
):
    login(client, network.manager)
    assert listed(search(client, text)) == {"WO-LI"}


def test_a_work_order_is_found_by_its_number_in_any_case(client, network, orders):
    login(client, network.manager)
    assert listed(search(client, "wo-li")) == {"WO-LI"}


def test_a_technician_finds_by_last_four_digits_but_not_by_a_whole_phone_he_cannot_see(
    client, network, orders
):
    wang = orders_customer("13912345678")
    WorkOrderFactory(
        external_id="WO-TECH", service_center=network.sc1, technician=network.tech, customer=wang
    )
    login(client, network.tech)
    assert listed(search(client, "5678")) == {"WO-TECH"}
    assert listed(search(client, "13912345678")) == set()


def orders_customer(phone):
    from servicescore.customers.models import Customer

    return Customer.objects.filter(phone=phone).order_by("pk").first()


def test_a_search_never_shows_orders_outside_the_scope(client, network, orders):
    login(client, network.manager)
    assert listed(search(client, "粤A·F00374")) == set()
    assert listed(search(client, "王楠阳")) == {"WO-WANG"}


def test_hr_finds_orders_of_every_centre(client, network, orders):
    login(client, network.hr)
    assert listed(search(client, "王楠阳")) == {"WO-WANG", "WO-SC2"}


@pytest.mark.parametrize("text", ["王", "粤A", "ab", "12"])
def test_a_query_too_short_is_refused_with_a_message_and_the_list_is_not_searched(
    client, network, orders, text
):
    login(client, network.manager)
    response = search(client, text)
    assert listed(response) == {"WO-WANG", "WO-LI"}
    assert list(response.context["form"].errors) == ["q"]
    with translation.override("en"):
        assert "at least three characters" in response.content.decode()


def test_a_query_matching_nothing_lists_nothing(client, network, orders):
    login(client, network.manager)
    assert listed(search(client, "京B99999")) == set()


def test_a_search_takes_a_fixed_number_of_queries(client, network, orders, django_assert_max_num_queries):
    login(client, network.manager)
    search(client, "王楠阳")  # warm the session and the form's querysets
    with django_assert_max_num_queries(20) as captured:
        search(client, "王楠阳")
    first = len(captured)
    for n in range(10):
        customer = CustomerFactory(name=f"王楠阳{n}")
        WorkOrderFactory(service_center=network.sc1, customer=customer)
    with django_assert_max_num_queries(first):
        assert len(listed(search(client, "王楠阳"))) == 11


# --- the API --------------------------------------------------------------------------


def api_get(who, text):
    from django.test import Client

    from servicescore.api.models import ApiToken

    _token, raw = ApiToken.issue(user=who.user, name="test", scopes=("read",))
    return Client(HTTP_ACCEPT_LANGUAGE="en").get(
        "/api/work-orders", {"q": text}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )


def api_ids(response):
    assert response.status_code == 200, response.content
    return {item["external_id"] for item in response.json()["items"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("粤AF00373", {"WO-WANG"}), ("楠阳", {"WO-WANG"}), ("4321", {"WO-LI"}), ("000005", {"WO-LI"})],
)
def test_the_api_searches_the_same_spellings(network, orders, text, expected):
    assert api_ids(api_get(network.manager, text)) == expected


def test_the_api_refuses_a_query_too_short(network, orders):
    response = api_get(network.manager, "粤A")
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["q"]


def test_a_search_naming_too_many_customers_says_only_the_first_are_used(
    client, network, orders, monkeypatch
):
    from servicescore.customers import search as customer_search
    from servicescore.workorders import selectors

    monkeypatch.setattr(customer_search, "MATCH_LIMIT", 1)
    monkeypatch.setattr(selectors, "MATCH_LIMIT", 1)
    CustomerFactory(name="王楠阳")
    login(client, network.manager)
    response = search(client, "王楠阳")
    assert response.context["search_truncated"] is True
    assert "data-search-truncated" in response.content.decode()


def test_a_search_naming_few_customers_says_nothing_more(client, network, orders):
    login(client, network.manager)
    response = search(client, "王楠阳")
    assert response.context["search_truncated"] is False
    assert "data-search-truncated" not in response.content.decode()


def test_an_appliance_is_found_by_its_serial_number_exactly_as_typed(client, network):
    fridge = AssetFactory(external_id="SN/2026/7", kind="appliance")
    WorkOrderFactory(external_id="WO-FRIDGE", service_center=network.sc1, asset=fridge)
    login(client, network.manager)
    assert listed(search(client, "SN/2026/7")) == {"WO-FRIDGE"}
