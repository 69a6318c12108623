"""An employee import changes the role of a log-in only as far as the importing user may
hand out that role (core/policy.py): a service manager cannot make an HR account by
importing the position `hr`, nor change his own role."""

import io

from servicescore.exchange.importer import run_import

HEADER = "employee_no,name,position,org_unit,manager_employee_no\n"


def imported(text, user):
    return run_import("employees", io.BytesIO((HEADER + text).encode()), name="people.csv", user=user)


def test_service_manager_cannot_promote_a_technician_to_hr_by_import(network):
    report = imported(f"T1,{network.tech.name},hr,SC1-T1,F1\n", network.manager.user)
    assert [(e.row, e.column) for e in report.errors] == [(2, "position")]
    assert "t1" in report.errors[0].message
    network.tech.user.refresh_from_db()
    network.tech.refresh_from_db()
    assert (network.tech.user.role, network.tech.position) == ("technician", "technician")


def test_service_manager_cannot_change_his_own_role_by_import(network):
    report = imported(f"M1,{network.manager.name},technician,SC1,\n", network.manager.user)
    assert [(e.row, e.column) for e in report.errors] == [(2, "position")]
    network.manager.user.refresh_from_db()
    assert network.manager.user.role == "service_manager"


def test_service_manager_may_make_a_technician_a_foreman_by_import(network):
    report = imported(f"T1,{network.tech.name},foreman,SC1-T1,M1\n", network.manager.user)
    assert report.ok, report.errors
    network.tech.user.refresh_from_db()
    assert network.tech.user.role == "foreman"
