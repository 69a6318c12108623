"""/api/import/{kind}: bulk upsert for every import KIND — the same `run_import` as the
command line and the upload page, so the same checks, idempotency (upsert by external
id or code) and all-or-nothing rule. Rows come as JSON or as a CSV/XLSX file."""

import functools
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status, UploadedFile
from ninja.decorators import decorate_view

from servicescore.core.errors import declare
from servicescore.exchange.importer import ImportReport, run_import
from servicescore.exchange.kinds import KINDS
from servicescore.exchange.limits import FileRefused, check_upload_size
from servicescore.exchange.policy import may_import_by_api
from servicescore.exchange.tables import Table

from . import auth
from .common import BoolParam, ErrorItem, ErrorOut, ObjectIn, error_body, error_responses

router = Router(tags=["bulk import"])
KindCode = Literal[tuple(KINDS)]
# A multipart body is the file plus its part headers and boundaries.
MULTIPART_OVERHEAD = 64 * 1024
INVALID_ROWS = declare(
    "invalid_rows",
    422,
    "Rows of an import are wrong; nothing was written. `errors` lists each with its row, column "
    "and code (`invalid_row`, or the code of the service that refused it).",
    area="import",
)


class ImportRowError(ErrorItem):
    """A bad row: the error shape's three keys, and the row and column as in the command
    line's report (`field` is the column, or null when the whole row is wrong; `code` is
    `invalid_row`, a file limit's code, or the code of the service that refused the row)."""

    row: int | None = Field(
        default=None, description="Row 2 is the first object, as in a file under its header row."
    )
    column: str | None = Field(
        default=None, description="The column of import-formats.md; empty when the whole row is wrong."
    )


class ImportReportOut(Schema):
    """The JSON of `servicescore import --format json` (import-formats.md)."""

    kind: str
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    errors: list[ImportRowError] = Field(description="Always empty: with a bad row the answer is 422.")
    error_count: int = Field(description="Always 0 here.")
    errors_truncated: bool = Field(description="Always false here.")


class ImportRejectedOut(ErrorOut):
    """422: the error shape. When rows were read (`code` `invalid_rows`) it also carries the
    report's counts and every bad row in `errors`; nothing was written."""

    errors: list[ImportRowError]
    kind: str | None = Field(default=None, description="With `invalid_rows`.")
    created: int | None = Field(default=None, description="With `invalid_rows`: 0, nothing was written.")
    updated: int | None = Field(default=None, description="With `invalid_rows`: 0.")
    unchanged: int | None = Field(default=None, description="With `invalid_rows`: 0.")
    dry_run: bool | None = Field(default=None, description="With `invalid_rows`.")
    error_count: int | None = Field(
        default=None,
        description="With `invalid_rows`: how many problems there are; `errors` lists the first "
        "IMPORT_MAX_REPORTED_ERRORS (200) of them, by row.",
    )
    errors_truncated: bool | None = Field(
        default=None, description="With `invalid_rows`: whether `errors` lists only the first problems."
    )


class RowsIn(ObjectIn):
    # the view answers an empty list with the report's "no rows were sent" (row 1)
    rows: list[dict[str, Any]] = Field(json_schema_extra={"minItems": 1})


def _require_import(user) -> None:
    if not may_import_by_api(user):
        raise PermissionDenied(_("Your role may not import data."))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise TypeError


def rows_table(rows: list[dict]) -> tuple[Table, list[dict]]:
    """JSON objects as a table: the keys (in order of first appearance) are the header;
    object n is row n + 1, as if the rows were a file under a header row. Also returns an
    error for every value that is not text, a number, a boolean or null."""
    header: list[str] = []
    for row in rows:
        for key in row:
            if key not in header:
                header.append(key)
    lines, errors = [], []
    for number, row in enumerate(rows, start=2):
        line = []
        for key in header:
            try:
                line.append(_cell(row.get(key)))
            except TypeError:
                errors.append(
                    {"row": number, "column": key, "message": _("must be text, a number, true/false or null")}
                )
                line.append("")
        lines.append((number, line))
    return Table(header=header, rows=iter(lines)), errors


