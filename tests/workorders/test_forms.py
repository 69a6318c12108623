"""Opening and editing work orders from the desk pages, the list's filter form, and the
customer/asset matching behind them: happy paths, each bad input with its message, and
nothing written when anything fails."""

import datetime
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from servicescore.customers.models import Asset, Customer
from servicescore.workorders import services
from servicescore.workorders.customers import find_or_create_asset, find_or_create_customer
from servicescore.workorders.forms import WorkOrderFilterForm
from servicescore.workorders.models import WorkOrder

from ..conftest import login
from ..factories import AssetFactory, CustomerFactory, EmployeeFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("workorders:create")


def flash(response):
    return [str(m) for m in response.wsgi_request._messages]


def form_errors(response) -> dict:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def new_order(network, **overrides):
    data = {
        "service_center": network.sc1.pk,
        "type": "repair",
        "priority": "high",
        "channel": "phone",
        "description": "刹车异响",
        "customer_name": "赵先生",
        "customer_phone": "13600002222",
        "customer_external_id": "",
        "asset_external_id": "LSVAU2180N2000003",
        "asset_model": "Model 3",
        "asset_plate": "沪C11111",
        "advisor": network.advisor.employee_no,
        "difficulty": "1.20",
        "due_at": "",
        "rework_of": "",
    }
    data.update(overrides)
    return data


def nothing_written():
    return not WorkOrder.objects.exists() and not Customer.objects.exists() and not Asset.objects.exists()


# --- create ----------------------------------------------------------------------------


def test_advisor_opens_a_work_order_with_a_new_customer_and_car(client, network):
    login(client, network.advisor)
    response = client.post(CREATE, new_order(network))
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "workorders:detail", args=[order.pk]
    )
    assert f"Work order {order.external_id} opened." in flash(response)
    assert order.external_id.startswith("SS-") and order.state == "new"
    assert (order.type, order.priority, order.channel, order.difficulty) == (
        "repair",
        "high",
        "phone",
        Decimal("1.20"),
    )
    assert order.advisor == network.advisor and order.technician is None
    assert (order.customer.name, order.customer.phone) == ("赵先生", "13600002222")
    assert (order.asset.external_id, order.asset.plate, order.asset.kind) == (
        "LSVAU2180N2000003",
        "沪C11111",
        "vehicle",
    )
    assert order.asset.customer == order.customer
    # repair at high priority: 48 h × 0.5
    assert order.due_at == order.created_at + datetime.timedelta(hours=24)
    assert list(order.events.values_list("action", flat=True)) == ["create"]


def test_create_form_starts_with_the_advisors_centre_and_himself(client, network):
    login(client, network.advisor)
    response = client.get(CREATE)
    form = response.context["form"]
    assert form.initial["service_center"] == network.sc1 and form.initial["advisor"] == network.advisor
    assert "technician" not in form.fields  # an advisor does not dispatch


def test_known_customer_and_car_are_reused_and_the_plate_updated(client, network):
    customer = CustomerFactory(external_id="C-77", name="老客户", phone="13500000000")
    car = AssetFactory(external_id="LSVAU2180N2000004", plate="沪D00000", customer=customer)
    # The advisor served them before, so he can see them (tests/customers/test_customer_scope.py).
    earlier = WorkOrderFactory(
        service_center=network.sc1, customer=customer, asset=car, advisor=network.advisor
    )
    login(client, network.advisor)
    client.post(
        CREATE,
        new_order(
            network,
            customer_external_id="C-77",
            customer_name="",
            customer_phone="",
            asset_external_id=car.external_id,
            asset_model="",
            asset_plate="沪D99999",
        ),
    )
    order = WorkOrder.objects.exclude(pk=earlier.pk).get()
    assert order.customer == customer and order.asset == car
    car.refresh_from_db()
    assert car.plate == "沪D99999" and Customer.objects.count() == 1


def test_dispatcher_opens_and_dispatches_at_once(client, network):
    login(client, network.dispatcher)
    response = client.post(CREATE, new_order(network, technician=network.tech.employee_no))
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.state == "dispatched" and order.technician == network.tech
    assert order.dispatcher == network.dispatcher


def test_advisor_cannot_sneak_in_a_technician(client, network):
    login(client, network.advisor)
    client.post(CREATE, new_order(network, technician=network.tech.employee_no))
    assert WorkOrder.objects.get().state == "new"


