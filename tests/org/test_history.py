"""Per-record history: employees, org units and customers changed in the admin, by the org
services or by an import each get an audit entry (who, when, channel, old → new), shown on
the admin's History page; the trail itself is read-only, for HR, administrators and
auditors only."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from servicescore.core.audit import history_of
from servicescore.core.models import AuditEntry
from servicescore.exchange.importer import run_import
from servicescore.org.models import Employee, OrgUnit
from servicescore.org.services import save_org_unit

from ..conftest import login
from ..factories import CustomerFactory, UserFactory


@pytest.fixture
def hr(network):
    network.hr.user.is_staff = True
    network.hr.user.save()
    return network.hr.user


def employee_form(employee, **overrides):
    data = {
        "employee_no": employee.employee_no,
        "name": employee.name,
        "position": employee.position,
        "org_unit": employee.org_unit_id,
        "manager": employee.manager_id or "",
        "status": employee.status,
        "user": employee.user_id or "",
        "certificates-TOTAL_FORMS": "0",
        "certificates-INITIAL_FORMS": "0",
        "skills-TOTAL_FORMS": "0",
        "skills-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_admin_edit_of_an_employee_is_audited_old_to_new(client, hr, network):
    login(client, hr)
    response = client.post(
        reverse("admin:org_employee_change", args=[network.tech.pk]),
        employee_form(network.tech, org_unit=network.t12.pk, phone="13900000000"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = history_of(network.tech).get()
    assert (entry.action, entry.actor, entry.channel) == ("update", hr, "admin")
    assert entry.changes == {"org_unit": [network.t11.pk, network.t12.pk], "phone": ["", "13900000000"]}


def test_admin_edit_of_an_org_unit_is_audited_old_to_new(client, hr, network):
    login(client, hr)
    response = client.post(
        reverse("admin:org_orgunit_change", args=[network.t11.pk]),
        {"code": "SC1-T1", "name": "机电甲组", "kind": "team", "parent": network.sc1.pk},
    )
    assert response.status_code == 302
    entry = history_of(network.t11).get()
    assert entry.changes == {"name": ["机电一组", "机电甲组"]}


def test_admin_edit_of_a_customer_is_audited_old_to_new(client, hr):
    customer = CustomerFactory(name="王先生", phone="13812345678")
    login(client, hr)
    response = client.post(
        reverse("admin:customers_customer_change", args=[customer.pk]),
        {"external_id": customer.external_id, "name": "王先生", "phone": "13812340000", "address": ""},
    )
    assert response.status_code == 302
    assert history_of(customer).get().changes == {"phone": ["13812345678", "13812340000"]}


def test_admin_delete_of_a_customer_is_audited(client, hr):
    customer = CustomerFactory(name="李女士")
    login(client, hr)
    client.post(reverse("admin:customers_customer_delete", args=[customer.pk]), {"post": "yes"})
    entry = AuditEntry.objects.get(object_id=str(customer.pk), action="delete")
    assert entry.changes["name"] == ["李女士", None]


def test_org_unit_service_audits_a_new_unit(network):
    west = save_org_unit(
        OrgUnit(code="WEST", name="华西大区", kind="region", parent=network.company), by=network.hr.user
    )
    entry = history_of(west).get()
    assert entry.action == "create" and entry.changes["code"] == [None, "WEST"]


def test_history_page_shows_who_changed_what(client, hr, network):
    login(client, hr)
    client.post(
        reverse("admin:org_employee_change", args=[network.tech.pk]),
        employee_form(network.tech, phone="13900000000"),
    )
    response = client.get(reverse("admin:org_employee_history", args=[network.tech.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert hr.username in html and "13900000000" in html


def test_history_page_labels_fields_in_chinese(client, hr, network):
    login(client, hr)
    client.post(
        reverse("admin:org_employee_change", args=[network.tech.pk]),
        employee_form(network.tech, org_unit=network.t12.pk),
    )
    response = client.get(
        reverse("admin:org_employee_history", args=[network.tech.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = response.content.decode()
    assert "机电一组" in html and "机电二组" in html  # the units by name, not by id


def test_import_of_employees_writes_an_entry_per_changed_employee(network):
    text = (
        "employee_no,name,position,org_unit,manager_employee_no\n"
        f"T1,{network.tech.name},technician,SC1-T2,F1\n"
        "N1,新员工,technician,SC1-T1,F1\n"
        f"T2,{network.tech_colleague.name},technician,SC1-T1,F1\n"
    )
    report = run_import("employees", io.BytesIO(text.encode()), name="people.csv", user=network.hr.user)
    assert report.ok, report.errors
    moved = history_of(network.tech).get()
    assert (moved.action, moved.channel, moved.actor_id) == ("update", "import", network.hr.user.pk)
    assert moved.changes == {"org_unit": [network.t11.pk, network.t12.pk]}
    assert moved.reason == "people.csv"
    assert history_of(Employee.objects.get(employee_no="N1")).get().action == "create"
    assert not history_of(network.tech_colleague).exists()  # unchanged


def test_import_of_org_units_writes_an_entry_per_changed_unit(network):
    text = "code,name,kind,parent_code\nSC1-T1,机电甲组,team,SC1\nSC1-T9,机电九组,team,SC1\n"
    report = run_import("org_units", io.BytesIO(text.encode()), name="units.csv", user=network.hr.user)
    assert report.ok, report.errors
    assert history_of(network.t11).get().changes == {"name": ["机电一组", "机电甲组"]}
    new = OrgUnit.objects.get(code="SC1-T9")
    assert history_of(new).get().changes["parent"] == [None, network.sc1.pk]


def test_import_that_changes_a_position_audits_the_role_change(network):
    text = f"employee_no,name,position,org_unit,manager_employee_no\nT1,{network.tech.name},foreman,SC1-T1,\n"
    report = run_import("employees", io.BytesIO(text.encode()), name="people.csv", user=network.hr.user)
    assert report.ok, report.errors
    network.tech.user.refresh_from_db()
    assert network.tech.user.role == "foreman"
    assert history_of(network.tech.user).get().changes == {"role": ["technician", "foreman"]}


def test_audit_trail_admin_is_read_only_even_for_a_superuser(client, network):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    save_org_unit(network.t11, by=root)
    network.t11.name = "x"
    save_org_unit(network.t11, by=root)
    entry = AuditEntry.objects.first()
    login(client, root)
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert (
        client.post(reverse("admin:core_auditentry_change", args=[entry.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk, reason="").exists()


def test_auditor_reads_the_audit_trail(client, network):
    network.auditor.is_staff = True
    network.auditor.save()
    login(client, network.auditor)
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 200


def test_service_manager_cannot_read_the_audit_trail(client, network):
    manager = network.manager.user
    manager.is_staff = True
    manager.save()
    manager.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    login(client, manager)
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 403


def test_profile_shows_the_record_history_to_hr(client, network):
    network.tech.phone = "13911112222"
    from servicescore.org.services import save_employee

    save_employee(network.tech, by=network.hr.user)
    login(client, network.hr)
    page = client.get(reverse("org:profile", args=[network.tech.pk])).content.decode()
    assert "data-record-history" in page and "13911112222" in page


def test_profile_does_not_show_the_record_history_to_the_employee_himself(client, network):
    login(client, network.tech)
    page = client.get(reverse("org:profile", args=[network.tech.pk])).content.decode()
    assert "data-record-history" not in page


def test_customer_history_masks_the_phone_for_a_role_that_may_not_see_it(client, network):
    from servicescore.customers.models import Customer

    customer = CustomerFactory(name="王先生", phone="13812345678")
    hr = network.hr.user
    hr.is_staff = True
    hr.save()
    login(client, hr)
    client.post(
        reverse("admin:customers_customer_change", args=[customer.pk]),
        {"external_id": customer.external_id, "name": "王先生", "phone": "13812340000", "address": ""},
    )
    network.auditor.is_staff = True
    network.auditor.save()
    login(client, network.auditor)
    entry = AuditEntry.objects.get(object_id=str(customer.pk))
    page = client.get(reverse("admin:core_auditentry_change", args=[entry.pk])).content.decode()
    history = client.get(reverse("admin:customers_customer_history", args=[customer.pk])).content.decode()
    for html in (page, history):
        assert "13812345678" not in html and "13812340000" not in html
        assert "138****0000" in html
    assert Customer.objects.get(pk=customer.pk).phone == "13812340000"


def test_audit_entry_page_shows_the_changes_in_words_not_codes(client, hr, network):
    login(client, hr)
    client.post(
        reverse("admin:org_employee_change", args=[network.tech.pk]),
        employee_form(network.tech, status=Employee.Status.LEFT),
    )
    entry = history_of(network.tech).get()
    page = client.get(
        reverse("admin:core_auditentry_change", args=[entry.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "status: Active → Left" in page
    listing = client.get(
        reverse("admin:core_auditentry_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "changed" in listing and "admin" in listing
