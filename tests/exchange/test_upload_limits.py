"""How big an import may be: one byte limit for every upload, a workbook checked before
openpyxl unpacks it, and a report that lists at most IMPORT_MAX_REPORTED_ERRORS problems
with the total. The command line is the operator's own tool: no size limits there."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from servicescore.exchange.importer import run_import
from servicescore.org.models import OrgUnit
from servicescore.workorders.models import WorkOrder

from ..conftest import login
from .workbooks import workbook

HEADER = ["code", "name", "kind", "parent_code"]
WO = "external_id,service_center,type,created_at\n"


def unit_rows(count: int, start: int = 0) -> list[list[str]]:
    return [[f"SC-{n}", f"服务中心 {n}", "service_center", "EAST"] for n in range(start, start + count)]


def bad_orders(count: int) -> str:
    return WO + "".join(f"BAD-{n},SC1,repair,not-a-time\n" for n in range(count))


def post_file(client, kind, content: bytes, name: str):
    upload = SimpleUploadedFile(name, content)
    return client.post(reverse("exchange:upload"), {"kind": kind, "file": upload}, HTTP_ACCEPT_LANGUAGE="en")


def text(message) -> str:
    """A message with the no-break space filesizeformat puts between number and unit."""
    return str(message).replace("\xa0", " ")


@pytest.fixture
def openpyxl_calls(monkeypatch):
    """Every time openpyxl is asked to open a workbook: a bomb must be refused before."""
    import openpyxl

    calls = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    return calls


# --- one byte limit ------------------------------------------------------------------------


def test_the_upload_page_refuses_a_file_over_the_limit_naming_its_size_and_the_limit(
    client, network, settings
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    login(client, network.hr)
    response = post_file(
        client, "work_orders", (WO + "W-1,SC1,repair,2026-10-05T10:00:00\n" * 40).encode(), "o.csv"
    )
    message = text(" ".join(response.context["form"].errors["file"]))
    assert "the limit is 1000" in message and "servicescore import" in message
    assert response.context["report"] is None
    assert not WorkOrder.objects.exists()


def test_run_import_refuses_a_file_over_the_limit_before_reading_it(network, settings, tmp_path, monkeypatch):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    path = tmp_path / "orders.csv"
    path.write_text(WO + "W-1,SC1,repair,2026-10-05T10:00:00\n" * 40, encoding="utf-8")
    monkeypatch.setattr("servicescore.exchange.importer.open_table", pytest.fail)
    report = run_import("work_orders", path, user=network.hr.user)
    assert [(e.row, e.column) for e in report.errors] == [(1, "")]
    assert "the limit is 1000" in report.errors[0].message
    assert not WorkOrder.objects.exists()


def test_the_command_line_may_load_a_file_over_the_upload_limit(runner, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    path = runner.file("units.csv", "code,name,kind,parent_code\nACME,Acme 新能源,company,\n" + "\n" * 200)
    code, report = runner.run("org_units", path)
    assert (code, report["created"]) == (0, 1)


# --- workbooks are checked before openpyxl opens them --------------------------------------


def test_a_workbook_whose_contents_unpack_too_large_is_refused_before_parsing(
    client, network, settings, openpyxl_calls
):
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = 50_000
    login(client, network.hr)
    content = workbook([HEADER, *unit_rows(1000)])
    assert len(content) < 50_000
    report = post_file(client, "org_units", content, "units.xlsx").context["report"]
    assert [(e.row, e.column) for e in report.errors] == [(1, "")]
    assert "unpacks to" in text(report.errors[0]) and "the limit is 48.8 KB" in text(report.errors[0])
    assert openpyxl_calls == []
    assert not OrgUnit.objects.filter(code="SC-1").exists()


def test_a_workbook_with_too_many_shared_strings_is_refused_before_parsing(network, settings, openpyxl_calls):
    settings.IMPORT_XLSX_MAX_SHARED_STRINGS = 500
    content = workbook([HEADER, *unit_rows(2)], extra_strings=[f"s{n}" for n in range(600)])
    report = run_import("org_units", io.BytesIO(content), name="units.xlsx", user=network.hr.user)
    assert "more than 500 distinct texts" in report.errors[0].message
    assert openpyxl_calls == []


def test_a_shared_strings_part_too_large_to_hold_is_refused_before_parsing(network, settings, openpyxl_calls):
    settings.IMPORT_XLSX_MAX_PART_BYTES = 100_000
    # Few strings, but long: what a 400 KB file that expands to 110 MB looks like, scaled down.
    content = workbook([HEADER, *unit_rows(2)], extra_strings=[f"{n:04d}" + "x" * 20_000 for n in range(10)])
    report = run_import("org_units", io.BytesIO(content), name="units.xlsx", user=network.hr.user)
    message = text(report.errors[0])
    assert "xl/sharedStrings.xml" in message and "at most 97.7 KB" in message
    assert openpyxl_calls == []


def test_a_styles_part_too_large_to_hold_is_refused_too(network, settings, openpyxl_calls):
    settings.IMPORT_XLSX_MAX_PART_BYTES = 100_000
    styles = b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + (
        b"<numFmts/>" * 20_000
    )
    content = workbook([HEADER, *unit_rows(2)], extra_parts={"xl/styles.xml": styles})
    report = run_import("org_units", io.BytesIO(content), name="units.xlsx", user=network.hr.user)
    assert "xl/styles.xml" in report.errors[0].message
    assert openpyxl_calls == []


def test_a_big_first_sheet_is_streamed_not_held_so_the_part_limit_does_not_apply_to_it(network, settings):
    content = workbook([HEADER, *unit_rows(300)])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml").file_size
        strings = archive.getinfo("xl/sharedStrings.xml").file_size
    assert strings < sheet
    settings.IMPORT_XLSX_MAX_PART_BYTES = (strings + sheet) // 2
    report = run_import("org_units", io.BytesIO(content), name="units.xlsx", user=network.hr.user)
    assert report.ok, report.errors
    assert report.created == 300


def test_a_part_compressed_more_than_a_spreadsheet_ever_is_is_refused(network, openpyxl_calls):
    # 6 MB of one repeated tag: deflate packs it about a thousand to one; real sheets 10-20.
    content = workbook(
        [HEADER, *unit_rows(2)], extra_parts={"xl/worksheets/sheet2.xml": b"<row/>" * 1_000_000}
    )
    report = run_import("org_units", io.BytesIO(content), name="units.xlsx", user=network.hr.user)
    message = report.errors[0].message
    assert "xl/worksheets/sheet2.xml" in message and "to 1" in message
    assert openpyxl_calls == []


def test_a_workbook_of_too_many_parts_is_refused(network, monkeypatch, openpyxl_calls):
    from servicescore.exchange import limits

    monkeypatch.setattr(limits, "XLSX_MAX_MEMBERS", 20)
    content = workbook([HEADER, *unit_rows(2)], extra_parts={f"xl/media/p{n}.bin": b"." for n in range(20)})
    report = run_import("org_units", io.BytesIO(content), name="units.xlsx", user=network.hr.user)
    assert "more than 20 parts" in report.errors[0].message
    assert openpyxl_calls == []


def test_a_zip_directory_too_large_to_read_is_refused_before_zipfile_reads_it(network, monkeypatch):
    from servicescore.exchange import limits

    content = workbook([HEADER, *unit_rows(2)], extra_parts={f"xl/media/p{n}.bin": b"." for n in range(20)})
    monkeypatch.setattr(limits, "ZIP_MAX_DIRECTORY_BYTES", 1000)
    monkeypatch.setattr(limits.zipfile, "ZipFile", pytest.fail)
    report = run_import("org_units", io.BytesIO(content), name="units.xlsx", user=network.hr.user)
    assert "parts" in report.errors[0].message


def test_the_zip64_directory_size_is_the_one_read(network, monkeypatch):
    # zipfile trusts the zip64 record over the classic end record; so does the check.
    from servicescore.exchange import limits

    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 3)
    content = bytearray(workbook([HEADER, *unit_rows(2)]))
    monkeypatch.undo()
    end = content.rfind(b"PK\x05\x06")
    assert content[end - 20 : end - 16] == b"PK\x06\x07"
    content[end + 12 : end + 16] = (0).to_bytes(4, "little")  # the classic record says 0 bytes
    monkeypatch.setattr(limits, "ZIP_MAX_DIRECTORY_BYTES", 100)
    report = run_import("org_units", io.BytesIO(bytes(content)), name="units.xlsx", user=network.hr.user)
    assert "parts" in report.errors[0].message


def test_an_ordinary_workbook_passes_the_checks_and_imports(client, network):
    login(client, network.hr)
    response = post_file(client, "org_units", workbook([HEADER, *unit_rows(3)]), "units.xlsx")
    assert response.context["report"].ok and response.context["report"].created == 3


# --- the error list is capped, with the total ----------------------------------------------


def test_the_upload_page_lists_the_first_problems_by_row_and_says_how_many_there_are(
    client, network, settings
):
    settings.IMPORT_MAX_REPORTED_ERRORS = 5
    login(client, network.hr)
    response = post_file(client, "work_orders", bad_orders(12).encode(), "orders.csv")
    report = response.context["report"]
    assert [e.row for e in report.errors] == [2, 3, 4, 5, 6]
    assert (report.error_count, report.errors_truncated) == (12, True)
    html = response.content.decode()
    assert "12 problems found" in html and "Only the first 5 of 12 problems are listed" in html


def test_the_command_line_json_caps_the_errors_and_gives_the_total(runner, settings):
    settings.IMPORT_MAX_REPORTED_ERRORS = 5
    runner.load("org_units")
    code, report = runner.run("work_orders", runner.file("bad.csv", bad_orders(12)))
    assert code == 1
    assert [e["row"] for e in report["errors"]] == [2, 3, 4, 5, 6]
    assert (report["error_count"], report["errors_truncated"]) == (12, True)


def test_the_command_line_text_says_how_many_problems_were_left_out(runner, settings):
    settings.IMPORT_MAX_REPORTED_ERRORS = 5
    runner.load("org_units")
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "work_orders", str(runner.file("bad.csv", bad_orders(12))), stderr=err)
    lines = err.getvalue().splitlines()
    assert "12 problem(s)" in lines[0]
    assert len(lines) == 1 + 5 + 1
    assert "7 more problem(s)" in lines[-1] and "--max-errors 0" in lines[-1]


def test_the_command_line_lists_every_problem_with_max_errors_0(runner, settings):
    settings.IMPORT_MAX_REPORTED_ERRORS = 5
    runner.load("org_units")
    code, report = runner.run("work_orders", runner.file("bad.csv", bad_orders(12)), "--max-errors", "0")
    assert len(report["errors"]) == 12 and report["errors_truncated"] is False


def test_a_negative_max_errors_is_a_usage_error(runner):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as usage:
        call_command("import", "org_units", str(runner.file("u.csv", "code\n")), "--max-errors", "-1")
    assert usage.value.returncode == 2


def test_the_lowest_rows_are_kept_even_when_a_later_check_finds_an_earlier_row(network, settings):
    # Cell errors of rows 2-13 come first; the unknown technicians of rows 2 and 3 are found
    # when the chunk is checked, after them.
    settings.IMPORT_MAX_REPORTED_ERRORS = 4
    text = "external_id,service_center,type,created_at,technician\n"
    text += "".join(f"E-{n},SC1,repair,2026-10-05T10:00:00,T99\n" for n in range(2))
    text += "".join(f"E-{n},SC1,repair,not-a-time,\n" for n in range(2, 12))
    from servicescore.exchange.tables import Table

    lines = [(n, line.split(",")) for n, line in enumerate(text.splitlines()[1:], start=2)]
    report = run_import(
        "work_orders", Table(text.splitlines()[0].split(","), iter(lines)), user=network.hr.user
    )
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "technician"),
        (3, "technician"),
        (4, "created_at"),
        (5, "created_at"),
    ]
    assert report.error_count == 12


def test_the_reported_error_limit_defaults_to_200(settings):
    assert settings.IMPORT_MAX_REPORTED_ERRORS == 200
