"""The labour_operations kind (工时定额) and labour_lines' operation_code: import, re-import
unchanged, export round trip, the blank template, and every bad input rejected whole with
`row N, column C: message`."""

from decimal import Decimal

import pytest
from django.urls import reverse

from servicescore.core.models import AuditEntry
from servicescore.exchange.importer import run_import
from servicescore.kpi.models import RecomputeRequest
from servicescore.org.models import Employee
from servicescore.workorders.models import LabourLine, LabourOperation, StandardSource

from ..conftest import login

HEADER = "code,name,standard_hours,category,valid_from,note"
CATALOGUE = f"""{HEADER}
BRK01,更换前刹车片,1.5,,2026-01-01,
BRK01,更换前刹车片,1.8,比亚迪 汉 EV,,汉的卡钳更难拆
AC02,空调滤芯更换,0.3,,,
"""
# WO-3 is a 比亚迪 汉 EV (its VIN's model, from WO-1), created 2026-10-20.
LINES_HEADER = "work_order_external_id,technician,operation_code,standard_hours,clocked_hours"


def lines_and_operations():
    return list(
        LabourLine.objects.filter(work_order__external_id="WO-3")
        .order_by("technician__employee_no")
        .values_list("technician__employee_no", "operation__code", "standard_hours", "standard_source")
    )


def rejected(runner, kind, text):
    before = (
        list(LabourOperation.objects.order_by("pk").values_list("code", "category", "standard_hours")),
        list(LabourLine.objects.order_by("pk").values_list("pk", "standard_hours", "operation_id")),
    )
    code, report = runner.run(kind, runner.file(f"bad-{kind}.csv", text))
    assert code == 1
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 0)
    after = (
        list(LabourOperation.objects.order_by("pk").values_list("code", "category", "standard_hours")),
        list(LabourLine.objects.order_by("pk").values_list("pk", "standard_hours", "operation_id")),
    )
    assert after == before, "a rejected file must leave the database unchanged"
    return [(e["row"], e["column"], e["message"]) for e in report["errors"]]


@pytest.fixture
def catalogued(loaded):
    code, report = loaded.run("labour_operations", loaded.file("catalogue.csv", CATALOGUE))
    assert code == 0, report["errors"]
    return loaded


# --- labour_operations ----------------------------------------------------------------------


def test_the_catalogue_imports_and_a_second_import_changes_nothing(runner):
    path = runner.file("catalogue.csv", CATALOGUE)
    code, report = runner.run("labour_operations", path)
    assert (code, report["created"], report["updated"], report["unchanged"]) == (0, 3, 0, 0)
    han = LabourOperation.objects.get(code="BRK01", category="比亚迪 汉 EV")
    assert (han.standard_hours, han.valid_from, han.note) == (Decimal("1.80"), None, "汉的卡钳更难拆")
    code, again = runner.run("labour_operations", path)
    assert (code, again["created"], again["updated"], again["unchanged"]) == (0, 0, 0, 3)


def test_a_changed_row_is_updated_and_audited(runner):
    runner.run("labour_operations", runner.file("catalogue.csv", CATALOGUE))
    changed = CATALOGUE.replace("AC02,空调滤芯更换,0.3", "AC02,空调滤芯更换,0.4")
    code, report = runner.run("labour_operations", runner.file("changed.csv", changed))
    assert (code, report["created"], report["updated"], report["unchanged"]) == (0, 0, 1, 2)
    row = LabourOperation.objects.get(code="AC02")
    entry = AuditEntry.objects.filter(object_id=str(row.pk), action="update").get()
    assert entry.changes == {"standard_hours": ["0.30", "0.40"]}


