"""Every KIND imports, re-imports unchanged, and exports in its own columns."""

import datetime

import pytest
from openpyxl import Workbook

from servicescore.customers.models import Asset, Customer
from servicescore.kpi.models import MetricFact
from servicescore.org.models import Employee, OrgUnit
from servicescore.voice.models import Complaint, FollowUp, SurveyResponse
from servicescore.workorders.models import LabourLine, State, WorkOrder

from .conftest import FILES

EXPECTED_CREATED = {
    "org_units": 5,
    "employees": 7,
    "work_orders": 4,
    "labour_lines": 2,
    "survey_responses": 2,
    "followups": 2,
    "complaints": 2,
    "metric_facts": 3,
}
# WO-1's work-order row made a labour line too.
EXPECTED_STORED = {**EXPECTED_CREATED, "labour_lines": 3}


def test_every_kind_imports_and_a_second_import_changes_nothing(runner):
    for kind, text in FILES.items():
        path = runner.file(f"{kind}.csv", text)
        code, report = runner.run(kind, path)
        assert code == 0, report["errors"]
        assert report == {
            "kind": kind,
            "created": EXPECTED_CREATED[kind],
            "updated": 0,
            "unchanged": 0,
            "dry_run": False,
            "errors": [],
            "error_count": 0,
            "errors_truncated": False,
        }
        code, again = runner.run(kind, path)
        assert (code, again["created"], again["updated"], again["unchanged"]) == (
            0,
            0,
            0,
            EXPECTED_CREATED[kind],
        )


def test_imported_work_orders_get_state_deadlines_people_customer_and_labour(loaded):
    wo1 = WorkOrder.objects.select_related("customer", "asset", "technician").get(external_id="WO-1")
    assert wo1.state == State.CLOSED
    assert wo1.technician.employee_no == "T1"
    assert wo1.customer.phone == "13912345678"
    assert wo1.asset.kind == Asset.Kind.VEHICLE and wo1.asset.model == "比亚迪 汉 EV"
    assert wo1.due_at is not None and wo1.response_due_at is not None  # from the SLA policy
    wo2 = WorkOrder.objects.get(external_id="WO-2")
    # Without an offset a timestamp is company-local time (Asia/Shanghai).
    assert wo2.created_at == datetime.datetime(2026, 10, 3, 0, 0, tzinfo=datetime.UTC)
    assert wo2.state == State.NEW
    assert WorkOrder.objects.get(external_id="WO-3").rework_of == wo1
    assert WorkOrder.objects.get(external_id="WO-4").state == State.CANCELLED
    # labour_lines replaced WO-3's lines with two technicians' lines.
    assert sorted(
        LabourLine.objects.filter(work_order__external_id="WO-3").values_list(
            "technician__employee_no", flat=True
        )
    ) == ["T1", "T2"]
    assert Customer.objects.count() == 2  # C1 appears twice, stored once
    assert Employee.objects.get(employee_no="T1").manager.employee_no == "F1"
    assert OrgUnit.objects.get(code="SC1-T1").path.startswith(OrgUnit.objects.get(code="ACME").path)
    assert SurveyResponse.objects.get(external_id="S-1").overall == 5
    assert FollowUp.objects.get(external_id="F-2").reached is False
    assert Complaint.objects.get(external_id="K-2").valid is False
    assert MetricFact.objects.get(indicator="AVAILABLE_HOURS", org_unit__code="SC1").value == 1200


@pytest.mark.parametrize("kind", list(FILES))
def test_an_export_imported_again_reports_everything_unchanged(loaded, kind):
    exported = loaded.export(kind)
    header = exported.splitlines()[0].split(",")
    assert header == _columns(kind)
    code, report = loaded.run(kind, loaded.file(f"{kind}-export.csv", exported))
    assert code == 0, report["errors"]
    assert (report["created"], report["updated"]) == (0, 0)
    assert report["unchanged"] == EXPECTED_STORED[kind]


@pytest.mark.parametrize("kind", ["work_orders", "employees", "metric_facts", "survey_responses"])
def test_an_xlsx_export_imported_again_reports_everything_unchanged(loaded, kind):
    path = loaded.tmp_path / f"{kind}.xlsx"
    loaded.export(kind, "--format", "xlsx", "--out", str(path))
    code, report = loaded.run(kind, path)
    assert code == 0, report["errors"]
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, EXPECTED_CREATED[kind])


def test_export_by_org_keeps_to_the_subtree(loaded):
    lines = loaded.export("work_orders", "--org", "SC2").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["WO-4"]
    employees = loaded.export("employees", "--org", "SC1-T1").splitlines()[1:]
    assert sorted(line.split(",")[0] for line in employees) == ["F1", "T1", "T2"]


def test_changing_a_row_counts_as_updated_and_only_that_row(loaded):
    text = FILES["employees"].replace("赵技师", "赵大技师")
    code, report = loaded.run("employees", loaded.file("e2.csv", text))
    assert (code, report["created"], report["updated"], report["unchanged"]) == (0, 0, 1, 6)
    assert Employee.objects.get(employee_no="T2").name == "赵大技师"


def test_an_xlsx_workbook_is_read_from_its_first_sheet(runner):
    runner.load("org_units")
    workbook = Workbook()
    first = workbook.active
    first.title = "科室"
    first.append(["code", "name", "kind", "parent_code"])
    first.append(["SC9", "苏州服务中心", "service_center", "EAST"])
    second = workbook.create_sheet("说明")
    second.append(["this sheet is ignored"])
    path = runner.tmp_path / "units.xlsx"
    workbook.save(path)
    code, report = runner.run("org_units", path)
    assert (code, report["created"]) == (0, 1)
    assert OrgUnit.objects.get(code="SC9").parent.code == "EAST"


def test_dry_run_reports_the_counts_and_writes_nothing(runner):
    runner.load("org_units", "employees")
    path = runner.file("wo.csv", FILES["work_orders"])
    code, report = runner.run("work_orders", path, "--dry-run")
    assert (code, report["created"], report["dry_run"]) == (0, 4, True)
    assert WorkOrder.objects.count() == 0 and Customer.objects.count() == 0


def _columns(kind):
    from servicescore.exchange.kinds import KINDS

    return KINDS[kind]().header
