"""The recompute page, /indicators/recompute/ (HR and administrators): when each period's
figures were last computed, the recent recompute jobs, "recompute now" for the open months
or a chosen month, and the running job's progress, which the page polls (htmx) until it
ends. Each view parses the request, calls one service or selector and renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from servicescore.core.errors import DomainError, status_of

from .policy import may_recompute
from .selectors import recompute_job, recompute_overview
from .services.jobs import ACTIVE, start_recompute


def _progress_context(job) -> dict:
    return {"job": job, "polling": job is not None and job.status in ACTIVE}


def _say_how_it_went(request, job) -> None:
    """Without a broker the job ran at the commit, before this: say how it ended."""
    job.refresh_from_db()
    periods = ", ".join(job.periods)
    if job.status == job.Status.DONE:
        messages.success(request, _("Recomputed %(periods)s.") % {"periods": periods})
    elif job.status == job.Status.FAILED:
        messages.error(
            request,
            _("The recompute of %(periods)s failed: %(error)s") % {"periods": periods, "error": job.error},
        )
    else:
        messages.success(request, _("Recompute of %(periods)s started.") % {"periods": periods})


@login_required
@require_http_methods(["GET", "POST"])
def recompute_page(request):
    """GET: the page. POST `scope=open` (the open months) or `period=YYYY-MM`: start a job,
    then back to the page, which shows its progress (done already without a broker)."""
    if not may_recompute(request.user):
        raise PermissionDenied
    error = None
    if request.method == "POST":
        periods = None if request.POST.get("scope") == "open" else [request.POST.get("period", "").strip()]
        try:
            job = start_recompute(user=request.user, periods=periods)
        except DomainError as refused:
            error = refused
        else:
            _say_how_it_went(request, job)
            return redirect("indicators:recompute")
    context = recompute_overview(request.user)
    context.update(_progress_context(context["active"]), error=error, chosen=request.POST.get("period", ""))
    return render(request, "kpi/recompute.html", context, status=status_of(error) if error else 200)


@login_required
def job_progress(request, job_id):
    """The progress partial the page polls every 2 s while the job runs."""
    job = recompute_job(request.user, job_id)
    return render(request, "kpi/_recompute_progress.html", _progress_context(job))
