"""The rating page, /scores/ratings/?period=YYYY-MM&org_unit=<id> (URL name `kpi:ratings`):
a reviewer rates the manual items of the people in their scope for a month, the whole
team in one form. It parses the request, asks the selector and calls
`appraisal.services.ratings.save_ratings`; a bad submit shows the form again (200, as
the product's other form pages do) with what was typed and each error at its cell."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from servicescore.core.errors import Conflict, Invalid
from servicescore.core.periods import last_complete_month, local_today

from ..errors import RatingsInvalid, RatingsNotFound, RatingsRefused
from ..policy import require_rater
from ..rating_forms import entries_from_post, show_posted
from ..selectors.ratings import rating_month, rating_sheet, reviewer_of
from ..services.ratings import save_ratings

MONTHS_OFFERED = 13  # the running month and the twelve before it


def recent_months(now=None) -> list[str]:
    """The months the period chooser offers, newest first."""
    day = local_today(now).replace(day=1)
    months = []
    for _n in range(MONTHS_OFFERED):
        months.append(f"{day.year:04d}-{day.month:02d}")
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return months


def _problem_lines(rows, problems) -> list[str]:
    """Each problem as one line naming its person and item, for the summary above the form."""
    names = {row.employee.employee_no: row.employee.name for row in rows}
    items = {(row.employee.employee_no, cell.code): cell.name for row in rows for cell in row.cells}
    return [
        _("%(person)s · %(item)s: %(message)s")
        % {
            "person": names.get(problem.employee_no, problem.employee_no),
            "item": items.get((problem.employee_no, problem.indicator), problem.indicator),
            "message": problem.message,
        }
        for problem in problems
    ]


@login_required
def ratings(request):
    """A reviewer's rating page for a month and (optionally) an org unit; POST saves the
    whole form at once. 403 for a role that does not rate, 404 for an org unit (or a
    posted person) out of scope."""
    require_rater(request.user)
    context = {"months": recent_months()}
    reviewer = reviewer_of(request.user)
    if reviewer is None:
        return render(request, "appraisal/ratings.html", context | {"no_reviewer": True})
    try:
        period = rating_month(request.GET.get("period") or last_complete_month())
    except Invalid as error:
        context.update(period_error=error.message_text, period_code=request.GET.get("period", ""))
        return render(request, "appraisal/ratings.html", context, status=400)
    sheet = rating_sheet(
        request.user,
        reviewer,
        period,
        org_unit=request.GET.get("org_unit"),
        page=request.GET.get("page"),
    )
    params = request.GET.copy()
    params.pop("page", None)
    context.update(
        sheet, period_code=period.code, provisional=period.end > timezone.now(), query=params.urlencode()
    )
    if request.method != "POST":
        return render(request, "appraisal/ratings.html", context)
    entries = entries_from_post(request.POST)
    try:
        saved = save_ratings(user=request.user, period=period.code, entries=entries)
    except RatingsNotFound:
        raise Http404 from None
    except RatingsRefused as error:
        raise PermissionDenied(error.message_text) from None
    except RatingsInvalid as error:
        show_posted(context["rows"], entries, error.problems)
        context["problems"] = _problem_lines(context["rows"], error.problems)
        return render(request, "appraisal/ratings.html", context)
    except Conflict as error:
        show_posted(context["rows"], entries, [])
        context["problems"] = [error.message_text]
        return render(request, "appraisal/ratings.html", context)
    if saved.saved:
        messages.success(
            request,
            ngettext(
                "%(count)d rating saved for %(period)s; the scorecards are being updated.",
                "%(count)d ratings saved for %(period)s; the scorecards are being updated.",
                saved.saved,
            )
            % {"count": saved.saved, "period": period.code},
        )
    else:
        messages.info(request, _("Nothing changed; the ratings are as they were."))
    return redirect(request.get_full_path())