def test_missing_type_is_named_and_nothing_is_written(client, network):
    login(client, network.advisor)
    response = client.post(CREATE, new_order(network, type=""))
    assert response.status_code == 200
    assert form_errors(response) == {"type": ["This field is required."]}
    assert 'data-error-for="type"' in response.content.decode()
    assert "刹车异响" in response.content.decode()  # the input stays
    assert nothing_written()


def test_advisor_from_another_centre_is_refused_next_to_the_field_and_nothing_is_written(client, network):
    login(client, network.regional_manager)
    response = client.post(CREATE, new_order(network, service_center=network.sc2.pk))
    errors = form_errors(response)
    assert list(errors) == ["advisor"]
    assert "works at 上海浦东服务中心, not at 杭州服务中心" in errors["advisor"][0]
    assert nothing_written()  # the customer and car created first were rolled back


def test_technician_from_another_centre_is_refused_and_nothing_is_written(client, network):
    login(client, network.regional_manager)
    response = client.post(CREATE, new_order(network, advisor="", technician=network.tech_sc2.employee_no))
    assert "works at 杭州一组, not at 上海浦东服务中心" in form_errors(response)["technician"][0]
    assert nothing_written()


def test_advisor_outside_the_users_scope_is_unknown(client, network):
    login(client, network.dispatcher)
    response = client.post(CREATE, new_order(network, advisor="T4"))
    assert form_errors(response) == {"advisor": ["There is no employee T4 among the people you can see."]}
    assert nothing_written()


def test_unknown_or_invisible_rework_of_is_refused(client, network):
    WorkOrderFactory(external_id="WO-SC2-OLD", service_center=network.sc2)
    login(client, network.dispatcher)
    for external_id in ("WO-NOPE", "WO-SC2-OLD"):
        response = client.post(CREATE, new_order(network, rework_of=external_id))
        assert form_errors(response) == {
            "rework_of": [f"There is no work order {external_id} among those you can see."]
        }
    assert WorkOrder.objects.count() == 1 and not Customer.objects.exists()


def test_comeback_of_a_visible_order_is_linked(client, network):
    original = WorkOrderFactory(external_id="WO-OLD", service_center=network.sc1)
    login(client, network.dispatcher)
    client.post(CREATE, new_order(network, rework_of=" WO-OLD "))
    assert WorkOrder.objects.exclude(pk=original.pk).get().rework_of == original


def test_due_at_override_is_local_time_and_must_be_ahead(client, network):
    login(client, network.dispatcher)
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    client.post(CREATE, new_order(network, due_at=tomorrow.strftime("%Y-%m-%dT%H:%M")))
    assert WorkOrder.objects.get().due_at == tomorrow.replace(second=0, microsecond=0)
    response = client.post(CREATE, new_order(network, due_at="2020-01-01T08:00"))
    assert "has already passed" in form_errors(response)["due_at"][0]
    assert WorkOrder.objects.count() == 1


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"customer_phone": "call me"}, "customer_phone", "Give a phone number"),
        ({"asset_external_id": ""}, "asset_external_id", "Give the VIN or serial number"),
        ({"difficulty": "0"}, "difficulty", "greater than or equal to 0.01"),
        ({"priority": "asap"}, "priority", "Select a valid choice"),
        ({"due_at": "tomorrow"}, "due_at", "Enter a valid date/time"),
    ],
)
def test_bad_values_are_named_next_to_their_field(client, network, overrides, field, message):
    login(client, network.advisor)
    response = client.post(CREATE, new_order(network, **overrides))
    errors = form_errors(response)
    assert list(errors) == [field] and message in errors[field][0]
    assert nothing_written()


def test_centre_outside_scope_cannot_be_chosen(client, network):
    login(client, network.dispatcher)
    response = client.post(CREATE, new_order(network, service_center=network.sc2.pk))
    assert "service_center" in form_errors(response)
    assert nothing_written()


@pytest.mark.parametrize("who", ["tech", "cs_agent", "hr"])
def test_roles_that_do_not_open_orders_get_403(client, network, who):
    login(client, getattr(network, who))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, new_order(network)).status_code == 403
    assert nothing_written()


def test_auditor_gets_403(client, network):
    client.force_login(network.auditor)
    assert client.get(CREATE).status_code == 403


# --- edit ------------------------------------------------------------------------------


@pytest.fixture
def order(network):
    return services.open_work_order(
        service_center=network.sc1,
        type="repair",
        priority="normal",
        advisor=network.advisor,
        customer_and_asset=services.CustomerAndAsset(
            customer_name="钱女士", customer_phone="13811112222", asset_external_id="LSVAU2180N2000042"
        ),
        description="原描述",
        by=network.advisor.user,
    )