def test_the_catalogue_export_imports_again_unchanged(runner):
    runner.run("labour_operations", runner.file("catalogue.csv", CATALOGUE))
    exported = runner.export("labour_operations")
    assert exported.splitlines()[0].lstrip("\ufeff") == HEADER
    code, report = runner.run("labour_operations", runner.file("exported.csv", exported))
    assert (code, report["created"], report["updated"], report["unchanged"]) == (0, 0, 0, 3)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("BRK09,刹车,0,,,", "standard_hours", "must be greater than 0"),
        ("BRK09,刹车,-1,,,", "standard_hours", "must be greater than 0"),
        ("BRK09,刹车,abc,,,", "standard_hours", "not a number"),
        ("BRK09,刹车,1,,2026/13/01,", "valid_from", "no such date"),
        ("BRK09,刹车,1,,01/02/2026,", "valid_from", "is ambiguous"),
        ("BRK09,刹车,1,,1 Feb 2026,", "valid_from", "not a date"),
        ("BRK09,刹车,1,,2026-02-30,", "valid_from", ""),
        (",刹车,1,,,", "code", "required value is missing"),
        ("BRK09,,1,,,", "name", "required value is missing"),
    ],
)
def test_a_bad_catalogue_row_is_rejected_with_its_column(runner, row, column, message):
    errors = rejected(runner, "labour_operations", f"{HEADER}\n{row}\n")
    assert [(r, c) for r, c, _m in errors] == [(2, column)]
    assert message in errors[0][2]


def test_a_code_twice_for_one_category_is_rejected_naming_both_rows(runner):
    text = f"{HEADER}\nBRK01,刹车,1,汉,,\nBRK01,刹车,1.2,秦,,\nBRK01,刹车,2,汉,,\n"
    errors = rejected(runner, "labour_operations", text)
    assert [(r, c) for r, c, _m in errors] == [(4, "code")]
    assert "also on row 2" in errors[0][2]


def test_a_code_twice_for_all_models_is_a_duplicate_too(runner):
    errors = rejected(runner, "labour_operations", f"{HEADER}\nBRK01,刹车,1,,,\nBRK01,刹车,2,,,\n")
    assert [(r, c) for r, c, _m in errors] == [(3, "code")]


def test_an_unknown_column_is_rejected(runner):
    errors = rejected(runner, "labour_operations", "code,name,standard_hours,model\nX,x,1,汉\n")
    assert errors[0][:2] == (1, "model")


def test_a_centre_manager_may_not_import_the_company_wide_catalogue(runner, network):
    path = runner.file("catalogue.csv", f"{HEADER}\nBRK01,刹车,1,,,\n")
    report = run_import("labour_operations", path, name="catalogue.csv", user=network.manager.user)
    assert not report.ok and "company-wide" in report.errors[0].message
    assert not LabourOperation.objects.exists()


def test_hr_imports_the_catalogue(runner, network):
    path = runner.file("catalogue.csv", f"{HEADER}\nBRK01,刹车,1,,,\n")
    report = run_import("labour_operations", path, name="catalogue.csv", user=network.hr.user)
    assert report.ok and report.created == 1


def test_the_blank_template_has_the_columns(client, network):
    login(client, network.hr)
    response = client.get(reverse("exchange:template", args=["labour_operations"]))
    assert response.content.decode("utf-8-sig").splitlines()[0] == HEADER


# --- labour_lines with operation_code ---------------------------------------------------------------


def test_a_line_with_an_operation_code_takes_the_catalogue_hours_for_the_orders_model(catalogued):
    text = f"{LINES_HEADER}\nWO-3,T2,BRK01,,2\nWO-3,T1,AC02,,0.5\n"
    code, report = catalogued.run("labour_lines", catalogued.file("lines.csv", text))
    assert code == 0, report["errors"]
    assert lines_and_operations() == [
        ("T1", "AC02", Decimal("0.30"), StandardSource.CATALOGUE),
        ("T2", "BRK01", Decimal("1.80"), StandardSource.CATALOGUE),
    ]


def test_a_line_giving_the_catalogues_own_hours_is_accepted(catalogued):
    text = f"{LINES_HEADER}\nWO-3,T2,BRK01,1.8,2\n"
    code, report = catalogued.run("labour_lines", catalogued.file("lines.csv", text))
    assert code == 0, report["errors"]


