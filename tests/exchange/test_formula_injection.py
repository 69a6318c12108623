"""Exports never hand a spreadsheet program a live formula, and an export imported again
still gives back exactly what is stored (import-export.md, "Text that looks like a formula")."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from servicescore.customers.models import Customer
from servicescore.kpi.models import MetricFact
from servicescore.org.models import Employee, OrgUnit

from ..conftest import login
from .conftest import FILES

LINK = '=HYPERLINK("http://x","y")'
# employee_no → a name a spreadsheet would run or mangle, or one that starts with an apostrophe.
NAMES = {
    "M1": LINK,
    "F1": "+8613800001111",
    "T1": "-abc",
    "T2": "@SUM(A1)",
    "A1": "\tleading tab",
    "CS1": "'quoted",
    "X2": "''=1+1",
}


@pytest.fixture
def tricky(loaded):
    for number, name in NAMES.items():
        Employee.objects.filter(employee_no=number).update(name=name)
    Customer.objects.filter(external_id="C1").update(name=LINK, phone="+8613800001111")
    MetricFact.objects.filter(employee__employee_no="T2").update(value="-2.5")
    return loaded


def _csv_column(text, name):
    rows = list(csv.reader(io.StringIO(text)))
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


def _xlsx_cells(path, name):
    sheet = load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    index = header.index(name)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


def test_a_csv_export_writes_a_formula_looking_name_with_a_leading_apostrophe(tricky):
    names = _csv_column(tricky.export("work_orders"), "customer_name")
    assert "'" + LINK in names
    assert LINK not in names


def test_an_xlsx_export_writes_a_formula_looking_name_as_text_not_a_formula(tricky):
    path = tricky.tmp_path / "work_orders.xlsx"
    tricky.export("work_orders", "--format", "xlsx", "--out", str(path))
    cells = [cell for cell in _xlsx_cells(path, "customer_name") if cell.value and LINK in cell.value]
    assert cells and all(cell.data_type == "s" and cell.value == "'" + LINK for cell in cells)


def test_a_csv_export_escapes_every_name_that_starts_like_a_formula(tricky):
    names = set(_csv_column(tricky.export("employees"), "name"))
    assert {"'" + LINK, "'+8613800001111", "'-abc", "'@SUM(A1)", "'\tleading tab", "'''=1+1"} <= names


def test_a_csv_export_keeps_a_negative_number_a_plain_number(tricky):
    assert "-2.5" in _csv_column(tricky.export("metric_facts"), "value")


def test_an_xlsx_export_keeps_a_negative_number_a_numeric_cell(tricky):
    path = tricky.tmp_path / "facts.xlsx"
    tricky.export("metric_facts", "--format", "xlsx", "--out", str(path))
    assert [cell.data_type for cell in _xlsx_cells(path, "value") if cell.value == -2.5] == ["n"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_with_formula_looking_names_imports_again_unchanged(tricky, fmt):
    path = tricky.tmp_path / f"employees.{fmt}"
    if fmt == "csv":
        path.write_text(tricky.export("employees"), encoding="utf-8")
    else:
        tricky.export("employees", "--format", fmt, "--out", str(path))
    code, report = tricky.run("employees", path)
    assert (code, report["errors"], report["updated"], report["unchanged"]) == (0, [], 0, 7)
    stored = dict(Employee.objects.filter(employee_no__in=NAMES).values_list("employee_no", "name"))
    assert stored == NAMES


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_work_order_export_keeps_the_customer_and_a_negative_fact_through_import(tricky, fmt):
    for kind in ("work_orders", "metric_facts"):
        path = tricky.tmp_path / f"{kind}.{fmt}"
        if fmt == "csv":
            path.write_text(tricky.export(kind), encoding="utf-8")
        else:
            tricky.export(kind, "--format", fmt, "--out", str(path))
        code, report = tricky.run(kind, path)
        assert (code, report["errors"], report["updated"]) == (0, [], 0)
    customer = Customer.objects.get(external_id="C1")
    assert (customer.name, customer.phone) == (LINK, "+8613800001111")
    assert str(MetricFact.objects.get(employee__employee_no="T2").value.normalize()) == "-2.5"


def test_a_negative_number_a_person_typed_in_a_number_column_still_imports(loaded):
    text = "indicator,period,value,employee,org_unit\nTRAINING_HOURS,2026-11,-1.5,T2,\n"
    code, report = loaded.run("metric_facts", loaded.file("typed.csv", text))
    assert (code, report["created"]) == (0, 1)
    assert MetricFact.objects.get(period="2026-11").value == -1.5


def test_an_apostrophe_a_person_typed_before_a_phone_is_not_stored(loaded):
    text = FILES["employees"].splitlines()[0] + "\nZ1,新人,technician,SC1,,,'+8613800002222,,\n"
    code, report = loaded.run("employees", loaded.file("typed.csv", text))
    assert (code, report["created"]) == (0, 1)
    assert Employee.objects.get(employee_no="Z1").phone == "+8613800002222"


def test_a_csv_export_keeps_a_leading_carriage_return_through_import(loaded):
    OrgUnit.objects.filter(code="SC2").update(name="\r杭州")
    path = loaded.file("units.csv", loaded.export("org_units"))
    code, report = loaded.run("org_units", path)
    assert (code, report["errors"], report["updated"]) == (0, [], 0)
    assert OrgUnit.objects.get(code="SC2").name == "\r杭州"


def test_the_upload_pages_csv_download_escapes_a_formula_looking_name(client, network, tricky):
    login(client, network.hr)
    body = client.get(reverse("exchange:export", args=["employees", "csv"])).content.decode()
    assert "'" + LINK in _csv_column(body, "name")


def test_the_upload_pages_xlsx_download_writes_a_formula_looking_name_as_text(client, network, tricky):
    login(client, network.hr)
    body = client.get(reverse("exchange:export", args=["employees", "xlsx"])).content
    cells = [cell for cell in _xlsx_cells(io.BytesIO(body), "name") if cell.value == "'" + LINK]
    assert [cell.data_type for cell in cells] == ["s"]
