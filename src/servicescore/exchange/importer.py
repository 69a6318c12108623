"""One import run: read a file of one KIND, validate every row, write all or nothing.

A run has two passes, so that the database's write lock is held only while rows are
written (on SQLite one writer locks the whole database: a 50,000-row import used to hold
it for 35 s, and log-ins, API calls and saves failed with "database is locked" after their
20 s wait):

1. Check, outside any transaction (reads only). The file is streamed in chunks (see
   `Kind.chunk_size`); each chunk is parsed and checked against what is stored, and the
   parsed rows go to a spool file (a temporary file, deleted when the run ends or dies).
   A bad row stops the spooling but not the checking, so the report lists every bad
   row; a bad file never opens a transaction.
   On PostgreSQL, which locks rows and not the database, the rows are only parsed and
   spooled here, bad or not, and checked once, in the second pass: checking twice cost a
   100,000-row import a quarter of its time.
2. Write, in one transaction: each spooled chunk is checked again (the data may have
   changed since, and this pass sees the rows written before it) and written with bulk
   statements. At the end the transaction is rolled back if anything was wrong or the
   run was a dry run; a run killed halfway leaves nothing, as the transaction never
   commits.

Rows may refer to records stored earlier or anywhere in the same file: forward
references are settled when the whole file has been written.

The command line, the upload page and the API call `run_import`; there is no other way in.
Limits (exchange/limits.py) apply unless the caller is the command line.
"""

import heapq
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from servicescore.kpi.services.import_recompute import ImportTouches

from .blank import example_key
from .cells import CellError
from .errors import INVALID_ROW
from .kinds import KINDS
from .kinds.base import Context, Kind, Row
from .limits import ImportLimits, check_file, too_many_rows
from .tables import Table, TableError, open_table


