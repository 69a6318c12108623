"""Choice columns take the code or the label of either language; timestamps and dates take
the spellings of Chinese spreadsheets and Excel date cells, and refuse ambiguous ones
(import-formats.md, General rules) — in the parsers and through `servicescore import`."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import Workbook

from servicescore.exchange import cells
from servicescore.exchange.kinds import KINDS
from servicescore.org.models import Employee
from servicescore.workorders.models import WorkOrder

from .test_bad_input import snapshot

UTC = datetime.UTC


def at(*args):
    """A moment given in UTC."""
    return datetime.datetime(*args, tzinfo=UTC)


# --- choice columns ---------------------------------------------------------------------------


CHOICE_COLUMNS = {
    ("org_units", "kind"),
    ("employees", "position"),
    ("employees", "status"),
    ("work_orders", "type"),
    ("work_orders", "priority"),
    ("work_orders", "channel"),
    ("work_orders", "resolution"),
    ("survey_responses", "channel"),
    ("complaints", "severity"),
}


def choice_columns():
    return [
        (kind, column) for kind in KINDS.values() for column in kind.columns if column.choices is not None
    ]


def test_every_column_with_a_fixed_set_of_values_is_a_choice_column():
    assert {(kind.name, column.name) for kind, column in choice_columns()} == CHOICE_COLUMNS


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_choice_column_takes_the_code_and_both_labels_in_any_language_and_case(language):
    with translation.override(language):
        for kind, column in choice_columns():
            for code, english, chinese in cells.choice_labels(column.choices):
                for spelling in (code, code.upper(), english, english.upper(), english.lower(), chinese):
                    assert column.parse(spelling) == code, (kind.name, column.name, spelling)


def test_the_chinese_labels_are_the_ones_the_product_shows():
    type_column = KINDS["work_orders"]().column("type")
    assert type_column.parse("保养") == "maintenance"
    assert type_column.parse("故障诊断") == "diagnosis"
    assert KINDS["work_orders"]().column("priority").parse("紧急") == "urgent"


def test_an_unknown_choice_names_the_value_and_the_allowed_values_in_the_users_language():
    column = KINDS["work_orders"]().column("type")
    with translation.override("zh-hans"), pytest.raises(cells.CellError) as chinese:
        column.parse("洗车")
    assert "洗车" in str(chinese.value)
    assert "maintenance (保养)" in str(chinese.value)
    with translation.override("en"), pytest.raises(cells.CellError) as english:
        column.parse("car wash")
    assert "car wash" in str(english.value) and "maintenance (Maintenance)" in str(english.value)


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026/12/01 10:00", at(2026, 12, 1, 2, 0)),
        ("2026/12/01 10:00:30", at(2026, 12, 1, 2, 0, 30)),
        ("2026-12-01 10:00", at(2026, 12, 1, 2, 0)),
        ("2026-12-01 10:00:00", at(2026, 12, 1, 2, 0)),
        ("2026-12-01T10:00", at(2026, 12, 1, 2, 0)),
        ("2026-12-01T10:00:00", at(2026, 12, 1, 2, 0)),
        ("2026/12/1 9:05", at(2026, 12, 1, 1, 5)),
        ("2026-12-01T10:00:00+08:00", at(2026, 12, 1, 2, 0)),
        ("2026-12-01 10:00+09:00", at(2026, 12, 1, 1, 0)),
        ("2026-12-01T02:00:00Z", at(2026, 12, 1, 2, 0)),
        ("2026-12-01T10:00:00.250", at(2026, 12, 1, 2, 0, 0, 250000)),
    ],
)
def test_the_spellings_of_chinese_spreadsheets_are_read_in_the_company_time_zone(text, moment):
    assert cells.timestamp(text) == moment


def test_a_timestamp_without_an_offset_follows_the_configured_company_zone(settings):
    settings.COMPANY_TIME_ZONE = "Europe/Berlin"
    assert cells.timestamp("2026/12/01 10:00") == at(2026, 12, 1, 9, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("01/02/2026 10:00", "ambiguous"),
        ("01/02/2026", "ambiguous"),
        ("12/01/26 10:00", "ambiguous"),
        ("1.2.2026 10:00", "ambiguous"),
        ("2026-12-01", "date without a time"),
        ("2026/12/01", "date without a time"),
        ("46357.4166666667", "Excel date serial number"),
        ("next Monday", "not a date and time"),
        ("2026/13/01 10:00", "no such date or time"),
        ("2026-12-01 25:00", "no such date or time"),
    ],
)
def test_an_ambiguous_or_unreadable_timestamp_is_refused_naming_the_accepted_spellings(text, message):
    with translation.override("en"), pytest.raises(cells.CellError) as refused:
        cells.timestamp(text)
    assert message in str(refused.value)
    if "no such" not in message:
        assert "2026/10/03 09:15" in str(refused.value)


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["2026-12-01", "2026/12/01", "2026/12/1", "2026-12-01T00:00:00", "2026-12-01 00:00"]
)
def test_a_date_column_takes_the_year_first_spellings_and_excel_midnights(text):
    assert cells.date(text) == datetime.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("01/12/2026", "ambiguous"),
        ("2026-12-01 10:00", "not a date"),
        ("2026/02/30", "no such date"),
        ("December 1", "not a date"),
    ],
)
def test_an_ambiguous_or_unreadable_date_is_refused(text, message):
    with translation.override("en"), pytest.raises(cells.CellError) as refused:
        cells.date(text)
    assert message in str(refused.value)


# --- through the command line -----------------------------------------------------------------

HEADER = "external_id,service_center,type,priority,channel,created_at,started_at,completed_at,technician"


def test_the_cli_imports_chinese_labels_and_spreadsheet_dates(runner):
    runner.load("org_units", "employees")
    text = (
        f"{HEADER}\n"
        "ZH-1,SC1,保养,紧急,电话,2026/12/01 10:00,2026-12-01 10:30,2026/12/1 11:00:00,T1\n"
        "ZH-2,SC1,Fault diagnosis,LOW,Walk-in,2026-12-02T09:00,,,\n"
    )
    code, report = runner.run("work_orders", runner.file("zh.csv", text))
    assert code == 0, report["errors"]
    first = WorkOrder.objects.get(external_id="ZH-1")
    assert (first.type, first.priority, first.channel) == ("maintenance", "urgent", "phone")
    assert first.created_at == at(2026, 12, 1, 2, 0)
    assert first.completed_at == at(2026, 12, 1, 3, 0)
    second = WorkOrder.objects.get(external_id="ZH-2")
    assert (second.type, second.priority, second.channel) == ("diagnosis", "low", "walk_in")


def test_the_cli_rejects_an_unknown_label_and_an_ambiguous_date_and_writes_nothing(runner):
    runner.load("org_units", "employees")
    before = snapshot()
    text = f"{HEADER}\nOK-1,SC1,保养,,,2026/12/01 10:00,,,\nBAD-1,SC1,洗车,,,01/12/2026 10:00,,,\n"
    with translation.override("zh-hans"):
        code, report = runner.run("work_orders", runner.file("bad.csv", text))
    assert code == 1
    errors = {(e["row"], e["column"]): e["message"] for e in report["errors"]}
    assert set(errors) == {(3, "type"), (3, "created_at")}
    assert "洗车" in errors[(3, "type")] and "maintenance (保养)" in errors[(3, "type")]
    assert "01/12/2026 10:00" in errors[(3, "created_at")]
    assert snapshot() == before


def test_the_cli_text_report_names_row_column_value_and_allowed_values(runner):
    runner.load("org_units", "employees")
    out, err = io.StringIO(), io.StringIO()
    path = runner.file("bad.csv", f"{HEADER}\nBAD-1,SC1,洗车,,,2026/12/01 10:00,,,\n")
    with pytest.raises(SystemExit):
        call_command("import", "work_orders", str(path), stdout=out, stderr=err)
    assert "row 2, column type: unknown value 洗车; use one of maintenance (Maintenance)" in err.getvalue()


def _xlsx(runner, name, header, rows, formats=None):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for column, number_format in (formats or {}).items():
        for cell in sheet[column][1:]:
            cell.number_format = number_format
    path = runner.tmp_path / name
    workbook.save(path)
    return path


def test_excel_date_time_cells_are_read_in_the_company_time_zone(runner):
    runner.load("org_units", "employees")
    path = _xlsx(
        runner,
        "orders.xlsx",
        ["external_id", "service_center", "type", "created_at"],
        [["XL-1", "SC1", "维修", datetime.datetime(2026, 12, 1, 10, 0)]],
        {"D": "yyyy/m/d h:mm"},
    )
    code, report = runner.run("work_orders", path)
    assert code == 0, report["errors"]
    assert WorkOrder.objects.get(external_id="XL-1").created_at == at(2026, 12, 1, 2, 0)


def test_an_excel_date_cell_without_a_time_is_refused_in_a_timestamp_column(runner):
    runner.load("org_units", "employees")
    path = _xlsx(
        runner,
        "orders.xlsx",
        ["external_id", "service_center", "type", "created_at"],
        [["XL-1", "SC1", "repair", datetime.datetime(2026, 12, 1)]],
        {"D": 'yyyy"年"m"月"d"日"'},
    )
    code, report = runner.run("work_orders", path)
    assert code == 1
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "created_at")]
    assert "date without a time" in report["errors"][0]["message"]
    assert not WorkOrder.objects.exists()


def test_an_excel_date_cell_fills_a_date_column(runner):
    runner.load("org_units")
    path = _xlsx(
        runner,
        "people.xlsx",
        ["employee_no", "name", "position", "org_unit", "hire_date"],
        [["N1", "新员工", "维修技师", "SC1", datetime.datetime(2026, 3, 1)]],
        {"E": "yyyy-mm-dd"},
    )
    code, report = runner.run("employees", path)
    assert code == 0, report["errors"]
    person = Employee.objects.get(employee_no="N1")
    assert (person.position, person.hire_date) == ("technician", datetime.date(2026, 3, 1))


def test_the_json_report_of_a_refused_date_holds_the_row_and_the_column(runner):
    runner.load("org_units")
    path = runner.file(
        "people.csv", "employee_no,name,position,org_unit,hire_date\nN1,新员工,HR,SC1,03/01/2026\n"
    )
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "employees", str(path), "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "hire_date")]
    assert "ambiguous" in report["errors"][0]["message"]
    assert not Employee.objects.filter(employee_no="N1").exists()
