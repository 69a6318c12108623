"""Writing spreadsheets (CSV and XLSX) that a spreadsheet program cannot be made to run.

Every CSV or XLSX file the product writes goes through `write_csv` or `write_xlsx`. Text
we store comes from customers, imports and forms; a name such as `=HYPERLINK("http://x",
"y")` or `@SUM(A1)` would be a live formula once Excel, WPS or LibreOffice opens the file
(OWASP "CSV Injection"). Such text is written with a leading apostrophe, the mark
spreadsheet programs themselves use for "this is text", and XLSX cells holding text are
always string cells. Numbers in number columns stay numbers, so `-12.5` is still
arithmetic in Excel and still a decimal to a script reading the CSV.

The escaping is reversible: `unescape_text` undoes it exactly, and the import reader
applies it to every cell, so an export imported again gives back what is stored.
"""

import csv
import re
from collections.abc import Collection, Iterable
from decimal import Decimal

# The first characters that make Excel, WPS or LibreOffice read a cell as a formula
# (OWASP lists = + - @ and tab / carriage return, which some programs skip before parsing).
# A line feed is escaped too: XLSX is XML, which reads a stored CR back as LF, and an
# escaped "\r..." must still come back without its apostrophe.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
QUOTE = "'"
_SUSPECT_FIRST = frozenset(FORMULA_TRIGGERS) | {QUOTE}
# What a number column may hold unescaped: the exporters write decimals as plain digits.
PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _starts_like_formula(value: str) -> bool:
    # Apostrophes before a trigger count as well: otherwise the escaped form of "=x"
    # ("'=x") and a stored "'=x" would be written the same and could not be told apart.
    return value.lstrip(QUOTE).startswith(FORMULA_TRIGGERS)


def escape_text(value: str) -> str:
    """`value` with one leading apostrophe if a spreadsheet would read it as a formula
    (after any apostrophes it already starts with); other text unchanged."""
    # The first-character test spares the full check on almost every cell of a big export.
    if value and value[0] in _SUSPECT_FIRST and _starts_like_formula(value):
        return QUOTE + value
    return value


def unescape_text(value: str) -> str:
    """The inverse of `escape_text`; an apostrophe before ordinary text ("'quoted") is kept,
    one before a trigger is dropped, so a person may type `'+8613800001111` as well."""
    if value.startswith(QUOTE) and _starts_like_formula(value):
        return value[1:]
    return value


def _csv_cell(value, numeric: bool):
    if value is None:
        return ""
    if isinstance(value, str) and not (numeric and PLAIN_NUMBER.fullmatch(value)):
        return escape_text(value)
    return value


def _numeric_positions(header: list[str], numeric: Collection[str]) -> set[int]:
    return {i for i, name in enumerate(header) if name in numeric}


def write_csv(out, header: list[str], rows: Iterable[list], numeric: Collection[str] = ()) -> None:
    """CSV in UTF-8 to the text stream `out` (no BOM: scripts read it; Excel users pick XLSX).
    `numeric` names the columns whose plain numbers are written as they are."""
    writer = csv.writer(out, lineterminator="\n")
    # csv quotes only fields holding the line terminator's characters, and a bare CR in an
    # unquoted field makes readers (ours included) fail: such rows are quoted throughout.
    quoting_writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow([_csv_cell(name, False) for name in header])
    numeric_at = _numeric_positions(header, numeric)
    for row in rows:
        cells = [_csv_cell(value, i in numeric_at) for i, value in enumerate(row)]
        has_cr = any("\r" in cell for cell in cells if isinstance(cell, str))
        (quoting_writer if has_cr else writer).writerow(cells)


def write_xlsx(
    path_or_stream, header: list[str], rows: Iterable[list], numeric: Collection[str], title: str
) -> None:
    """A one-sheet workbook (openpyxl write-only); plain numbers in `numeric` columns as
    numbers, other text as escaped string cells, dates and numbers given as such unchanged."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])

    def text_cell(value: str):
        value = escape_text(value)
        if value.startswith("#"):
            # openpyxl types text by its look: escaping leaves no leading "=" (a formula),
            # and an explicit type keeps "#N/A" and the like text, not error cells.
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            return cell
        return value

    def xlsx_cell(value, numeric: bool):
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        if numeric and PLAIN_NUMBER.fullmatch(value):
            number = Decimal(value)
            return int(number) if number == number.to_integral_value() else float(number)
        return text_cell(value)

    sheet.append([xlsx_cell(name, False) for name in header])
    numeric_at = _numeric_positions(header, numeric)
    for row in rows:
        sheet.append([xlsx_cell(value, i in numeric_at) for i, value in enumerate(row)])
    workbook.save(path_or_stream)


def write_xlsx_table(path_or_stream, rows: Iterable[list], title: str) -> None:
    """A one-sheet workbook of typed cells, for sheets that are no plain table (a header
    block above an item table): numbers, dates and booleans as such, None as an empty
    cell, every string as escaped text (never a formula, even when it looks like a number)."""
    from django.utils.functional import Promise
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])

    def cell(value):
        if isinstance(value, Promise):  # a lazily translated label
            value = str(value)
        if value is None or value == "":
            return None
        if isinstance(value, Decimal):
            return float(value)
        if not isinstance(value, str):
            return value
        typed = WriteOnlyCell(sheet, escape_text(value))
        typed.data_type = "s"
        return typed

    for row in rows:
        sheet.append([cell(value) for value in row])
    workbook.save(path_or_stream)
