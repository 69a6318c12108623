"""The import page: upload, see the report of a dry run, then commit — and scoped exports.

The file waits under var/uploads between the preview and the commit, named by a random
token kept in the user's session, so one user cannot commit another's upload.
"""

import secrets
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from servicescore.org.scope import scope_for

from .blank import template_csv, template_xlsx
from .exporter import export_bytes
from .forms import KIND_LABELS, UploadForm
from .importer import run_import
from .kinds import KINDS
from .links import imported_link
from .policy import may_import

SESSION_KEY = "exchange_uploads"
LAST_IMPORT_KEY = "exchange_last_import"


def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _require_import_role(user):
    if not may_import(user):
        raise Http404


def _formats():
    return [{"kind": k, "label": KIND_LABELS[k], "columns": KINDS[k]().header} for k in KINDS]


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    """Step 1: choose the kind and the file; the page shows the dry-run report."""
    _require_import_role(request.user)
    report = token = None
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        token = secrets.token_urlsafe(16)
        suffix = ".xlsx" if upload_file.name.lower().endswith(".xlsx") else ".csv"
        path = _upload_dir() / f"{token}{suffix}"
        with path.open("wb") as out:
            for piece in upload_file.chunks():
                out.write(piece)
        report = run_import(
            kind, path, name=upload_file.name, dry_run=True, user=request.user, source_label=upload_file.name
        )
        if report.ok:
            pending = request.session.get(SESSION_KEY, {})
            pending[token] = {"kind": kind, "path": path.name, "name": upload_file.name}
            request.session[SESSION_KEY] = pending
        else:
            path.unlink(missing_ok=True)
            token = None
    # Shown once, on the page the import's commit leads back to.
    imported = request.session.pop(LAST_IMPORT_KEY, None) if request.method == "GET" else None
    return render(
        request,
        "exchange/upload.html",
        {
            "form": form,
            "report": report,
            "token": token,
            "imported": imported,
            "formats": _formats(),
            "kind_label": KIND_LABELS.get(report.kind) if report else "",
            "max_bytes": settings.IMPORT_MAX_UPLOAD_BYTES,
        },
    )


@login_required
@require_POST
def commit(request):
    """Step 2: import the previewed file for real (checked again: the data may have moved)."""
    _require_import_role(request.user)
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(request.POST.get("token", ""), None)
    request.session[SESSION_KEY] = pending
    if entry is None:
        messages.error(request, _("That upload is no longer waiting to be imported; upload the file again."))
        return redirect("exchange:upload")
    path = _upload_dir() / entry["path"]
    if not path.is_file():
        messages.error(request, _("The uploaded file has gone; upload it again."))
        return redirect("exchange:upload")
    try:
        report = run_import(
            entry["kind"], path, name=entry["name"], user=request.user, source_label=entry["name"]
        )
    finally:
        path.unlink(missing_ok=True)
    if report.ok:
        messages.success(
            request,
            _("%(file)s imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {
                "file": entry["name"],
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            },
        )
        link = imported_link(report)
        if link:
            request.session[LAST_IMPORT_KEY] = link
        return redirect("exchange:upload")
    return render(
        request,
        "exchange/upload.html",
        {
            "form": UploadForm(),
            "report": report,
            "token": None,
            "formats": _formats(),
            "kind_label": KIND_LABELS.get(report.kind),
            "max_bytes": settings.IMPORT_MAX_UPLOAD_BYTES,
        },
    )


@login_required
def export(request, kind: str, fmt: str):
    """Download the records of a KIND that the user may see, in the import columns."""
    _require_import_role(request.user)
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        raise Http404
    scope = scope_for(request.user)
    if scope.everything:
        root = None
    elif scope.unit_paths:
        root = SimpleNamespace(path=scope.unit_paths[0])
    else:
        raise Http404
    body = export_bytes(kind, fmt=fmt, org_unit=root)
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if fmt == "xlsx"
        else "text/csv; charset=utf-8"
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{kind}.{fmt}"'
    return response


@login_required
def template(request, kind: str, fmt: str = "csv"):
    """A blank template of a KIND to fill in: its columns and an example row; the XLSX has
    a second sheet with every allowed value of its choice columns and the date spellings."""
    _require_import_role(request.user)
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        raise Http404
    if fmt == "xlsx":
        body = template_xlsx(kind)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = template_csv(kind)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{fmt}"'
    return response
