"""Reading and writing the exchange files: CSV (UTF-8, BOM accepted) and XLSX (first sheet).

`open_table` yields the header and then the data rows as lists of stripped strings, with
their row numbers as a spreadsheet shows them (row 1 is the header). Rows are streamed so a
million-row file never sits in memory whole. openpyxl reads the workbooks. Every cell is
unescaped as `core.spreadsheets` escapes formula-looking text on export ("'=x" reads "=x"),
so an export imported again gives back exactly what is stored; the writers live there.
"""

import codecs
import csv
import datetime
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicescore.core.spreadsheets import unescape_text

FORMATS = ("csv", "xlsx")
XLSX_MAGIC = b"PK\x03\x04"


class TableError(ValueError):
    """The file as a whole cannot be read (wrong encoding, not a workbook, empty)."""

    def __init__(self, message: str, row: int = 1):
        super().__init__(message)
        self.row = row


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    notices: list[str] = field(default_factory=list)


def detect_format(name: str, head: bytes) -> str:
    """'xlsx' for a workbook (by content, whatever the name says), else 'csv'."""
    if head.startswith(XLSX_MAGIC) or name.lower().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def open_table(source: Path | io.BufferedIOBase, name: str = "") -> Table:
    """Open a CSV or XLSX file (a path or a binary file object) for streaming."""
    stream = open(source, "rb") if isinstance(source, (str, Path)) else source  # noqa: SIM115
    name = name or str(source)
    head = stream.read(4)
    stream.seek(0)
    if detect_format(name, head) == "xlsx":
        return _open_xlsx(stream)
    return _open_csv(stream)


def _open_csv(stream) -> Table:
    def decoded_lines() -> Iterator[str]:
        # Decoding line by line tells exactly which line holds a byte that is not UTF-8.
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise TableError(_not_utf8_message(stream, error), number) from None

    reader = csv.reader(decoded_lines())

    def records() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as error:
            raise TableError(
                _("the CSV file cannot be read: %(error)s") % {"error": error}, reader.line_num
            ) from None

    lines = records()
    header = next(lines, None)
    if header is None:
        raise TableError(_("the file is empty; the first row must hold the column names"))

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, row in enumerate(lines, start=2):
            yield number, [unescape_text(cell.strip()) for cell in row]

    return Table([unescape_text(cell.strip()) for cell in header], rows())


def _not_utf8_message(stream, error: UnicodeDecodeError) -> str:
    message = _("the file is not UTF-8 text (byte 0x%(byte)02X cannot be read)") % {
        "byte": error.object[error.start]
    }
    try:
        stream.seek(0)
        sample = stream.read(1_000_000)
        codecs.decode(sample, "gb18030")
        message += _("; it looks like GBK/GB18030, Excel's default on Chinese Windows")
    except (UnicodeDecodeError, OSError, ValueError):
        pass
    return message + _('. Save it as "CSV UTF-8" and import it again.')


def _open_xlsx(stream) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several unrelated types for a bad file
        raise TableError(
            _("the file is not a readable XLSX workbook (%(error)s)")
            % {
                "error": error.__class__.__name__,
            }
        ) from None
    notices = []
    sheets = workbook.worksheets
    if not sheets:
        raise TableError(_("the workbook has no sheets"))
    sheet = sheets[0]
    # The blank template's second sheet (allowed values) is meant to be left in.
    others = [s for s in sheets[1:] if s.title not in reference_sheet_titles()]
    if others:
        notices.append(
            _('The workbook has %(count)d sheets; only the first, "%(name)s", was read.')
            % {
                "count": len(sheets),
                "name": sheet.title,
            }
        )
    # Cells, not values: a date cell's number format tells a day from a moment.
    lines = sheet.iter_rows()
    header = next(lines, None)
    if header is None:
        raise TableError(_("the file is empty; the first row must hold the column names"))
    header = [_cell_text(cell) for cell in header]
    # Trailing empty header cells are formatting leftovers, not columns.
    while header and header[-1] == "":
        header.pop()

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in enumerate(lines, start=2):
                yield number, [_cell_text(cell) for cell in row[: len(header)]]
        finally:
            workbook.close()

    return Table(header, rows(), notices)


# Quoted text, [colour] and [$-locale] sections and escaped characters of a number format:
# what is left tells whether it shows a time.
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _shows_time(number_format: str) -> bool:
    bare = _FORMAT_LITERALS.sub("", number_format or "").lower()
    return "h" in bare or "s" in bare or "am/pm" in bare


def _cell_text(cell) -> str:
    """An XLSX cell as the text a CSV would hold. A date-time cell gives ISO 8601 text
    (company-local, as it has no offset); one whose format shows no time gives the day
    alone, so that a day in a timestamp column is refused as in a CSV."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time() and not _shows_time(getattr(cell, "number_format", "")):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds" if not value.microsecond else "microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat()
    return unescape_text(str(value).strip())


# The title of the blank template's second sheet (exchange/blank.py), in each language.
REFERENCE_SHEET = gettext_lazy("Allowed values")


@functools.cache
def reference_sheet_titles() -> frozenset[str]:
    titles = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            titles.add(str(REFERENCE_SHEET)[:31])
    return frozenset(titles)
