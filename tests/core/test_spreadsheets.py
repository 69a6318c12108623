"""The one spreadsheet writer: text a spreadsheet program would run as a formula is
written with a leading apostrophe, numbers stay numbers, and reading undoes it exactly."""

import csv
import io

import pytest
from openpyxl import load_workbook

from servicescore.core.spreadsheets import escape_text, unescape_text, write_csv, write_xlsx

DANGEROUS = [
    '=HYPERLINK("http://x","y")',
    "+8613800001111",
    "-abc",
    "-张三",
    "-",
    "@SUM(A1)",
    "\tleading tab",
    "\rleading return",
    "\nleading line feed",
]
# Values that start with apostrophes already: the rule must keep them apart from escaped ones.
QUOTED = ["'quoted", "'=1+1", "''=1+1", "'", "''", "'-"]
PLAIN = ["", "abc", "张三", "13800001111", "a=b", " =not at the start"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_it_prefixes_an_apostrophe_to_text_that_starts_like_a_formula(value):
    assert escape_text(value) == "'" + value


@pytest.mark.parametrize("value", PLAIN + ["'quoted", "'"])
def test_it_leaves_harmless_text_alone(value):
    assert escape_text(value) == value


@pytest.mark.parametrize("value", DANGEROUS + QUOTED + PLAIN)
def test_unescaping_an_escaped_value_gives_it_back_exactly(value):
    assert unescape_text(escape_text(value)) == value


def test_it_escapes_apostrophes_before_a_trigger_so_they_survive_the_round_trip():
    assert escape_text("'=1+1") == "''=1+1"
    assert escape_text("''=1+1") == "'''=1+1"


def test_unescaping_keeps_an_apostrophe_a_person_typed_before_ordinary_text():
    assert unescape_text("'quoted") == "'quoted"


def test_unescaping_reads_an_apostrophe_a_person_typed_to_keep_a_phone_as_text():
    assert unescape_text("'+8613800001111") == "+8613800001111"


def _csv(header, rows, numeric=frozenset()):
    out = io.StringIO()
    write_csv(out, header, rows, numeric)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_csv_fields_that_start_like_a_formula_start_with_an_apostrophe():
    lines = _csv(["name"], [[value] for value in DANGEROUS])
    assert [line[0] for line in lines[1:]] == ["'" + value for value in DANGEROUS]


def test_csv_numbers_in_number_columns_stay_plain():
    lines = _csv(["name", "amount"], [["-x", "-12.5"], ["y", -3]], numeric={"amount"})
    assert lines[1:] == [["'-x", "-12.5"], ["y", "-3"]]


def test_csv_text_in_a_number_column_is_escaped_too():
    assert _csv(["amount"], [["-1+2"]], numeric={"amount"})[1] == ["'-1+2"]


def _xlsx(header, rows, numeric=frozenset()):
    buffer = io.BytesIO()
    write_xlsx(buffer, header, rows, numeric, title="t")
    buffer.seek(0)
    return load_workbook(buffer).active


def test_xlsx_text_that_starts_like_a_formula_is_a_string_cell_with_an_apostrophe():
    sheet = _xlsx(["name"], [[value] for value in DANGEROUS])
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.data_type for cell in cells] == ["s"] * len(DANGEROUS)
    # XLSX is XML, which reads a carriage return back as a line feed.
    assert [cell.value for cell in cells] == ["'" + value.replace("\r", "\n") for value in DANGEROUS]


def test_csv_a_carriage_return_inside_a_field_still_reads_back():
    assert _csv(["note"], [["a\rb"]])[1] == ["a\rb"]


def test_xlsx_header_cells_are_never_formulas():
    sheet = _xlsx(["=1+1"], [])
    assert (sheet["A1"].data_type, sheet["A1"].value) == ("s", "'=1+1")


def test_xlsx_negative_numbers_in_number_columns_stay_numeric_cells():
    sheet = _xlsx(["amount", "count"], [["-12.5", "-3"]], numeric={"amount", "count"})
    assert [(cell.data_type, cell.value) for cell in sheet[2]] == [("n", -12.5), ("n", -3)]


def test_xlsx_text_that_looks_like_an_error_code_stays_text():
    sheet = _xlsx(["name"], [["#N/A"]])
    assert (sheet["A2"].data_type, sheet["A2"].value) == ("s", "#N/A")
