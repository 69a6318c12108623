"""Customer voice, overview: the managers' page (/voice/) and the customer-voice section
of an employee's profile."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from servicescore.core.periods import last_complete_month

from .. import policy, selectors


@login_required
def overview(request):
    """The month's survey, follow-up and complaint figures of the work orders in the
    manager's scope, per service centre: `month` (YYYY-MM, default the last complete month) and `unit`
    (an org unit in scope, default all). 404 for roles without the overview or a unit out
    of scope; 400 with a message for a malformed month."""
    if not policy.may_see_overview(request.user):
        raise Http404
    now = timezone.now()
    months = selectors.overview_months(now)
    month = request.GET.get("month") or last_complete_month(now)
    unit = selectors.overview_unit(request.user, request.GET.get("unit"))
    try:
        context = selectors.voice_overview(request.user, month=month, unit=unit, now=now)
    except ValueError as error:
        return render(request, "voice/overview/bad_month.html", {"message": str(error)}, status=400)
    context.update(
        months=months,
        units=selectors.overview_units(request.user),
        reviews_url=selectors.reviews_url(),
        desk_url=selectors.complaint_desk_url("open") if policy.may_handle_complaints(request.user) else "",
        breaching_url=selectors.complaint_desk_url("breaching")
        if policy.may_handle_complaints(request.user)
        else "",
    )
    return render(request, "voice/overview/overview.html", context)


def profile_voice_section(request, *, employee, now=None, **_page) -> dict | None:
    """The employee's customer voice on his profile (org's page, core/sections.py): his
    recent survey responses with their comments, the complaints about him and his praise;
    nothing for a reader who may not see this person's scores."""
    if not selectors.may_read_voice_of(request.user, employee):
        return None
    return {"voice": selectors.employee_voice(request.user, employee, now=now)}
