"""The people list and the employee profile: parse the request, ask org.selectors, render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers

from servicescore.core import uploads
from servicescore.core.history import PROFILE_HISTORY_LIMIT, history_rows, may_read_record_history
from servicescore.core.sections import render_section, render_sections

from . import selectors
from .models import Employee, Position

SEARCH_MAX_LENGTH = 100
# The element id an htmx pager targets → the profile section it re-renders.
PARTIAL_SECTIONS = {"work-history": "work_history"}


def _people_filters(params) -> tuple[selectors.PeopleFilters, list[str]]:
    """The list filters from the query string, and the names of those that were malformed
    (and so ignored rather than answered with an error page)."""
    rejected = []
    org_unit_id = None
    raw_unit = params.get("org_unit", "").strip()
    if raw_unit:
        try:
            org_unit_id = int(raw_unit)
        except ValueError:
            rejected.append("org_unit")
    position = params.get("position", "").strip()
    if position and position not in Position.values:
        rejected.append("position")
        position = ""
    status = params.get("status", "").strip()
    if status and status not in Employee.Status.values:
        rejected.append("status")
        status = ""
    certificates = params.get("certificates", "").strip()
    if certificates and certificates not in selectors.CERTIFICATE_FILTERS:
        rejected.append("certificates")
        certificates = ""
    filters = selectors.PeopleFilters(
        q=params.get("q", "").strip()[:SEARCH_MAX_LENGTH],
        org_unit_id=org_unit_id,
        position=position,
        status=status,
        certificates=certificates,
    )
    return filters, rejected


@login_required
def people_list(request):
    """Employees the user may see: search, filters and pages all kept in the URL."""
    filters, rejected = _people_filters(request.GET)
    context = selectors.people_directory(request.user, filters, page=request.GET.get("page"))
    context["ignored"] = rejected + context["ignored"]
    return render(request, "org/people_list.html", context)


@login_required
def employee_profile(request, pk):
    """One employee's header, archive, timeline and the sections other apps add (work
    history…); 404 when out of scope. An htmx request from a section's pager (the work
    history's) gets only that section."""
    page = request.GET.get("page")
    target = request.headers.get("HX-Target", "") if request.headers.get("HX-Request") else ""
    if target in PARTIAL_SECTIONS:
        employee = selectors.visible_employee(request.user, pk)
        html = render_section("profile", PARTIAL_SECTIONS[target], request, employee=employee, page=page)
        response = HttpResponse(html or "")
    else:
        context = selectors.employee_profile(request.user, pk)
        context["sections"] = render_sections("profile", request, employee=context["employee"], page=page)
        if may_read_record_history(request.user):
            context["record_changes"] = history_rows(
                context["employee"], limit=PROFILE_HISTORY_LIMIT, user=request.user
            )
        response = render(request, "org/profile.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
def certificate_scan(request, pk):
    """A certificate's scanned file, as a download typed by its content, for users who may
    see the employee; 404 otherwise."""
    certificate = selectors.visible_certificate(request.user, pk)
    return uploads.serve_file(certificate.scan, download_name=f"certificate-{certificate.pk}")


@login_required
def reward_penalty_evidence(request, pk):
    """The evidence filed with a reward or penalty, as certificate_scan serves a scan."""
    entry = selectors.visible_reward_penalty(request.user, pk)
    return uploads.serve_file(entry.evidence, download_name=f"evidence-{entry.pk}")


@login_required
def my_profile(request):
    """The signed-in user's own profile; 404 for an account with no employee record."""
    return redirect("org:profile", pk=selectors.own_employee(request.user).pk)