@dataclass
class RowError:
    """A problem at a row: the column to blame ('' for the whole row), the sentence, and its
    code (a service's own when a service refused the row, core.errors)."""

    row: int
    column: str
    message: str
    code: str = INVALID_ROW

    def __str__(self):
        if self.column:
            return _("row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("row %(row)d: %(message)s") % {"row": self.row, "message": self.message}

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": self.message, "code": self.code}


@dataclass
class ImportReport:
    """Counts, and the first `max_errors` problems by row (None: all) with their total:
    a file of 1 MB of bad rows gave 12.8 MB of JSON when every problem was listed."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    notices: list[str] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0
    max_errors: int | None = None
    column_order: dict = field(default_factory=dict, repr=False)
    # What the file holds, for the link to it after an import (exchange/links.py): the
    # first keys, the span of `created_at`, and the values of a few columns.
    extent: "Extent" = field(default_factory=lambda: Extent())

    def __post_init__(self):
        if self.max_errors is None:
            self.max_errors = settings.IMPORT_MAX_REPORTED_ERRORS or None

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def add_error(self, row: int, column: str, message: str, code: str = INVALID_ROW) -> None:
        self.error_count += 1
        self.errors.append(RowError(row, column, message, code))
        # Kept to twice the limit, then cut back to the lowest rows: memory stays bounded
        # and a problem found late on an early row (a chunk's checks) still makes the list.
        if self.max_errors and len(self.errors) >= 2 * self.max_errors:
            self.cut_errors()

    def cut_errors(self) -> None:
        """Sort the problems by row and column and keep the first `max_errors`."""
        order = self.column_order

        def key(error):
            return (error.row, order.get(error.column, -1))

        if self.max_errors:
            self.errors = heapq.nsmallest(self.max_errors, self.errors, key=key)
        else:
            self.errors.sort(key=key)

    def as_dict(self) -> dict:
        """The JSON object of import-formats.md, with the total of problems and whether
        `errors` lists only the first of them."""
        return {
            "kind": self.kind,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "errors": [e.as_dict() for e in self.errors],
            "error_count": self.error_count,
            "errors_truncated": self.errors_truncated,
        }


# Columns whose distinct values (up to EXTENT_VALUES of them) an import notes.
EXTENT_COLUMNS = ("service_center", "period", "indicator", "work_order_external_id")
EXTENT_VALUES = 20


@dataclass
class Extent:
    keys: list = field(default_factory=list)
    first_created: object = None
    last_created: object = None
    values: dict = field(default_factory=dict)

    def note(self, kind: Kind, row: Row) -> None:
        key = kind.row_key(row)
        if key is not None and len(self.keys) < 2:
            self.keys.append(kind.key_text(key))
        created = row.get("created_at")
        if created is not None:
            if self.first_created is None or created < self.first_created:
                self.first_created = created
            if self.last_created is None or created > self.last_created:
                self.last_created = created
        for name in EXTENT_COLUMNS:
            value = row.get(name)
            if value is not None:
                seen = self.values.setdefault(name, set())
                if len(seen) <= EXTENT_VALUES:
                    seen.add(value)


class _Rejected(Exception):
    """Raised inside the transaction to roll it back."""


def run_import(
    kind_name: str,
    source,
    *,
    name: str = "",
    dry_run: bool = False,
    user=None,
    source_label: str = "",
    size_limits: bool = True,
    max_errors: int | None = None,
) -> ImportReport:
    """Import one file of `kind_name`; all or nothing. `user` limits it to the user's scope
    (the upload page); None is the operator at the command line, who sees everything.
    `size_limits=False` (the command line) lifts the limits of exchange/limits.py;
    `max_errors` overrides IMPORT_MAX_REPORTED_ERRORS (0: list every problem)."""
    kind: Kind = KINDS[kind_name]()
    report = ImportReport(kind=kind_name, dry_run=dry_run, column_order=kind.column_order)
    if max_errors is not None:
        report.max_errors = max_errors or None
    started = time.monotonic()
    label = source_label or (
        Path(name).name if name else (Path(source).name if isinstance(source, (str, Path)) else "")
    )
    limits = ImportLimits.from_settings() if size_limits else None
    max_rows = limits.sqlite_max_rows if limits and connection.vendor == "sqlite" else None
    try:
        if limits and not isinstance(source, Table):
            check_file(source, name, limits)
        table = source if isinstance(source, Table) else open_table(source, name)
    except TableError as error:
        report.add_error(error.row, "", str(error), getattr(error, "code", INVALID_ROW))
        return _done(report, started)
    report.notices.extend(table.notices)
    if not _check_header(kind, table, report):
        return _done(report, started)
    context = Context(user=user, source_label=label, columns=table.header)
    touches = ImportTouches(kind.name)
    # Where Django spools large uploads (FILE_UPLOAD_TEMP_DIR, else the system's temporary
    # directory): about 20 MB per 50,000 work orders.
    with tempfile.TemporaryFile(prefix="servicescore-import-", dir=settings.FILE_UPLOAD_TEMP_DIR) as spool:
        check_first = connection.vendor == "sqlite"
        chunks = _check_rows(kind, table, context, report, spool, max_rows, touches, check=check_first)
        if report.ok or not check_first:
            spool.seek(0)
            try:
                with transaction.atomic():
                    _write_rows(kind, context, report, spool, chunks, touches)
                    if not report.ok or dry_run:
                        raise _Rejected
                    if settings.KPI_AUTO_RECOMPUTE:
                        touches.request()
            except _Rejected:
                pass
    if not report.ok:
        report.created = report.updated = report.unchanged = 0
    return _done(report, started)


def _done(report: ImportReport, started: float) -> ImportReport:
    report.cut_errors()
    report.seconds = time.monotonic() - started
    return report


def _check_header(kind: Kind, table: Table, report: ImportReport) -> bool:
    seen = set()
    for name in table.header:
        if name == "":
            report.add_error(1, "", _("a column has no name"))
        elif name not in kind.column_order:
            report.add_error(
                1,
                name,
                _("unknown column; the %(kind)s columns are %(columns)s")
                % {
                    "kind": kind.name,
                    "columns": ", ".join(kind.column_order),
                },
            )
        elif name in seen:
            report.add_error(1, name, _("the column appears twice"))
        seen.add(name)
    for column in kind.columns:
        if column.required and column.name not in seen:
            report.add_error(1, column.name, _("required column is missing"))
    return report.ok


def _check_rows(
    kind: Kind,
    table: Table,
    context: Context,
    report: ImportReport,
    spool,
    max_rows: int | None,
    touches,
    *,
    check: bool = True,
) -> int:
    """The first pass: parse every row and, with `check`, check it, spooling the parsed
    chunks while all is well (without `check`, all of them: the second pass checks and
    reports) and noting what they touch (months, people, days: from their values alone);
    returns the number of chunks spooled. Reads only."""
    header = table.header
    columns = [kind.column(name) for name in header]
    first_seen: dict = {}
    chunk: list[Row] = []
    example = example_key(kind)
    spooled = 0
    error = report.add_error
    context.error = error
    kind.prepare(context)

    def flush():
        nonlocal spooled
        if not chunk:
            return
        if report.ok or not check:
            # As parsed: the second pass checks again from here.
            pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
            spooled += 1
        if check:
            kind.check(chunk, context)
        if report.ok:
            for row in chunk:
                touches.add(row.values)
        chunk.clear()

    try:
        for number, cells in table.rows:
            if not any(cells):
                continue  # blank lines and formatting leftovers
            report.rows += 1
            if max_rows is not None and report.rows > max_rows:
                problem = too_many_rows(max_rows, number)
                error(problem.row, "", str(problem), problem.code)
                return 0
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
            if not row.bad:
                report.extent.note(kind, row)
            if key is not None and key == example:
                report.notices.append(
                    _(
                        "Row %(row)d is the template's example row (%(key)s): edit it into your own "
                        "data or delete it, unless you mean to import it."
                    )
                    % {"row": number, "key": kind.key_text(key)}
                )
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
        error(problem.row, "", str(problem), getattr(problem, "code", INVALID_ROW))
    return spooled


def _write_rows(kind: Kind, context: Context, report: ImportReport, spool, chunks: int, touches) -> None:
    """The second pass, inside the transaction: check each spooled chunk again and write
    it; after a bad row, check on without writing so that every bad row is reported."""
    context.forget()
    kind.prepare(context)
    for _chunk in range(chunks):
        rows: list[Row] = pickle.load(spool)
        kind.check(rows, context)
        if not report.ok:
            continue
        touches.before_write(rows)
        created, updated, unchanged = kind.write(rows, context)
        report.created += created
        report.updated += updated
        report.unchanged += unchanged
    if report.ok:
        moved = kind.finish(context)
        report.unchanged -= moved
        report.updated += moved
