"""The export pages, under /exports/ (core/export_jobs.py): start an export of a registered
kind with the filters in the query string, follow its progress (htmx polls every second),
download the file, and one's exports of the last day. Only the owner sees a job: anyone
else gets 404."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .errors import DomainError, status_of
from .export_jobs import ACTIVE, export_job, exporter_of, recent_export_jobs, start_export

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _job_context(job) -> dict:
    exporter = exporter_of(job.kind)
    return {
        "job": job,
        "label": exporter.label() if exporter else job.kind,
        "polling": job.state in ACTIVE,
    }


@login_required
@require_http_methods(["GET", "POST"])
def export_start(request, kind):
    """GET: what will be exported, and the button that starts it. POST: start it with the
    filters of the query string, then the job's page (done already without a broker)."""
    exporter = exporter_of(kind)
    if exporter is None:
        raise Http404
    parameters = {name: values for name, values in request.GET.lists()}
    error = None
    if request.method == "POST":
        try:
            job = start_export(user=request.user, kind=kind, parameters=parameters)
        except DomainError as refused:
            error = refused
        else:
            return redirect("exports:job", job_id=job.pk)
    context = {
        "label": exporter.label(),
        "kind": kind,
        "source_url": exporter.source_url(parameters) if exporter.source_url else "",
        "error": error,
    }
    return render(request, "core/export_start.html", context, status=status_of(error) if error else 200)


@login_required
def export_job_page(request, job_id):
    return render(request, "core/export_job.html", _job_context(export_job(request.user, job_id)))


@login_required
def export_progress(request, job_id):
    """The progress partial the job page polls while the file is written."""
    return render(request, "core/_export_progress.html", _job_context(export_job(request.user, job_id)))


@login_required
def export_download(request, job_id):
    """The file, to its owner only, once written (404 before, after it was deleted, and
    for anyone else)."""
    job = export_job(request.user, job_id)
    if job.state != job.State.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=job.filename, content_type=XLSX_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response


@login_required
def export_list(request):
    """The user's exports of the last day, newest first."""
    jobs = [_job_context(job) for job in recent_export_jobs(request.user)]
    return render(request, "core/export_list.html", {"jobs": jobs})