def test_a_line_without_operation_or_standard_hours_is_rejected(catalogued):
    errors = rejected(catalogued, "labour_lines", f"{LINES_HEADER}\nWO-3,T2,,,2\n")
    assert [(r, c) for r, c, _m in errors] == [(2, "standard_hours")]


def test_an_unknown_operation_code_is_rejected(catalogued):
    errors = rejected(catalogued, "labour_lines", f"{LINES_HEADER}\nWO-3,T2,NOPE,,2\n")
    assert errors == [(2, "operation_code", "There is no labour operation NOPE in the catalogue.")]


def test_an_operation_with_no_row_for_the_orders_model_is_rejected(catalogued):
    LabourOperation.objects.create(code="TES01", name="x", standard_hours=1, category="特斯拉 Model 3")
    errors = rejected(catalogued, "labour_lines", f"{LINES_HEADER}\nWO-3,T2,TES01,,2\n")
    assert [(r, c) for r, c, _m in errors] == [(2, "operation_code")]
    assert "比亚迪 汉 EV" in errors[0][2]


def test_hours_different_from_the_catalogues_are_rejected(catalogued):
    errors = rejected(catalogued, "labour_lines", f"{LINES_HEADER}\nWO-3,T2,BRK01,3,2\n")
    assert [(r, c) for r, c, _m in errors] == [(2, "standard_hours")]
    assert "differs from the catalogue's 1.80 for BRK01" in errors[0][2]


def test_with_the_setting_on_different_hours_are_an_override_named_by_the_file(catalogued, settings):
    settings.LABOUR_IMPORT_OVERRIDES = True
    text = f"{LINES_HEADER}\nWO-3,T2,BRK01,3,2\n"
    code, report = catalogued.run("labour_lines", catalogued.file("dms.csv", text))
    assert code == 0, report["errors"]
    line = LabourLine.objects.get(work_order__external_id="WO-3")
    assert (line.standard_hours, line.standard_source, line.override_reason) == (
        Decimal("3.00"),
        StandardSource.OVERRIDE,
        "dms.csv",
    )


def test_labour_lines_with_operations_export_and_import_again_unchanged(catalogued, settings):
    settings.LABOUR_IMPORT_OVERRIDES = True
    text = f"{LINES_HEADER}\nWO-3,T2,BRK01,3,2\nWO-3,T1,AC02,,0.5\n"
    catalogued.run("labour_lines", catalogued.file("dms.csv", text))
    settings.LABOUR_IMPORT_OVERRIDES = False
    exported = catalogued.export("labour_lines")
    assert exported.splitlines()[0].lstrip("\ufeff") == LINES_HEADER
    code, report = catalogued.run("labour_lines", catalogued.file("exported.csv", exported))
    assert code == 0, report["errors"]
    assert (report["created"], report["updated"]) == (0, 0)


def test_a_labour_lines_import_with_operations_queues_the_orders_hours_day(catalogued, settings):
    settings.KPI_AUTO_RECOMPUTE = True
    RecomputeRequest.objects.all().delete()
    code, report = catalogued.run(
        "labour_lines", catalogued.file("lines.csv", f"{LINES_HEADER}\nWO-3,T2,BRK01,,2\n")
    )
    assert code == 0, report["errors"]
    assert RecomputeRequest.objects.filter(group="hours").exists()


def test_the_labour_lines_of_another_centre_stay_out_of_a_managers_import(catalogued):
    assert Employee.objects.filter(employee_no="X2").exists()
    text = f"{LINES_HEADER}\nWO-4,X2,BRK01,,1\n"
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.create(username="m-sc1", role="service_manager")
    Employee.objects.filter(employee_no="M1").update(user=manager)
    report = run_import("labour_lines", catalogued.file("lines.csv", text), name="lines.csv", user=manager)
    assert not report.ok
    assert report.errors[0].column in ("work_order_external_id", "technician")
