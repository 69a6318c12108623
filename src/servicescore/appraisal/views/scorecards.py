"""The scorecard pages, under /scores/ (URL names `kpi:…`): my scorecard, one scorecard,
the evidence behind a value, and the team view. Each parses the request, asks one
selector and renders."""

import datetime
import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.periods import month_of, parse_period
from servicescore.core.spreadsheets import write_xlsx_table

from ..policy import may_see_team, sees_only_own_scores
from ..scorecard_exports import scorecard_rows, team_rows
from ..selectors.evidence import scorecard_evidence
from ..selectors.scorecards import latest_period, own_employee, scorecard_for
from ..selectors.team import TEAM_SORTS, team_export, team_scorecards

EVIDENCE_PAGE_PARAMS = ("records_page", "numerator_page", "denominator_page")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Text columns read best A → Z first; scores best highest first.
ASCENDING_FIRST = {"name", "position", "centre", "grade"}


def _bad_period(request, code: str | None):
    """A page saying what is wrong with a malformed period (never a traceback), or None
    when the period is well formed or not given."""
    if not code:
        return None
    try:
        parse_period(code)
    except ValueError as error:
        return render(request, "appraisal/bad_period.html", {"message": str(error)}, status=400)
    return None


def _navigation(context) -> dict:
    """Someone else's scorecard is reached from the team view: highlight that."""
    return {} if context["is_own"] else {"nav_active": "team_scores"}


@login_required
def my_scorecard(request):
    """The signed-in employee's scorecard of the newest complete period (a running month
    is provisional: reached from the period picker), else the newest; last month's page
    when there is none yet. An account without an employee record goes to the team view,
    if it has one."""
    employee = own_employee(request.user)
    if employee is None:
        if may_see_team(request.user):
            return redirect("kpi:team_scores")
        raise Http404
    period = latest_period(employee) or _last_month()
    return redirect("kpi:scorecard", employee_no=employee.employee_no, period=period)


def _last_month() -> str:
    """The last complete month: the one a scorecard page opens on when there is none."""
    return month_of(parse_period(month_of(timezone.now())).start - datetime.timedelta(seconds=1))


@login_required
def scorecard(request, employee_no, period):
    """One employee's scorecard for a period, item by item; 404 out of scope."""
    if bad := _bad_period(request, period):
        return bad
    context = scorecard_for(request.user, employee_no, period)
    return render(request, "appraisal/scorecard.html", context | _navigation(context))


def _workbook(rows: list[list], *, title: str, filename: str) -> FileResponse:
    out = tempfile.TemporaryFile()  # FileResponse closes it once sent
    write_xlsx_table(out, rows, title=title)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


@login_required
def scorecard_export(request, employee_no, period):
    """One scorecard as an .xlsx sheet (header, then its items); the page's selector, so
    404 out of scope and 404 for a period without a scorecard."""
    if bad := _bad_period(request, period):
        return bad
    context = scorecard_for(request.user, employee_no, period)
    if context["scorecard"] is None:
        raise Http404
    return _workbook(
        scorecard_rows(context),
        title=_("Scorecard"),
        filename=f"scorecard-{context['employee'].employee_no}-{context['period'].code}.xlsx",
    )


@login_required
def evidence(request, employee_no, period, code):
    """The formula, the figures and the records behind one value of a scorecard."""
    pages = {name: request.GET.get(name) for name in EVIDENCE_PAGE_PARAMS}
    if bad := _bad_period(request, period):
        return bad
    context = scorecard_evidence(request.user, employee_no, period, code, pages)
    context.update(_navigation(context))
    for section in context["sections"]:
        section.previous_url = _page_url(request, section.page_param, section.page, previous=True)
        section.next_url = _page_url(request, section.page_param, section.page, previous=False)
    return render(request, "appraisal/evidence.html", context)


def _page_url(request, param: str, page, *, previous: bool) -> str:
    """The link to the previous or next page of one evidence list, keeping the others'."""
    if not (page.has_previous() if previous else page.has_next()):
        return ""
    params = request.GET.copy()
    params[param] = page.previous_page_number() if previous else page.next_page_number()
    return f"?{params.urlencode()}#{param}"


def _sort_links(request, current: str) -> dict:
    """sort key → {url, direction}: the link that sorts by that column (toggling when it
    is already the sort) and the current direction of the sorted column."""
    links = {}
    for key in TEAM_SORTS:
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


@login_required
def team_scores_export(request):
    """The team table as an .xlsx sheet: every person of the team view (same scope, period,
    org unit and order; not paged) with each item's points. 404 for self-only roles."""
    if sees_only_own_scores(request.user):
        raise Http404
    if bad := _bad_period(request, request.GET.get("period")):
        return bad
    context = team_export(
        request.user,
        request.GET.get("period"),
        org_unit=request.GET.get("org_unit"),
        sort=request.GET.get("sort"),
        grade=request.GET.get("grade"),
    )
    return _workbook(
        team_rows(context["scorecards"]),
        title=_("Team scores"),
        filename=f"team-scores-{context['period'] or 'none'}.xlsx",
    )


@login_required
def team_scores(request):
    """The team's scorecards, sortable, with the grade distribution; for leads, managers,
    HR and admin within their scope. Self-only roles go to their own scorecard."""
    if sees_only_own_scores(request.user):
        return redirect("kpi:my_scorecard")
    if bad := _bad_period(request, request.GET.get("period")):
        return bad
    context = team_scorecards(
        request.user,
        request.GET.get("period"),
        org_unit=request.GET.get("org_unit"),
        sort=request.GET.get("sort"),
        page=request.GET.get("page"),
        grade=request.GET.get("grade"),
    )
    params = request.GET.copy()
    params.pop("page", None)
    export_params = params.copy()
    export_params["period"] = context["period"] or ""
    context.update(
        sort_links=_sort_links(request, context["sort"]),
        query=params.urlencode(),
        export_query=export_params.urlencode(),
        chart={
            "grades": [row["grade"] for row in context["distribution"]],
            "counts": [row["count"] for row in context["distribution"]],
            "label": _("Scorecards"),
        },
    )
    return render(request, "appraisal/team.html", context)