def _rejected(body: dict) -> Status:
    """A report with bad rows as a 422 in the error shape, keeping every key of the report."""
    rows = body["errors"]
    if len(rows) == 1 and rows[0]["column"]:
        message = _("row %(row)d, column %(column)s: %(message)s") % rows[0]
    elif len(rows) == 1:
        message = _("row %(row)d: %(message)s") % rows[0]
    else:
        message = _("Some rows are not valid; nothing was written. `errors` lists each of them.")
    return Status(
        422,
        {
            **body,
            "code": INVALID_ROWS,
            "message": message,
            "field": None,
            "errors": [{**row, "field": row["column"] or None} for row in rows],
            "detail": message,
        },
    )


def _too_large(refused: FileRefused, field: str) -> dict:
    message = str(refused)
    return error_body(413, message, [{"code": refused.code, "message": message, "field": field}])


def _refuse_large_bodies(run):
    """A request whose Content-Length is over the import limit is answered 413 before its
    body is read, parsed or authenticated: a 25 MB CSV took 97 s to be checked."""

    @functools.wraps(run)
    def refuse_or_run(request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.content_type == "multipart/form-data"
        if length > settings.IMPORT_MAX_UPLOAD_BYTES + (MULTIPART_OVERHEAD if multipart else 0):
            try:
                check_upload_size(length)
            except FileRefused as refused:
                return JsonResponse(_too_large(refused, "file" if multipart else "rows"), status=413)
        return run(request, *args, **kwargs)

    return refuse_or_run


def _rows_rejected(kind: str, dry_run: bool, errors: list[dict]) -> Status:
    report = ImportReport(kind=kind, dry_run=dry_run, column_order=KINDS[kind]().column_order)
    for error in errors:
        report.add_error(error["row"], error["column"], error["message"])
    report.cut_errors()
    return _rejected(report.as_dict())


def _answer(report):
    body = report.as_dict()
    return Status(200, body) if report.ok else _rejected(body)


RESPONSES = {
    200: ImportReportOut,
    **error_responses(400, 401, 403, 413, 429),
    422: ImportRejectedOut,
}


@router.post("/{kind}", response=RESPONSES, auth=auth.IMPORT, summary="Bulk upsert rows of one import KIND")
@decorate_view(_refuse_large_bodies)
def import_rows(request, kind: KindCode, payload: RowsIn, dry_run: BoolParam = False):
    """`{"rows": [{"external_id": "WO1", "service_center": "SC1", ...}, ...]}` with the
    column names of import-formats.md. All rows are written or none; 422 lists every bad
    row as in the command line (row 2 is the first object)."""
    _require_import(request.user)
    if not payload.rows:
        return _rows_rejected(kind, dry_run, [{"row": 1, "column": "", "message": _("no rows were sent")}])
    table, errors = rows_table(payload.rows)
    if errors:
        return _rows_rejected(kind, dry_run, errors)
    report = run_import(kind, table, dry_run=dry_run, user=request.user, source_label=f"API {kind}")
    return _answer(report)


@router.post(
    "/{kind}/file",
    response=RESPONSES,
    auth=auth.IMPORT,
    summary="Bulk upsert a CSV or XLSX file of one import KIND",
)
@decorate_view(_refuse_large_bodies)
def import_file(
    request,
    kind: KindCode,
    file: UploadedFile = File(...),  # noqa: B008
    dry_run: BoolParam = False,
):
    """The same file the command line takes, as multipart field `file`, up to
    IMPORT_MAX_UPLOAD_BYTES (413 above it)."""
    _require_import(request.user)
    try:
        check_upload_size(file.size)
    except FileRefused as refused:
        return Status(413, _too_large(refused, "file"))
    report = run_import(
        kind, file, name=file.name, dry_run=dry_run, user=request.user, source_label=f"API {file.name}"
    )
    return _answer(report)
