"""The calibration view, the calibration of one person, and the results table of an
appraisal cycle, with its Excel export (URL names `appraisal:calibration`,
`appraisal:calibration_adjust`, `appraisal:cycle_results`, `appraisal:cycle_results_export`).
Each asks the scope through selectors/calibration.py first: 404 outside it."""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from servicescore.core.errors import DomainError, NotFound
from servicescore.core.spreadsheets import write_xlsx_table

from ..models import Evaluation
from ..selectors.calibration import SORTS, calibration_board, calibration_cycle, results_rows, results_table
from ..services.calibration import adjustment_bounds, calibrate, may_calibrate

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Text columns read best A → Z first; scores best highest first.
ASCENDING_FIRST = {"name", "unit", "position", "grade", "reviewer", "state", "rank"}


def _sort_links(request, current: str) -> dict:
    """sort key → {url, direction}, as the team view's headers."""
    links = {}
    for key in SORTS:
        if current == key:
            target, direction = f"-{key}", "asc"
        elif current == f"-{key}":
            target, direction = key, "desc"
        else:
            target, direction = (key if key in ASCENDING_FIRST else f"-{key}"), ""
        params = request.GET.copy()
        params["sort"] = target
        params.pop("page", None)
        links[key] = {"url": f"?{params.urlencode()}", "direction": direction}
    return links


def _filters(request) -> dict:
    return {
        "org_unit": request.GET.get("org_unit") or None,
        "position": request.GET.get("position") or None,
        "sort": request.GET.get("sort") or None,
    }


def _without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _page(request) -> dict:
    return {"page": request.GET.get("page") or None}


@login_required
def calibration(request, pk):
    """The calibration view of a cycle: distributions, forced-distribution shares, the
    reviewers' leniency, boundary flags and the sortable list."""
    try:
        context = calibration_board(request.user, pk, **_filters(request), **_page(request))
    except NotFound:
        raise Http404 from None
    context.update(
        sort_links=_sort_links(request, context["sort"]),
        query=_without_page(request),
        chart={
            "bins": [row["label"] for row in context["histogram"]],
            "counts": [row["count"] for row in context["histogram"]],
            "label": _("People"),
        },
    )
    return render(request, "appraisal/cycles/calibration.html", context)


@login_required
def calibration_adjust(request, pk, evaluation_pk):
    """One person's calibration: the parts of the score and the form (adjustment of the
    reviewed part, grade, reason). A refused change shows the form again with the error."""
    try:
        cycle = calibration_cycle(request.user, pk)
    except NotFound:
        raise Http404 from None
    evaluation = (
        Evaluation.objects.select_related("employee__org_unit", "org_unit", "reviewer", "cycle", "version")
        .filter(pk=evaluation_pk, cycle=cycle)
        .first()
    )
    if evaluation is None or not may_calibrate(request.user, evaluation):
        raise Http404
    error, status, values = None, 200, {}
    if request.method == "POST":
        values = request.POST
        revision = request.POST.get("revision", "")
        try:
            calibrate(
                by=request.user,
                evaluation=evaluation,
                revision=int(revision) if revision.isdigit() else -1,
                adjustment=request.POST.get("adjustment"),
                grade=request.POST.get("grade") if request.POST.get("set_grade") == "on" else None,
                reason=request.POST.get("reason", ""),
            )
        except DomainError as problem:
            error, status = problem, problem.status
            evaluation.refresh_from_db()
        else:
            messages.success(
                request, _("%(name)s's evaluation was calibrated.") % {"name": evaluation.employee.name}
            )
            # `back` is the calibration view's query string: appended to our own path only.
            back = request.POST.get("back", "")
            return redirect(reverse("appraisal:calibration", args=[cycle.pk]) + (f"?{back}" if back else ""))
    low, high = adjustment_bounds(evaluation)
    return render(
        request,
        "appraisal/cycles/calibration_adjust.html",
        {
            "cycle": cycle,
            "evaluation": evaluation,
            "low": low,
            "high": high,
            "grades": [band["grade"] for band in cycle.grade_bands or []],
            "changes": list(evaluation.changes.select_related("by").order_by("-at", "-pk")[:20]),
            "editable": evaluation.state == Evaluation.State.CALIBRATION,
            "error": error,
            "error_field": getattr(error, "field", None),
            "values": values,
            "back": request.GET.get("back", "") or request.POST.get("back", ""),
        },
        status=status,
    )


@login_required
def cycle_results(request, pk):
    """The results table of a cycle: every evaluation in scope, sortable, filterable, paged."""
    try:
        context = results_table(request.user, pk, page=request.GET.get("page"), **_filters(request))
    except NotFound:
        raise Http404 from None
    params = request.GET.copy()
    params.pop("page", None)
    context.update(sort_links=_sort_links(request, context["sort"]), query=params.urlencode())
    return render(request, "appraisal/cycles/results.html", context)


def _rounded(value, digits=2):
    return None if value is None else round(float(value), digits)


def results_sheet(evaluations: list[Evaluation]) -> list[list]:
    """The results table as sheet rows: a header, then one row per evaluation."""
    rows = [
        [
            _("Employee no."),
            _("Name"),
            _("Org unit"),
            _("Position"),
            _("KPI part"),
            _("Reviewed part"),
            _("Manager adjustment"),
            _("Calibration adjustment"),
            _("Appeal adjustment"),
            _("Final score"),
            _("Grade"),
            _("Calibrated grade"),
            _("Rank in position"),
            _("Rank in service centre"),
            _("Ranked among"),
            _("Reviewer"),
            _("State"),
        ]
    ]
    for e in evaluations:
        rows.append(
            [
                e.employee.employee_no,
                e.employee.name,
                e.org_unit.name,
                e.get_position_display(),
                _rounded(e.kpi_score),
                _rounded(e.manual_score),
                _rounded(e.review_adjustment),
                _rounded(e.calibration_adjustment),
                _rounded(e.appeal_adjustment),
                _rounded(e.final_score),
                e.grade,
                e.calibrated_grade,
                e.rank_in_position,
                e.rank_in_centre,
                e.ranked_among,
                e.reviewer.name if e.reviewer_id else "",
                e.get_state_display(),
            ]
        )
    return rows


@login_required
def cycle_results_export(request, pk):
    """The results table as an .xlsx sheet (same scope, filters and order; not paged);
    every text cell written as text, never as a formula."""
    try:
        cycle, evaluations = results_rows(request.user, pk, **_filters(request))
    except NotFound:
        raise Http404 from None
    out = tempfile.TemporaryFile()  # FileResponse closes it once sent
    write_xlsx_table(out, results_sheet(evaluations), title=_("Results"))
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"cycle-{cycle.pk}-results.xlsx", content_type=XLSX_TYPE
    )
