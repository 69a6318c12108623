"""Exports written in the background (`ExportJob`): a spreadsheet that takes seconds to
write (the work-order list: up to 6 s on the large demo) is not written inside a request.

An app registers an exporter by name in its `AppConfig.ready()` (core may not import the
apps that know the data): a function that, given the owner and the job's parameters, reads
through the app's own selectors (so the owner's scope) and gives the header and the rows.
`start_export` stores a job and sends the task `core.run_export_job` after the commit: on a
worker with a broker, inline without one (the job is then done when the request returns,
as the KPI recompute job is). The job page polls the progress (htmx) and then offers the
file, to its owner only.

Files are kept for `EXPORT_KEEP` (a day): every start of an export deletes the jobs and
files older than that ("on access", so no schedule is needed); the task
`core.purge_old_exports` does the same for a beat or cron entry.
"""

import datetime
import functools
import logging
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .errors import Conflict, Invalid, Refused, declare
from .models import ExportJob
from .spreadsheets import write_xlsx

logger = logging.getLogger(__name__)

EXPORT_KIND_UNKNOWN = declare("export_kind_unknown", Invalid, "No exporter has this name.", area="exports")
EXPORT_PARAMETERS = declare(
    "export_parameters",
    Invalid,
    "The export's parameters are not a small map of names to lists of text.",
    area="exports",
)
EXPORT_TOO_MANY = declare(
    "export_too_many", Conflict, "The user already has the most exports running at once.", area="exports"
)
EXPORT_NOT_ALLOWED = declare(
    "export_not_allowed", Refused, "The user may not start this export.", area="exports"
)

EXPORT_KEEP = datetime.timedelta(days=1)
# A job queued or running for longer lost its worker: it is marked failed.
EXPORT_TIMEOUT = datetime.timedelta(hours=1)
# Per person, so that one impatient user cannot fill the workers' queue.
MAX_ACTIVE_PER_USER = 3
MAX_PARAMETER_CHARS = 4000
# The job's progress is written every this many rows (one UPDATE each).
PROGRESS_EVERY = 1000
ACTIVE = (ExportJob.State.QUEUED, ExportJob.State.RUNNING)


@dataclass(frozen=True)
class Export:
    """What an exporter gives: the file's name and sheet title, the header, the rows (an
    iterator, read once), the columns whose plain numbers stay numbers, and the number of
    rows if known (for the progress bar)."""

    filename: str
    title: str
    header: list[str]
    rows: Iterable[list]
    numeric: Collection[str] = ()
    total: int | None = None


@dataclass(frozen=True)
class Exporter:
    kind: str
    label: Callable[[], str]
    build: Callable[..., Export]
    # The page the export was asked from (the list with the same filters), or None.
    source_url: Callable[[dict], str] | None = None
    may_start: Callable[..., bool] = lambda user: True


_EXPORTERS: dict[str, Exporter] = {}


def register_exporter(kind: str, *, label, build, source_url=None, may_start=None) -> None:
    """Add (or replace) the exporter `kind`. `build(user, parameters)` returns an `Export`
    read within `user`'s scope; `label` names it for people (a lazy translation)."""
    _EXPORTERS[kind] = Exporter(
        kind, label, build, source_url, may_start if may_start is not None else (lambda user: True)
    )


def exporter_of(kind: str) -> Exporter | None:
    return _EXPORTERS.get(kind)


def _checked_parameters(parameters) -> dict[str, list[str]]:
    """A query string's values as {name: [text, …]}; Invalid for anything else or too much."""
    if not isinstance(parameters, dict) or not all(
        isinstance(name, str) and isinstance(values, list) and all(isinstance(value, str) for value in values)
        for name, values in parameters.items()
    ):
        raise Invalid(_("The export's filters are not understood."), code=EXPORT_PARAMETERS)
    if sum(len(name) + sum(map(len, values)) for name, values in parameters.items()) > MAX_PARAMETER_CHARS:
        raise Invalid(_("The export's filters are too long."), code=EXPORT_PARAMETERS)
    return parameters


