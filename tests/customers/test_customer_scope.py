"""Customers and vehicles on a work order: a user links only those he can already see
(through the work orders workorders/scope.py shows him), the desk does not rewrite a customer's
name or phone, and every customer or vehicle written has an audit entry."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from servicescore.core.audit import history_of
from servicescore.core.roles import Role
from servicescore.customers.models import Asset, Customer
from servicescore.workorders import customers as selectors
from servicescore.workorders.customers import find_or_create_asset, find_or_create_customer
from servicescore.workorders.models import WorkOrder

from ..conftest import login
from ..factories import AssetFactory, CustomerFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("workorders:create")
SECRETS = ("杭州客户", "13955556666", "浙A12345", "ID.4")


def code_of(error: ValidationError, field: str) -> str:
    return error.error_dict[field][0].code


def own_customer(network, **fields):
    """A customer on one of the SC1 advisor's own orders, so visible to him."""
    customer = CustomerFactory(**fields)
    car = AssetFactory(customer=customer, plate="沪A00001")
    WorkOrderFactory(service_center=network.sc1, customer=customer, asset=car, advisor=network.advisor)
    return customer


def new_order(network, **overrides):
    data = {
        "service_center": network.sc1.pk,
        "type": "repair",
        "priority": "normal",
        "channel": "phone",
        "description": "异响",
        "customer_name": "",
        "customer_phone": "",
        "customer_external_id": "",
        "asset_external_id": "",
        "asset_model": "",
        "asset_plate": "",
        "advisor": network.advisor.employee_no,
        "difficulty": "1.00",
        "due_at": "",
        "rework_of": "",
    }
    data.update(overrides)
    return data


def form_errors(response) -> dict:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def reveals_nothing(response) -> bool:
    page = response.content.decode()
    return not any(secret in page for secret in SECRETS)


def unchanged(customer) -> bool:
    stored = Customer.objects.get(pk=customer.pk)
    return (stored.external_id, stored.name, stored.phone) == (
        customer.external_id,
        customer.name,
        customer.phone,
    )


# --- who sees which customers --------------------------------------------------------------


def test_advisor_sees_the_customers_of_his_centre_not_of_another(network, sc2):
    mine = own_customer(network)
    assert list(selectors.visible_customers(network.advisor.user)) == [mine]


def test_advisor_links_a_returning_customer_a_colleague_served_at_his_centre(network, sc2):
    regular = CustomerFactory(external_id="C-SC1", name="老客户", phone="13800007777")
    WorkOrderFactory(service_center=network.sc1, customer=regular, technician=network.tech_other_team)
    assert find_or_create_customer(by=network.advisor.user, external_id="C-SC1") == regular


def test_a_technician_sees_only_the_customers_of_his_own_orders(network, sc2):
    own_customer(network)
    assert list(selectors.visible_customers(network.tech.user)) == []


def test_manager_sees_the_customers_of_his_centre_not_of_another(network, sc2):
    mine = own_customer(network)
    assert list(selectors.visible_customers(network.manager.user)) == [mine]


def test_hr_sees_every_customer(network, sc2):
    mine = own_customer(network)
    assert set(selectors.visible_customers(network.hr.user)) == {mine, sc2.customer}


def test_vehicles_are_visible_through_the_same_work_orders(network, sc2):
    mine = own_customer(network)
    assert list(selectors.visible_assets(network.advisor.user)) == list(mine.assets.all())
    assert sc2.car in selectors.visible_assets(network.hr.user)


# --- linking by customer id, name and phone, or VIN -----------------------------------------


def test_advisor_cannot_link_another_centres_customer_by_id(network, sc2):
    with pytest.raises(ValidationError) as refused:
        find_or_create_customer(by=network.advisor.user, external_id="C-SC2")
    assert code_of(refused.value, "external_id") == "customer_not_visible"
    assert not any(secret in " ".join(refused.value.messages) for secret in SECRETS)


def test_advisor_giving_a_name_and_phone_leaves_another_centres_customer_unchanged(network, sc2):
    with pytest.raises(ValidationError):
        find_or_create_customer(
            by=network.advisor.user, external_id="C-SC2", name="冒名", phone="13000000000"
        )
    assert unchanged(sc2.customer)


def test_a_name_and_phone_known_only_at_another_centre_files_a_new_customer(network):
    theirs = Customer.objects.create(name="无号客户", phone="13011112222")
    WorkOrderFactory(service_center=network.sc2, customer=theirs)
    mine = find_or_create_customer(by=network.advisor.user, name="无号客户", phone="13011112222")
    assert mine.pk != theirs.pk and Customer.objects.count() == 2


def test_a_name_and_phone_of_a_visible_customer_link_that_customer(network):
    known = own_customer(network, external_id=None, name="老客户", phone="13022223333")
    assert find_or_create_customer(by=network.advisor.user, name="老客户", phone="13022223333") == known


def test_advisor_cannot_link_another_centres_vehicle_by_vin(network, sc2):
    with pytest.raises(ValidationError) as refused:
        find_or_create_asset(by=network.advisor.user, external_id=sc2.car.external_id, plate="沪X99999")
    assert code_of(refused.value, "external_id") == "asset_not_visible"
    assert not any(secret in " ".join(refused.value.messages) for secret in SECRETS)
    assert Asset.objects.get(pk=sc2.car.pk).plate == "浙A12345"


def test_an_integration_token_limited_to_sc1_cannot_link_sc2s_customer(network, sc2):
    from servicescore.api.models import ApiToken

    system = UserFactory(username="dms", role=Role.INTEGRATION)
    system._api_token, _raw = ApiToken.issue(user=system, name="dms", scopes=["write"], org_unit=network.sc1)
    with pytest.raises(ValidationError):
        find_or_create_customer(by=system, external_id="C-SC2")


