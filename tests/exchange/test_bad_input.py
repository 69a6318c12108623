"""Every bad file is rejected whole, with `row N, column C: message`, and nothing changes."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicescore.cli import main
from servicescore.customers.models import Customer
from servicescore.exchange.kinds.workorders import WorkOrders
from servicescore.org.models import Employee, OrgUnit
from servicescore.voice.models import Complaint
from servicescore.workorders.models import LabourLine, WorkOrder, WorkOrderEvent

WO_HEADER = (
    "external_id,service_center,type,created_at,started_at,completed_at,technician,difficulty,clocked_hours"
)


def snapshot():
    return (
        OrgUnit.objects.count(),
        Employee.objects.count(),
        WorkOrder.objects.count(),
        Customer.objects.count(),
        LabourLine.objects.count(),
        WorkOrderEvent.objects.count(),
        list(WorkOrder.objects.order_by("pk").values_list("external_id", "state", "technician_id")),
    )


@pytest.fixture
def base(runner):
    runner.load("org_units", "employees", "work_orders")
    return runner


def rejected(runner, kind, text, **kwargs):
    before = snapshot()
    code, report = runner.run(kind, runner.file(f"bad-{kind}.csv", text, **kwargs))
    assert code == 1
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 0)
    assert snapshot() == before, "a rejected file must leave the database unchanged"
    return [(e["row"], e["column"], e["message"]) for e in report["errors"]]


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("WO-9,SC1,repair,2026-10-05T10:00:00,,,T9,,", "technician", "unknown employee_no T9"),
        ("WO-9,SCX,repair,2026-10-05T10:00:00,,,,,", "service_center", "unknown org unit code SCX"),
        ("WO-9,SC1-T1,repair,2026-10-05T10:00:00,,,,,", "service_center", "not a service centre"),
        ("WO-9,SC1,repair,2026-10-05,,,,,", "created_at", "date without a time"),
        ("WO-9,SC1,repair,05/10/2026 10:00,,,,,", "created_at", "is ambiguous"),
        ("WO-9,SC1,repair,5 Oct 2026 10:00,,,,,", "created_at", "not a date and time"),
        ("WO-9,SC1,repair,2026-10-05T10:00:00,,,T1,0,", "difficulty", "greater than 0"),
        ("WO-9,SC1,repair,2026-10-05T10:00:00,,,T1,,-2", "clocked_hours", "must not be negative"),
        ("WO-9,SC1,repairs,2026-10-05T10:00:00,,,,,", "type", "unknown value repairs"),
        (
            "WO-9,SC1,repair,2026-10-05T10:00:00,2026-10-05T12:00:00,2026-10-05T11:00:00,T1,,",
            "completed_at",
            "earlier than started_at",
        ),
        (
            "WO-9,SC1,repair,2026-10-05T10:00:00,2026-10-05T09:00:00,,,,",
            "started_at",
            "earlier than created_at",
        ),
        (
            "WO-9,SC1,repair,2026-10-05T10:00:00,2026-10-05T11:00:00,2026-10-05T12:00:00,,,",
            "technician",
            "completed work order needs a technician",
        ),
        (",SC1,repair,2026-10-05T10:00:00,,,,,", "external_id", "required value is missing"),
    ],
)
def test_a_bad_work_order_row_names_its_row_column_and_reason(base, row, column, message):
    # A good row first: it must not be written either.
    text = f"{WO_HEADER}\nWO-8,SC1,repair,2026-10-05T09:00:00,,,T1,,\n{row}\n"
    errors = rejected(base, "work_orders", text)
    assert len(errors) == 1, errors
    assert errors[0][:2] == (3, column)
    assert message in errors[0][2]


def test_every_bad_row_is_reported_not_just_the_first(base):
    text = (
        f"{WO_HEADER}\nWO-9,SCX,repair,2026-10-05T10:00:00,,,,,\n"
        "WO-10,SC1,repair,2026-10-05T10:00:00,,,T9,0,\n"
    )
    errors = rejected(base, "work_orders", text)
    assert [(r, c) for r, c, _m in errors] == [(2, "service_center"), (3, "technician"), (3, "difficulty")]


def test_a_duplicate_external_id_in_one_file_is_rejected(base):
    text = (
        f"{WO_HEADER}\nWO-9,SC1,repair,2026-10-05T10:00:00,,,,,\nWO-9,SC1,repair,2026-10-06T10:00:00,,,,,\n"
    )
    assert rejected(base, "work_orders", text) == [
        (3, "external_id", "duplicate external_id WO-9 (also on row 2)")
    ]


def test_an_unknown_column_is_rejected_before_any_row(base):
    errors = rejected(
        base, "work_orders", f"{WO_HEADER},technican\nWO-9,SC1,repair,2026-10-05T10:00:00,,,,,,T1\n"
    )
    assert errors[0][:2] == (1, "technican") and "unknown column" in errors[0][2]


def test_a_missing_required_column_is_rejected(base):
    errors = rejected(base, "work_orders", "external_id,type,created_at\nWO-9,repair,2026-10-05T10:00:00\n")
    assert errors == [(1, "service_center", "required column is missing")]


def test_a_csv_that_is_not_utf8_is_rejected_with_a_hint(base):
    errors = rejected(
        base,
        "org_units",
        "code,name,kind,parent_code\nSC7,广州服务中心,service_center,EAST\n",
        encoding="gb18030",
    )
    assert errors[0][0] == 2
    assert "not UTF-8" in errors[0][2] and "GB18030" in errors[0][2]


def test_a_leading_bom_is_accepted(base):
    code, report = base.run(
        "org_units", base.file("bom.csv", "\ufeffcode,name,kind,parent_code\nSC7,广州,service_center,EAST\n")
    )
    assert (code, report["created"]) == (0, 1)


def test_a_later_bad_chunk_rolls_back_the_chunks_already_written(base, monkeypatch):
    monkeypatch.setattr(WorkOrders, "chunk_size", 2)
    rows = [f"WO-{n},SC1,repair,2026-10-05T10:00:00,,,,," for n in range(10, 17)]
    rows.append("WO-99,SC1,repair,not-a-time,,,,,")
    errors = rejected(base, "work_orders", WO_HEADER + "\n" + "\n".join(rows) + "\n")
    assert errors[0][:2] == (9, "created_at")


def test_a_comeback_may_name_an_original_later_in_the_file_even_across_chunks(base, monkeypatch):
    monkeypatch.setattr(WorkOrders, "chunk_size", 2)
    text = (
        "external_id,service_center,type,created_at,rework_of\n"
        "WO-20,SC1,repair,2026-10-09T10:00:00,WO-23\n"
        "WO-21,SC1,repair,2026-10-09T10:00:00,\n"
        "WO-22,SC1,repair,2026-10-09T10:00:00,\n"
        "WO-23,SC1,repair,2026-10-01T10:00:00,\n"
    )
    code, report = base.run("work_orders", base.file("fwd.csv", text))
    assert (code, report["created"]) == (0, 4)
    assert WorkOrder.objects.get(external_id="WO-20").rework_of.external_id == "WO-23"


def test_a_comeback_of_an_unknown_work_order_is_rejected(base):
    text = (
        "external_id,service_center,type,created_at,rework_of\nWO-20,SC1,repair,2026-10-09T10:00:00,WO-404\n"
    )
    assert rejected(base, "work_orders", text) == [(2, "rework_of", "unknown work order WO-404")]


def test_labour_lines_with_negative_hours_or_unknown_people_are_rejected(base):
    text = "work_order_external_id,technician,standard_hours,clocked_hours\nWO-1,T1,-1,2\nWO-1,T9,1,1\nWO-404,T2,1,1\n"
    errors = rejected(base, "labour_lines", text)
    assert [(r, c) for r, c, _m in errors] == [
        (2, "standard_hours"),
        (3, "technician"),
        (4, "work_order_external_id"),
    ]


def test_survey_ratings_out_of_range_are_rejected(base):
    text = (
        "external_id,work_order_external_id,submitted_at,overall,nps\n"
        "S-9,WO-1,2026-10-02T12:00:00+08:00,6,11\n"
    )
    errors = rejected(base, "survey_responses", text)
    assert [(r, c) for r, c, _m in errors] == [(2, "overall"), (2, "nps")]


def test_a_complaint_resolved_before_it_was_received_is_rejected(base):
    text = "external_id,received_at,resolved_at,valid\nK-9,2026-10-21T09:00:00,2026-10-20T09:00:00,maybe\n"
    errors = rejected(base, "complaints", text)
    assert [(r, c) for r, c, _m in errors] == [(2, "valid"), (2, "resolved_at")]
    assert not Complaint.objects.exists()


def test_a_fact_needs_a_known_indicator_and_exactly_one_owner(base):
    text = (
        "indicator,period,value,employee,org_unit\n"
        "NO_SUCH,2026-10,1,T1,\nAVAILABLE_HOURS,2026-13,1,T1,\nAVAILABLE_HOURS,2026-10,1,T1,SC1\n"
        "AVAILABLE_HOURS,2026-10,1,,\n"
    )
    errors = rejected(base, "metric_facts", text)
    assert [(r, c) for r, c, _m in errors] == [
        (2, "indicator"),
        (3, "period"),
        (4, "org_unit"),
        (5, "employee"),
    ]


def test_org_units_may_not_form_a_loop_or_break_the_kind_order(base):
    text = (
        "code,name,kind,parent_code\nR8,区域,region,R9\nR9,区域,region,R8\nR7,区域,region,SC1\n"
        "SC1,改名,team,EAST\n"
    )
    errors = [(r, c) for r, c, _m in rejected(base, "org_units", text)]
    assert (2, "parent_code") in errors  # R8 → R9 → R8
    assert (4, "parent_code") in errors  # a region under a service centre
    assert (5, "kind") in errors  # SC1 as a team would have a team under it


def test_an_employee_manager_unknown_or_self_is_rejected(base):
    text = "employee_no,name,position,org_unit,manager_employee_no,hire_date\nT1,张,technician,SC1-T1,T1,2020-02-30\n"
    errors = rejected(base, "employees", text)
    assert [(r, c) for r, c, _m in errors] == [(2, "manager_employee_no"), (2, "hire_date")]


def test_usage_errors_exit_with_status_2(base, tmp_path):
    with pytest.raises(SystemExit) as unknown_kind:
        main(["import", "work_order", str(tmp_path / "x.csv")])
    assert unknown_kind.value.code == 2
    with pytest.raises(CommandError) as missing:
        call_command("import", "work_orders", str(tmp_path / "missing.csv"))
    assert missing.value.returncode == 2


def test_text_output_lists_each_problem_as_row_and_column(base):
    out, err = io.StringIO(), io.StringIO()
    path = base.file("t.csv", f"{WO_HEADER}\nWO-9,SCX,repair,2026-10-05T10:00:00,,,,,\n")
    with pytest.raises(SystemExit):
        call_command("import", "work_orders", str(path), stdout=out, stderr=err)
    assert "row 2, column service_center: unknown org unit code SCX" in err.getvalue()


def test_import_queries_do_not_grow_with_the_number_of_rows(base):
    def queries(count, offset):
        rows = [
            f"B-{offset + n},SC1,repair,2026-10-05T10:00:00,2026-10-05T10:30:00,2026-10-05T12:00:00,T1,1.2,1.5"
            for n in range(count)
        ]
        path = base.file(f"b{count}.csv", WO_HEADER + "\n" + "\n".join(rows) + "\n")
        with CaptureQueriesContext(connection) as captured:
            code, report = base.run("work_orders", path)
        assert (code, report["created"]) == (0, count)
        return len(captured)

    # Bulk statements carry many rows each (SQLite caps a statement at 999 parameters,
    # so about 25 work orders): 290 more rows cost a handful of statements, not 290.
    assert queries(300, 0) - queries(10, 1000) < 30


@pytest.mark.parametrize(
    "args",
    [
        ["work_orders", "--org", "NO-SUCH"],
        ["work_orders", "--format", "xlsx"],
        ["work_orders", "--out", "/no/such/dir/x.csv"],
    ],
)
def test_export_usage_errors_exit_with_status_2_and_write_nothing(base, args):
    with pytest.raises(CommandError) as problem:
        call_command("export", *args, stdout=io.StringIO())
    assert problem.value.returncode == 2


def test_export_of_an_unknown_kind_exits_with_status_2(base):
    with pytest.raises(SystemExit) as unknown_kind:
        main(["export", "work_order"])
    assert unknown_kind.value.code == 2
