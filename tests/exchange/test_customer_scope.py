"""A service manager's import links only the customers and vehicles his subtree can see and
does not rewrite a customer's name or phone; HR's import may, and every customer or vehicle
the importer writes has an audit entry."""

from servicescore.core.audit import history_of
from servicescore.customers.models import Asset, Customer
from servicescore.exchange.importer import run_import
from servicescore.workorders.models import WorkOrder

from ..customers.conftest import other_centres_customer
from ..factories import CustomerFactory, WorkOrderFactory

HEADER = "external_id,service_center,type,created_at,customer_external_id,customer_name,customer_phone,asset_external_id,asset_model\n"


def import_orders(runner, user, *rows):
    path = runner.file("orders.csv", HEADER + "".join(f"{row}\n" for row in rows))
    return run_import("work_orders", path, name="orders.csv", user=user)


def errors_of(report):
    return [(error.row, error.column) for error in report.errors]


def test_a_managers_import_naming_another_centres_customer_is_refused_for_that_row(runner, network):
    customer, _car = other_centres_customer(network)
    report = import_orders(
        runner,
        network.manager.user,
        "IMP-1,SC1,repair,2026-10-05T10:00:00+08:00,,新客户,13100000000,,",
        "IMP-2,SC1,repair,2026-10-05T10:00:00+08:00,C-SC2,冒名,13000000000,,",
    )
    assert errors_of(report) == [(3, "customer_external_id")]
    assert "杭州客户" not in str(report.errors[0]) and "13955556666" not in str(report.errors[0])
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.phone) == ("杭州客户", "13955556666")
    assert not WorkOrder.objects.filter(external_id__startswith="IMP-").exists()
    assert Customer.objects.count() == 1


def test_a_managers_import_naming_another_centres_vehicle_is_refused_for_that_row(runner, network):
    _customer, car = other_centres_customer(network)
    report = import_orders(
        runner, network.manager.user, f"IMP-1,SC1,repair,2026-10-05T10:00:00+08:00,,,,{car.external_id},改款"
    )
    assert errors_of(report) == [(2, "asset_external_id")]
    assert Asset.objects.get(pk=car.pk).model == "ID.4"
    assert not WorkOrder.objects.filter(external_id="IMP-1").exists()


def test_a_managers_import_does_not_rename_a_customer_of_his_centre(runner, network):
    mine = CustomerFactory(external_id="C-1", name="甲", phone="13000000001")
    WorkOrderFactory(service_center=network.sc1, customer=mine)
    report = import_orders(
        runner, network.manager.user, "IMP-1,SC1,repair,2026-10-05T10:00:00+08:00,C-1,乙,,,"
    )
    assert errors_of(report) == [(2, "customer_name")]
    assert "only HR or an administrator" in report.errors[0].message
    assert Customer.objects.get(pk=mine.pk).name == "甲"


def test_a_managers_import_files_a_new_customer_for_a_name_and_phone_known_only_elsewhere(runner, network):
    theirs = Customer.objects.create(name="无号客户", phone="13011112222")
    WorkOrderFactory(service_center=network.sc2, customer=theirs)
    report = import_orders(
        runner, network.manager.user, "IMP-1,SC1,repair,2026-10-05T10:00:00+08:00,,无号客户,13011112222,,"
    )
    assert report.ok, report.errors
    assert WorkOrder.objects.get(external_id="IMP-1").customer_id != theirs.pk


def test_hrs_import_updates_another_centres_customer_with_old_and_new_in_the_audit(runner, network):
    customer, car = other_centres_customer(network)
    report = import_orders(
        runner,
        network.hr.user,
        f"IMP-1,SC1,repair,2026-10-05T10:00:00+08:00,C-SC2,杭州客户,13900000000,{car.external_id},ID.4 Crozz",
    )
    assert report.ok, report.errors
    assert WorkOrder.objects.get(external_id="IMP-1").customer == customer
    entry = history_of(customer).get()
    assert (entry.action, entry.actor, entry.changes) == (
        "update",
        network.hr.user,
        {"phone": ["13955556666", "13900000000"]},
    )
    assert history_of(car).get().changes == {"model": ["ID.4", "ID.4 Crozz"]}


def test_customers_and_vehicles_an_import_creates_are_audited(runner, network):
    report = import_orders(
        runner,
        network.manager.user,
        "IMP-1,SC1,repair,2026-10-05T10:00:00+08:00,C-NEW,新客户,13100000000,LSVAU2180N2000111,ID.3",
    )
    assert report.ok, report.errors
    customer = Customer.objects.get(external_id="C-NEW")
    entry = history_of(customer).get()
    assert (entry.action, entry.actor, entry.channel) == ("create", network.manager.user, "import")
    assert entry.changes["name"] == [None, "新客户"]
    assert history_of(Asset.objects.get(external_id="LSVAU2180N2000111")).get().action == "create"
