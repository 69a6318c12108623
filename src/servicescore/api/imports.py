"""/api/import/{kind}: bulk upsert for every import KIND — the same `run_import` as the
command line and the upload page, so the same checks, idempotency (upsert by external
id or code) and all-or-nothing rule. Rows come as JSON or as a CSV/XLSX file."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status, UploadedFile

from servicescore.core.roles import IMPORT_ROLES, Role
from servicescore.exchange.importer import run_import
from servicescore.exchange.kinds import KINDS
from servicescore.exchange.tables import Table

from . import auth
from .common import ErrorOut

router = Router(tags=["bulk import"])
API_IMPORT_ROLES = IMPORT_ROLES | {Role.INTEGRATION}


class ImportReportOut(Schema):
    """Exactly the JSON of `servicescore import --format json` (import-formats.md)."""

    kind: str
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    errors: list[dict]


class RowsIn(Schema):
    rows: list[dict[str, Any]]


def _require_import(user, kind: str) -> None:
    if user.effective_role not in API_IMPORT_ROLES or user.is_read_only:
        raise PermissionDenied(_("Your role may not import data."))
    if kind not in KINDS:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {
                "kind": _("unknown kind %(kind)s; the kinds are %(kinds)s")
                % {"kind": kind, "kinds": ", ".join(KINDS)}
            }
        )


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


def _answer(report):
    body = report.as_dict()
    return Status(200 if report.ok else 422, body)


RESPONSES = {200: ImportReportOut, 422: ImportReportOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}


@router.post("/{kind}", response=RESPONSES, auth=auth.IMPORT, summary="Bulk upsert rows of one import KIND")
def import_rows(request, kind: str, payload: RowsIn, dry_run: bool = False):
    """`{"rows": [{"external_id": "WO1", "service_center": "SC1", ...}, ...]}` with the
    column names of import-formats.md. All rows are written or none; 422 lists every bad
    row as in the command line (row 2 is the first object)."""
    _require_import(request.user, kind)
    if not payload.rows:
        return Status(
            422,
            {
                "kind": kind,
                "created": 0,
                "updated": 0,
                "unchanged": 0,
                "dry_run": dry_run,
                "errors": [{"row": 1, "column": "", "message": _("no rows were sent")}],
            },
        )
    table, errors = rows_table(payload.rows)
    if errors:
        return Status(
            422,
            {"kind": kind, "created": 0, "updated": 0, "unchanged": 0, "dry_run": dry_run, "errors": errors},
        )
    report = run_import(kind, table, dry_run=dry_run, user=request.user, source_label=f"API {kind}")
    return _answer(report)


@router.post(
    "/{kind}/file",
    response=RESPONSES,
    auth=auth.IMPORT,
    summary="Bulk upsert a CSV or XLSX file of one import KIND",
)
def import_file(request, kind: str, file: UploadedFile = File(...), dry_run: bool = False):  # noqa: B008
    """The same file the command line takes, as multipart field `file`."""
    _require_import(request.user, kind)
    report = run_import(
        kind, file, name=file.name, dry_run=dry_run, user=request.user, source_label=f"API {file.name}"
    )
    return _answer(report)