def edit_data(order, **overrides):
    data = {
        "type": order.type,
        "priority": order.priority,
        "channel": order.channel,
        "description": order.description,
        "customer_name": order.customer.name,
        "customer_phone": order.customer.phone,
        "customer_external_id": order.customer.external_id or "",
        "asset_external_id": order.asset.external_id,
        "asset_model": order.asset.model,
        "asset_plate": order.asset.plate,
        "advisor": order.advisor.employee_no if order.advisor else "",
        "difficulty": str(order.difficulty),
        "due_at": timezone.localtime(order.due_at).strftime("%Y-%m-%dT%H:%M") if order.due_at else "",
        "rework_of": "",
        "version": order.version,
    }
    data.update(overrides)
    return data


def edit_url(order):
    return reverse("workorders:edit", args=[order.pk])


def test_edit_form_is_filled_in_from_the_order(client, network, order):
    login(client, network.dispatcher)
    page = client.get(edit_url(order)).content.decode()
    assert "原描述" in page and 'value="13811112222"' in page and f'value="{order.version}"' in page
    assert 'name="service_center"' not in page and 'name="technician"' not in page


def test_raising_the_priority_recomputes_the_due_time_and_logs_the_change(client, network, order):
    login(client, network.dispatcher)
    response = client.post(edit_url(order), edit_data(order, priority="urgent"))
    assert response.status_code == 302 and f"{order.external_id}: saved." in flash(response)
    order.refresh_from_db()
    assert order.priority == "urgent"
    assert order.due_at == order.created_at + datetime.timedelta(hours=12)
    assert order.events.get(action="edit").note.startswith("priority: normal → urgent")


def test_unchanged_form_changes_nothing(client, network, order):
    login(client, network.dispatcher)
    response = client.post(edit_url(order), edit_data(order))
    assert f"{order.external_id}: nothing was changed." in flash(response)
    assert not order.events.filter(action="edit").exists()


def test_an_explicit_due_time_is_kept_and_emptying_it_restores_the_policy(client, network, order):
    login(client, network.dispatcher)
    policy_due = order.due_at
    later = timezone.localtime(order.created_at + datetime.timedelta(days=5)).replace(second=0, microsecond=0)
    client.post(edit_url(order), edit_data(order, due_at=later.strftime("%Y-%m-%dT%H:%M")))
    order.refresh_from_db()
    assert order.due_at == later
    client.post(edit_url(order), edit_data(order, due_at=""))
    order.refresh_from_db()
    assert order.due_at == policy_due


def test_stale_version_says_who_changed_it_keeps_the_input_and_writes_nothing(client, network, order):
    stale = edit_data(order, description="我的新描述")
    services.assign(order, technician=network.tech, by=network.manager.user)
    login(client, network.dispatcher)
    response = client.post(edit_url(order), stale)
    assert response.status_code == 200
    message = " ".join(response.context["form"].non_field_errors())
    assert "was changed by" in message and network.tech.name in message and "Nothing was saved" in message
    page = response.content.decode()
    assert "我的新描述" in page and "data-form-errors" in page
    order.refresh_from_db()
    assert order.description == "原描述"
    # The form now carries the current version: saving again (on purpose) goes through.
    assert response.context["form"].data["version"] == order.version
    retry = client.post(edit_url(order), dict(stale, version=order.version))
    assert retry.status_code == 302
    order.refresh_from_db()
    assert order.description == "我的新描述"


def test_advisor_from_another_centre_is_refused_on_edit(client, network, order):
    login(client, network.regional_manager)
    response = client.post(edit_url(order), edit_data(order, advisor=network.tech_sc2.employee_no))
    assert "works at 杭州一组" in form_errors(response)["advisor"][0]
    order.refresh_from_db()
    assert order.advisor == network.advisor


def test_technician_may_not_edit_even_his_own_order(client, network, order):
    services.assign(order, technician=network.tech, by=network.dispatcher.user)
    login(client, network.tech)
    assert client.get(edit_url(order)).status_code == 403
    assert client.post(edit_url(order), edit_data(order, description="x")).status_code == 403


