"""One import run: read a file of one KIND, validate every row, write all or nothing.

The run streams the file in chunks (see `Kind.chunk_size`); each chunk is parsed,
checked against what is stored and written with bulk statements, all inside one
transaction. The first bad row stops the writing but not the checking, so the report
lists every bad row; at the end the transaction is rolled back if anything was wrong or
the run was a dry run. Rows may refer to records stored earlier or anywhere in the same
file: forward references are settled when the whole file has been read.

The command line, the upload page and the API call `run_import`; there is no other way in.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from servicescore.kpi.services import ImportTouches

from .cells import CellError
from .kinds import KINDS
from .kinds.base import Context, Kind, Row
from .tables import Table, TableError, open_table


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        if self.column:
            return _("row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("row %(row)d: %(message)s") % {"row": self.row, "message": self.message}

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        """The JSON object of import-formats.md, exactly."""
        return {
            "kind": self.kind,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "errors": [e.as_dict() for e in self.errors],
        }


class _Rejected(Exception):
    """Raised inside the transaction to roll it back."""


def run_import(
    kind_name: str, source, *, name: str = "", dry_run: bool = False, user=None, source_label: str = ""
) -> ImportReport:
    """Import one file of `kind_name`; all or nothing. `user` limits it to the user's scope
    (the upload page); None is the operator at the command line, who sees everything."""
    kind: Kind = KINDS[kind_name]()
    report = ImportReport(kind=kind_name, dry_run=dry_run)
    started = time.monotonic()
    label = source_label or (
        Path(name).name if name else (Path(source).name if isinstance(source, (str, Path)) else "")
    )
    try:
        table = source if isinstance(source, Table) else open_table(source, name)
    except TableError as error:
        report.errors.append(RowError(error.row, "", str(error)))
        return report
    report.notices.extend(table.notices)
    if not _check_header(kind, table, report):
        return report
    context = Context(user=user, source_label=label)
    touches = ImportTouches(kind.name)
    try:
        with transaction.atomic():
            _run_rows(kind, table, context, report, touches)
            if report.errors or dry_run:
                raise _Rejected
            if settings.KPI_AUTO_RECOMPUTE:
                touches.request()
    except _Rejected:
        pass
    if report.errors:
        report.created = report.updated = report.unchanged = 0
        report.errors.sort(key=lambda e: (e.row, kind.column_order.get(e.column, -1)))
    report.seconds = time.monotonic() - started
    return report


def _check_header(kind: Kind, table: Table, report: ImportReport) -> bool:
    seen = set()
    for name in table.header:
        if name == "":
            report.errors.append(RowError(1, "", _("a column has no name")))
        elif name not in kind.column_order:
            report.errors.append(
                RowError(
                    1,
                    name,
                    _("unknown column; the %(kind)s columns are %(columns)s")
                    % {
                        "kind": kind.name,
                        "columns": ", ".join(kind.column_order),
                    },
                )
            )
        elif name in seen:
            report.errors.append(RowError(1, name, _("the column appears twice")))
        seen.add(name)
    for column in kind.columns:
        if column.required and column.name not in seen:
            report.errors.append(RowError(1, column.name, _("required column is missing")))
    return not report.errors


def _run_rows(kind: Kind, table: Table, context: Context, report: ImportReport, touches) -> None:
    header = table.header
    columns = [kind.column(name) for name in header]
    first_seen: dict = {}
    chunk: list[Row] = []
    writing = True

    def error(row: int, column: str, message: str) -> None:
        report.errors.append(RowError(row, column, message))

    context.error = error
    kind.prepare(context)

    def flush():
        nonlocal writing
        if not chunk:
            return
        errors_before = len(report.errors)
        kind.check(chunk, context)
        good = [row for row in chunk if not row.bad]
        if writing and len(report.errors) == errors_before and not report.errors:
            touches.before_write(good)
            created, updated, unchanged = kind.write(good, context)
            for row in good:
                touches.add(row.values)
            report.created += created
            report.updated += updated
            report.unchanged += unchanged
        else:
            writing = False
        chunk.clear()

    try:
        for number, cells in table.rows:
            if not any(cells):
                continue  # blank lines and formatting leftovers
            report.rows += 1
            row = Row(number)
            if len(cells) > len(header):
                extra = [c for c in cells[len(header) :] if c]
                if extra:
                    error(number, "", _("the row has more cells than the header has columns"))
                    row.bad = True
            for column, cell in zip(columns, cells, strict=False):
                if cell == "":
                    continue
                try:
                    row.values[column.name] = column.parse(cell)
                except CellError as problem:
                    error(number, column.name, str(problem))
                    row.failed.add(column.name)
                    row.bad = True
            for column in kind.columns:
                if column.required and column.name not in row.values and column.name not in row.failed:
                    error(number, column.name, _("required value is missing"))
                    row.bad = True
            key = kind.row_key(row)
            if key is not None:
                if key in first_seen:
                    error(
                        number,
                        kind.key_column,
                        _("duplicate %(key)s %(value)s (also on row %(row)d)")
                        % {
                            "key": kind.key_label,
                            "value": kind.key_text(key),
                            "row": first_seen[key],
                        },
                    )
                    row.bad = True
                else:
                    first_seen[key] = number
            chunk.append(row)
            if kind.chunk_size and len(chunk) >= kind.chunk_size:
                flush()
        flush()
    except TableError as problem:
        error(problem.row, "", str(problem))
        return
    if not report.errors:
        moved = kind.finish(context)
        report.unchanged -= moved
        report.updated += moved
