"""The audit page and its export: parse the filters, ask core.audit_selectors, render.

GET only: nothing on these pages writes (the trail is append-only, see core.models)."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .audit_forms import AuditFilterForm
from .audit_selectors import (
    audit_entries,
    audit_export_header,
    audit_export_rows,
    audit_page,
    audit_record_types,
)
from .errors import Refused
from .periods import local_today
from .spreadsheets import write_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form(request) -> AuditFilterForm:
    try:
        record_types = audit_record_types(request.user)
    except Refused as refused:
        raise PermissionDenied(refused.message_text) from None
    return AuditFilterForm(request.GET, record_types=record_types)


def _render(request, form, page=None, *, status=200):
    return render(request, "core/audit_list.html", {"form": form, "page": page}, status=status)


@require_GET
@login_required
def audit_list(request):
    """The trail, newest first, 50 entries a page; nothing listed while a filter is wrong."""
    form = _filter_form(request)
    if not form.is_valid():
        return _render(request, form)
    entries = audit_entries(request.user, **form.filters())
    page = audit_page(
        request.user, entries, older=request.GET.get("older", ""), newer=request.GET.get("newer", "")
    )
    return _render(request, form, page)


@require_GET
@login_required
def audit_export(request):
    """The filtered trail as an .xlsx workbook; a wrong filter gives the page and its error."""
    form = _filter_form(request)
    if not form.is_valid():
        return _render(request, form, status=400)
    entries = audit_entries(request.user, **form.filters())
    out = tempfile.TemporaryFile()  # FileResponse closes it once sent
    write_xlsx(
        out, audit_export_header(), audit_export_rows(request.user, entries), (), title=_("Audit trail")
    )
    out.seek(0)
    filename = f"audit-trail-{local_today():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