def test_closed_order_cannot_be_edited(client, network, order):
    WorkOrder.objects.filter(pk=order.pk).update(state="closed")
    login(client, network.dispatcher)
    response = client.get(edit_url(order))
    assert response.status_code == 302 and response["Location"] == reverse(
        "workorders:detail", args=[order.pk]
    )
    assert "can no longer be edited" in " ".join(flash(response))


def test_masked_phone_stays_out_of_the_edit_form_and_on_file(client, network, order):
    clerk = EmployeeFactory(
        employee_no="W1",
        position="warranty_clerk",
        org_unit=network.sc1,
        user=UserFactory(username="w1", role="warranty_clerk"),
    )
    WorkOrder.objects.filter(pk=order.pk).update(advisor=clerk)
    order.refresh_from_db()
    login(client, clerk)
    page = client.get(edit_url(order)).content.decode()
    assert "13811112222" not in page and "138****2222" in page
    response = client.post(edit_url(order), edit_data(order, customer_phone="", description="保修"))
    assert response.status_code == 302, form_errors(response)
    order.refresh_from_db()
    assert order.description == "保修" and order.customer.phone == "13811112222"
    assert Customer.objects.count() == 1


# --- the list's filter form ------------------------------------------------------------


def test_filter_form_returns_the_valid_filters_and_drops_the_rest(network):
    data = QueryDict(mutable=True)
    data.setlist("state", ["new", "dispatched"])
    data.update(
        {
            "technician": " T1 ",
            "created_from": "2026-11-01",
            "created_to": "bad",
            "overdue": "yes",
            "comeback": "no",
            "q": " SS-2026 ",
            "sort": "-due",
        }
    )
    form = WorkOrderFilterForm(data, user=network.manager.user)
    filters = form.filters()
    assert filters.states == ["new", "dispatched"] and filters.technician == network.tech
    assert filters.created_from == datetime.date(2026, 11, 1) and filters.created_to is None
    assert (filters.overdue, filters.comeback, filters.q) == (True, False, "SS-2026")
    assert form.sort_key() == "-due"
    assert list(form.errors) == ["created_to"]


def test_filter_form_defaults_to_everything_newest_first(network):
    form = WorkOrderFilterForm(QueryDict(), user=network.tech.user)
    filters = form.filters()
    assert filters.states == [] and filters.overdue is None and filters.technician is None
    assert form.sort_key() == "-created" and not form.errors


# --- customers and assets --------------------------------------------------------------


# Who may link and change which customer: tests/customers/test_customer_scope.py. Here HR,
# who sees every customer, checks the matching itself.


def test_customer_is_found_by_external_id_then_by_name_and_phone(network):
    hr = network.hr.user
    known = CustomerFactory(external_id="C-1", name="甲", phone="13000000001")
    anonymous = Customer.objects.create(name="乙", phone="13000000002")
    assert find_or_create_customer(by=hr, external_id="C-1") == known
    assert find_or_create_customer(by=hr, name="乙", phone="13000000002") == anonymous
    # An anonymous record takes the id it was missing; a record with another id is someone else.
    assert find_or_create_customer(by=hr, external_id="C-2", name="乙", phone="13000000002") == anonymous
    anonymous.refresh_from_db()
    assert anonymous.external_id == "C-2"
    other = find_or_create_customer(by=hr, external_id="C-3", name="甲", phone="13000000001")
    assert other != known and other.external_id == "C-3"
    assert find_or_create_customer(by=hr) is None


def test_known_customer_gets_a_new_phone_from_hr(network):
    known = CustomerFactory(external_id="C-9", name="丙", phone="13000000009")
    find_or_create_customer(by=network.hr.user, external_id="C-9", name="丙", phone="13900000009")
    known.refresh_from_db()
    assert known.phone == "13900000009"


def test_asset_is_found_by_vin_and_never_moved_to_another_customer(network):
    hr = network.hr.user
    owner, stranger = CustomerFactory(), CustomerFactory()
    car = find_or_create_asset(
        by=hr, external_id="LSVAU2180N2000005", model="ID.3", plate="沪E1", customer=owner
    )
    assert car.kind == "vehicle" and car.customer == owner
    again = find_or_create_asset(by=hr, external_id="LSVAU2180N2000005", plate="沪E2", customer=stranger)
    assert again == car and again.plate == "沪E2" and again.model == "ID.3" and again.customer == owner
    washer = find_or_create_asset(by=hr, external_id="SN-0042", model="洗衣机")
    assert washer.kind == "appliance"
    assert find_or_create_asset(by=hr, model="ID.3", plate="沪E1", customer=owner) is None