def purge_old_exports(now: datetime.datetime | None = None) -> int:
    """Delete the jobs made more than EXPORT_KEEP ago, with their files; mark failed the
    ones whose worker was lost. Returns how many jobs were deleted."""
    now = now or timezone.now()
    ExportJob.objects.filter(state__in=ACTIVE, created_at__lt=now - EXPORT_TIMEOUT).update(
        state=ExportJob.State.FAILED,
        finished_at=now,
        error=_("Given up: not finished within an hour (its worker may have stopped)."),
    )
    old = list(ExportJob.objects.filter(created_at__lt=now - EXPORT_KEEP))
    for job in old:
        if job.file:
            job.file.delete(save=False)
    ExportJob.objects.filter(pk__in=[job.pk for job in old]).delete()
    return len(old)


def start_export(*, user, kind: str, parameters: dict) -> ExportJob:
    """Queue the export `kind` of what `user` may see, filtered by `parameters` (a query
    string's values), and run it after the commit (inline without a broker). Invalid for an
    unknown kind or bad parameters, Refused for a role the exporter refuses, Conflict when
    the user already has MAX_ACTIVE_PER_USER exports queued or running. Writes nothing when
    refused."""
    exporter = exporter_of(kind)
    if exporter is None:
        raise Invalid(_("There is no export of this kind."), code=EXPORT_KIND_UNKNOWN)
    if not exporter.may_start(user):
        raise Refused(_("Your role may not make this export."), code=EXPORT_NOT_ALLOWED)
    parameters = _checked_parameters(parameters)
    purge_old_exports()
    with transaction.atomic():
        if ExportJob.objects.filter(owner=user, state__in=ACTIVE).count() >= MAX_ACTIVE_PER_USER:
            raise Conflict(
                _("You already have %(count)s exports being prepared; wait until one is ready.")
                % {"count": MAX_ACTIVE_PER_USER},
                code=EXPORT_TOO_MANY,
            )
        job = ExportJob.objects.create(
            owner=user,
            kind=kind,
            parameters=parameters,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        transaction.on_commit(functools.partial(_queue, job.pk))
    return job


def _queue(job_id: int) -> None:
    """Send the job's task; a job whose task cannot be sent is failed, not left queued."""
    from .tasks import run_export_job_task

    try:
        run_export_job_task.delay(job_id)
    except Exception as error:
        logger.exception("export job %s could not be queued", job_id)
        _finish(job_id, ExportJob.State.FAILED, error=_("Could not be queued: %(error)s") % {"error": error})


def _finish(job_id: int, state: str, **fields) -> None:
    ExportJob.objects.filter(pk=job_id).update(state=state, finished_at=timezone.now(), **fields)


def _counted(job_id: int, rows: Iterable[list]) -> Iterator[list]:
    """The rows, writing the job's progress every PROGRESS_EVERY rows (autocommit: the
    page's poll sees it while the file is written)."""
    done = 0
    for done, row in enumerate(rows, start=1):
        if done % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job_id).update(done_rows=done)
        yield row
    ExportJob.objects.filter(pk=job_id).update(done_rows=done)


def run_export_job(*, job_id: int) -> ExportJob | None:
    """Write a queued job's file in its owner's language and scope. None when the job is
    not queued (it ran already, or was given up); a failure marks it failed (logged)."""
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        logger.info("export job %s is not queued; nothing to run", job_id)
        return None
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            export = _EXPORTERS[job.kind].build(job.owner, job.parameters)
            if export.total is not None:
                ExportJob.objects.filter(pk=job_id).update(total_rows=export.total)
            with tempfile.TemporaryFile() as out:
                rows = _counted(job_id, export.rows)
                write_xlsx(out, export.header, rows, export.numeric, title=export.title)
                out.seek(0)
                job.file.save(export.filename, File(out), save=False)
    except Exception as error:
        logger.exception("export job %s (%s) failed", job_id, job.kind)
        _finish(job_id, ExportJob.State.FAILED, error=str(error)[:1000])
        return ExportJob.objects.get(pk=job_id)
    _finish(job_id, ExportJob.State.DONE, file=job.file.name, filename=export.filename)
    return ExportJob.objects.get(pk=job_id)


def export_job(user, job_id) -> ExportJob:
    """The user's own export job; 404 for anyone else's (never says it exists)."""
    job = ExportJob.objects.filter(pk=job_id, owner_id=user.pk).first() if user.is_authenticated else None
    if job is None:
        raise Http404
    return job


def recent_export_jobs(user) -> list[ExportJob]:
    """The user's exports of the last EXPORT_KEEP, newest first."""
    since = timezone.now() - EXPORT_KEEP
    return list(ExportJob.objects.filter(owner_id=user.pk, created_at__gte=since)[:20])
