"""Someone who leaves signs in no more (org.services.close_leavers_accounts): marking an
employee "left" — in the admin, through save_employee, or by an employee import —
deactivates their log-in, audited; their session ends and their API token stops. Nobody
is reactivated by it."""

import io

import pytest

from servicescore.api.models import ApiToken
from servicescore.core.models import AuditEntry
from servicescore.exchange.importer import run_import
from servicescore.org.models import Employee
from servicescore.org.services import save_employee

pytestmark = pytest.mark.django_db

HEADER = "employee_no,name,position,org_unit,manager_employee_no,status\n"


def _left(employee):
    employee.refresh_from_db()
    employee.user.refresh_from_db()
    return employee.user


def test_saving_an_employee_as_left_closes_the_log_in(network):
    network.tech.status = Employee.Status.LEFT
    save_employee(network.tech, by=network.hr.user, reason="离职")
    user = _left(network.tech)
    assert user.is_active is False
    entry = AuditEntry.objects.filter(object_id=str(user.pk), action="update").latest("pk")
    assert entry.changes == {"is_active": [True, False]}


def test_an_import_with_status_left_closes_the_log_in(network):
    text = f"T1,{network.tech.name},technician,SC1-T1,F1,left\n"
    report = run_import(
        "employees", io.BytesIO((HEADER + text).encode()), name="people.csv", user=network.hr.user
    )
    assert report.ok, report.errors
    assert _left(network.tech).is_active is False
    assert network.tech_colleague.user.is_active is True


def test_the_session_of_someone_who_left_ends(client, network):
    client.force_login(network.tech.user)
    assert client.get("/").status_code == 200
    network.tech.status = Employee.Status.LEFT
    save_employee(network.tech, by=network.hr.user)
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_api_token_of_someone_who_left_stops(client, network):
    _token, raw = ApiToken.issue(user=network.tech.user, name="phone", scopes=("read",))
    network.tech.status = Employee.Status.LEFT
    save_employee(network.tech, by=network.hr.user)
    response = client.get("/api/appraisal/todo", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_coming_back_does_not_reopen_the_log_in(network):
    network.tech.status = Employee.Status.LEFT
    save_employee(network.tech, by=network.hr.user)
    network.tech.status = Employee.Status.ACTIVE
    save_employee(network.tech, by=network.hr.user)
    assert _left(network.tech).is_active is False