# --- the desk does not rewrite a customer; HR and administrators may --------------------------


def test_advisor_cannot_rename_a_customer_he_can_see(network):
    known = own_customer(network, external_id="C-1", name="甲", phone="13000000001")
    with pytest.raises(ValidationError) as refused:
        find_or_create_customer(by=network.advisor.user, external_id="C-1", name="乙")
    assert code_of(refused.value, "name") == "customer_master_data"
    assert unchanged(known)


def test_dispatcher_cannot_change_the_phone_of_a_customer_he_can_see(network):
    known = own_customer(network, external_id="C-1", name="甲", phone="13000000001")
    with pytest.raises(ValidationError) as refused:
        find_or_create_customer(by=network.dispatcher.user, external_id="C-1", phone="13999999999")
    assert code_of(refused.value, "phone") == "customer_master_data"
    assert unchanged(known)


def test_advisor_may_fill_in_a_missing_phone_and_it_is_audited(network):
    known = own_customer(network, external_id="C-1", name="甲", phone="")
    find_or_create_customer(by=network.advisor.user, external_id="C-1", phone="13000000001")
    assert Customer.objects.get(pk=known.pk).phone == "13000000001"
    entry = history_of(known).get()
    assert entry.action == "update" and entry.changes == {"phone": ["", "13000000001"]}


def test_hr_links_and_updates_another_centres_customer_with_old_and_new_in_the_audit(network, sc2):
    customer = find_or_create_customer(
        by=network.hr.user, external_id="C-SC2", name="杭州客户", phone="13900000000"
    )
    assert customer == sc2.customer and Customer.objects.get(pk=customer.pk).phone == "13900000000"
    entry = history_of(customer).get()
    assert (entry.action, entry.actor, entry.changes) == (
        "update",
        network.hr.user,
        {"phone": ["13955556666", "13900000000"]},
    )


def test_a_new_customer_and_vehicle_are_audited_as_created(network):
    customer = find_or_create_customer(
        by=network.advisor.user, external_id="C-NEW", name="新客户", phone="13100000000"
    )
    car = find_or_create_asset(
        by=network.advisor.user, external_id="LSVAU2180N2000111", plate="沪B1", customer=customer
    )
    assert history_of(customer).get().changes == {
        "external_id": [None, "C-NEW"],
        "name": [None, "新客户"],
        "phone": [None, "13100000000"],
    }
    created = history_of(car).get()
    assert created.action == "create" and created.actor == network.advisor.user
    assert created.changes["plate"] == [None, "沪B1"] and created.changes["customer"] == [None, customer.pk]


def test_hr_changes_another_centres_plate_with_old_and_new_in_the_audit(network, sc2):
    find_or_create_asset(by=network.hr.user, external_id=sc2.car.external_id, plate="浙B00000")
    assert Asset.objects.get(pk=sc2.car.pk).plate == "浙B00000"
    assert history_of(sc2.car).get().changes == {"plate": ["浙A12345", "浙B00000"]}


# --- the desk pages ---------------------------------------------------------------------------


def test_advisor_linking_another_centres_customer_on_the_page_is_refused_without_revealing_it(
    client, network, sc2
):
    login(client, network.advisor)
    response = client.post(CREATE, new_order(network, customer_external_id="C-SC2"))
    assert response.status_code == 200
    assert "No customer with id C-SC2 is visible to you" in form_errors(response)["customer_external_id"][0]
    assert reveals_nothing(response)
    assert not WorkOrder.objects.filter(service_center=network.sc1).exists()


def test_advisor_giving_a_name_and_phone_on_the_page_leaves_another_centres_customer_unchanged(
    client, network, sc2
):
    login(client, network.advisor)
    client.post(
        CREATE,
        new_order(network, customer_external_id="C-SC2", customer_name="冒名", customer_phone="13000000000"),
    )
    assert unchanged(sc2.customer)
    assert not WorkOrder.objects.filter(service_center=network.sc1).exists()


def test_advisor_linking_another_centres_car_on_the_page_is_refused_without_revealing_it(
    client, network, sc2
):
    login(client, network.advisor)
    response = client.post(
        CREATE, new_order(network, asset_external_id=sc2.car.external_id, asset_plate="沪X99999")
    )
    assert list(form_errors(response)) == ["asset_external_id"]
    assert reveals_nothing(response)
    assert Asset.objects.get(pk=sc2.car.pk).plate == "浙A12345"
    assert not WorkOrder.objects.filter(service_center=network.sc1).exists()


def test_advisor_renaming_a_customer_on_the_edit_page_is_refused_next_to_the_name(client, network):
    known = own_customer(network, external_id="C-1", name="甲", phone="13000000001")
    order = WorkOrder.objects.get(customer=known)
    login(client, network.advisor)
    data = new_order(network, customer_external_id="C-1", customer_name="乙", customer_phone="13000000001")
    del data["service_center"]
    response = client.post(reverse("workorders:edit", args=[order.pk]), data)
    assert "Only HR or an administrator" in form_errors(response)["customer_name"][0]
    assert unchanged(known)


def test_admin_links_and_updates_another_centres_customer_on_the_page(client, network, sc2):
    admin = UserFactory(username="root", role=Role.ADMIN)
    login(client, admin)
    response = client.post(
        CREATE,
        new_order(
            network, customer_external_id="C-SC2", customer_name="杭州客户", customer_phone="13900000000"
        ),
    )
    assert response.status_code == 302, form_errors(response)
    assert WorkOrder.objects.get(service_center=network.sc1).customer == sc2.customer
    entry = history_of(sc2.customer).get()
    assert entry.actor == admin and entry.changes == {"phone": ["13955556666", "13900000000"]}
