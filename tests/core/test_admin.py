"""The admin: every page opens for HR, querysets follow org/scope.py, auditors only read,
phones stay masked, work-order state is read-only and the org tree stays a tree."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from servicescore.org.models import OrgUnit
from servicescore.workorders.models import WorkOrder

from ..conftest import login
from ..factories import AssetFactory, CustomerFactory, WorkOrderFactory


def admin_url(model, view="changelist", *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def make_staff(user, *perms):
    user.is_staff = True
    user.save()
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def orders(network):
    customer = CustomerFactory(name="王先生", phone="13812345678")
    asset = AssetFactory(customer=customer, plate="沪A12345")
    return {
        "mine": WorkOrderFactory(
            external_id="WO-T1",
            service_center=network.sc1,
            technician=network.tech,
            customer=customer,
            asset=asset,
        ),
        "colleague": WorkOrderFactory(
            external_id="WO-T2", service_center=network.sc1, technician=network.tech_colleague
        ),
        "other_team": WorkOrderFactory(
            external_id="WO-T3",
            service_center=network.sc1,
            technician=network.tech_other_team,
            state="dispatched",  # a new order would be on the foreman's board (his centre's waiting work)
        ),
        "other_centre": WorkOrderFactory(
            external_id="WO-T4", service_center=network.sc2, technician=network.tech_sc2
        ),
    }


def test_hr_can_open_every_changelist_and_add_page(client, network, orders):
    login(client, make_staff(network.hr.user))
    assert client.get(reverse("admin:index")).status_code == 200
    for model, model_admin in admin.site._registry.items():
        response = client.get(admin_url(model))
        if model._meta.app_label == "api":  # API tokens and their log are for administrators only
            assert response.status_code == 403, model._meta.label
            continue
        assert response.status_code == 200, model._meta.label
        add = client.get(admin_url(model, "add"))
        expected = 200 if model_admin.has_add_permission(response.wsgi_request) else 403
        assert add.status_code == expected, model._meta.label


def test_hr_can_open_a_work_order_and_an_employee(client, network, orders):
    login(client, make_staff(network.hr.user))
    assert client.get(admin_url(WorkOrder, "change", orders["mine"].pk)).status_code == 200
    assert client.get(admin_url(type(network.tech), "change", network.tech.pk)).status_code == 200


def test_foreman_sees_only_his_teams_work_orders(client, network, orders):
    login(client, make_staff(network.foreman.user, "view_workorder"))
    response = client.get(admin_url(WorkOrder))
    assert response.status_code == 200
    shown = {o.external_id for o in response.context["cl"].result_list}
    assert shown == {"WO-T1", "WO-T2"}


def test_out_of_scope_work_order_is_not_found_in_admin(client, network, orders):
    login(client, make_staff(network.foreman.user, "view_workorder"))
    response = client.get(admin_url(WorkOrder, "change", orders["other_centre"].pk))
    # The admin redirects a missing object to its index with a message, never shows it.
    assert response.status_code == 302


def test_work_order_changelist_query_count_does_not_grow(client, network, django_assert_max_num_queries):
    login(client, make_staff(network.hr.user))
    for _ in range(3):
        WorkOrderFactory(service_center=network.sc1, technician=network.tech, customer=CustomerFactory())
    with django_assert_max_num_queries(12) as few:
        client.get(admin_url(WorkOrder))
    for _ in range(30):
        WorkOrderFactory(service_center=network.sc1, technician=network.tech, customer=CustomerFactory())
    with django_assert_max_num_queries(len(few)):
        client.get(admin_url(WorkOrder))


def test_employee_changelist_query_count_does_not_grow(client, network, django_assert_max_num_queries):
    from ..factories import EmployeeFactory, UserFactory

    login(client, make_staff(network.hr.user))
    with django_assert_max_num_queries(12) as few:
        client.get(admin_url(type(network.tech)))
    for i in range(20):
        EmployeeFactory(org_unit=network.t12, manager=network.foreman, user=UserFactory(username=f"extra{i}"))
    with django_assert_max_num_queries(len(few)):
        client.get(admin_url(type(network.tech)))


def test_auditor_reads_but_cannot_change_or_delete(client, network, orders):
    auditor = make_staff(network.auditor)
    login(client, auditor)
    order = orders["mine"]
    assert client.get(admin_url(WorkOrder)).status_code == 200
    assert client.get(admin_url(WorkOrder, "change", order.pk)).status_code == 200
    response = client.post(admin_url(WorkOrder, "change", order.pk), {"external_id": "HACKED"})
    assert response.status_code == 403
    assert client.post(admin_url(WorkOrder, "delete", order.pk), {"post": "yes"}).status_code == 403
    assert client.get(admin_url(WorkOrder, "add")).status_code == 403
    assert client.post(admin_url(OrgUnit, "change", network.t11.pk), {"name": "x"}).status_code == 403
    order.refresh_from_db()
    assert order.external_id == "WO-T1"
    assert WorkOrder.objects.filter(pk=order.pk).exists()


def test_customer_phone_is_masked_for_roles_that_may_not_see_it(client, network, orders):
    technician = make_staff(network.tech.user, "view_customer")
    login(client, technician)
    response = client.get(admin_url(type(orders["mine"].customer)))
    html = response.content.decode()
    assert "138****5678" in html and "13812345678" not in html
    change = client.get(admin_url(type(orders["mine"].customer), "change", orders["mine"].customer_id))
    assert "13812345678" not in change.content.decode()
    # Searching by the number would reveal it, so the phone is not searched.
    found = client.get(admin_url(type(orders["mine"].customer)), {"q": "13812345678"})
    assert not found.context["cl"].result_list


def test_customer_phone_is_shown_to_hr(client, network, orders):
    login(client, make_staff(network.hr.user))
    html = client.get(admin_url(type(orders["mine"].customer))).content.decode()
    assert "13812345678" in html


def test_work_order_state_is_read_only(client, network, orders):
    login(client, make_staff(network.hr.user))
    form = client.get(admin_url(WorkOrder, "change", orders["mine"].pk)).context["adminform"].form
    assert "state" not in form.fields
    assert "completed_at" not in form.fields


def test_org_unit_cycle_is_refused_with_a_message(client, network):
    login(client, make_staff(network.hr.user))
    response = client.post(
        admin_url(OrgUnit, "change", network.sc1.pk),
        {"code": "SC1", "name": network.sc1.name, "kind": "service_center", "parent": network.t11.pk},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "parent" in errors
    network.sc1.refresh_from_db()
    assert network.sc1.parent_id == network.region.pk


def test_org_unit_moved_in_admin_gets_new_paths(client, network):
    login(client, make_staff(network.hr.user))
    response = client.post(
        admin_url(OrgUnit, "change", network.t11.pk),
        {"code": "SC1-T1", "name": network.t11.name, "kind": "team", "parent": network.sc2.pk},
    )
    assert response.status_code == 302
    network.t11.refresh_from_db()
    assert network.t11.path == f"{network.sc2.path}{network.t11.pk}/"


def test_new_work_order_from_admin_goes_through_the_service(client, network):
    login(client, make_staff(network.hr.user))
    response = client.post(
        admin_url(WorkOrder, "add"),
        {
            "external_id": "WO-NEW",
            "service_center": network.sc1.pk,
            "type": "repair",
            "priority": "normal",
            "created_at_0": "2026-11-01",
            "created_at_1": "09:00:00",
            "difficulty": "1.0",
            "visits": "1",
            "labour_lines-TOTAL_FORMS": "0",
            "labour_lines-INITIAL_FORMS": "0",
            "parts_lines-TOTAL_FORMS": "0",
            "parts_lines-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    order = WorkOrder.objects.get(external_id="WO-NEW")
    assert order.state == "new"
    assert list(order.events.values_list("action", flat=True)) == ["create"]


def test_foreman_cannot_pick_an_org_unit_outside_his_scope(client, network):
    login(client, make_staff(network.foreman.user, "view_orgunit", "change_orgunit"))
    assert client.get(admin_url(OrgUnit, "change", network.sc2.pk)).status_code == 302
    response = client.post(
        admin_url(OrgUnit, "change", network.t11.pk),
        {"code": "SC1-T1", "name": "x", "kind": "team", "parent": network.sc2.pk},
    )
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors


def test_stored_results_in_admin_follow_the_scope(client, network):
    """A person's results document opens for whoever may see the person; a foreman
    guessing the id of another centre's technician's is sent away, never shown it."""
    from servicescore.kpi.models import EmployeeResults

    from ..factories import employee_result

    employee_result(network.tech, indicator="FTFR", value=80.0)
    employee_result(network.tech_sc2, indicator="FTFR", value=60.0)
    mine = EmployeeResults.objects.get(employee=network.tech)
    theirs = EmployeeResults.objects.get(employee=network.tech_sc2)
    login(client, make_staff(network.foreman.user, "view_employeeresults"))
    listed = client.get(admin_url(EmployeeResults))
    assert {doc.pk for doc in listed.context["cl"].result_list} == {mine.pk}
    assert client.get(admin_url(EmployeeResults, "change", mine.pk)).status_code == 200
    assert client.get(admin_url(EmployeeResults, "change", theirs.pk)).status_code == 302
