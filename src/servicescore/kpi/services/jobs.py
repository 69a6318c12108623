"""Recompute jobs (`RecomputeJob`): a full recompute of some periods that HR asked for on the
recompute page ("recompute now"), or that the schedule ran (the nightly run of the open
months: beat's `kpi.recompute_open_months`, or `servicescore kpi recompute-open` from
cron). One job at a time; each period is one step, and the job's progress is committed
before each step so the page's poll sees it. A failure marks the job failed with its error
(and logs it); a job is never left "running" unless its worker died, and then it is given
up after `KPI_RECOMPUTE_JOB_TIMEOUT_MINUTES`.

The incremental queue (records changed → `kpi.process_recompute_requests`) is not a job:
it is drained at commit (no broker) or every few minutes by beat."""

import datetime
import functools
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record
from servicescore.core.errors import Conflict, Invalid, Refused
from servicescore.core.periods import month_of, parse_span, quarter_of

from ..errors import PERIOD_FORMAT, PERIOD_NOT_BEGUN, RECOMPUTE_NOT_ALLOWED, RECOMPUTE_RUNNING
from ..models import ComputedPeriod, RecomputeJob
from ..policy import may_recompute
from . import recompute

logger = logging.getLogger(__name__)

ACTIVE = (RecomputeJob.Status.QUEUED, RecomputeJob.Status.RUNNING)
# PostgreSQL advisory lock key of "is a job active? then add one" (not the recompute's own
# lock, which a running recompute holds for minutes).
JOB_LOCK = 0x4B504A  # "KPJ"


def open_months(now: datetime.datetime | None = None, count: int | None = None) -> list[str]:
    """The months whose records may still change, oldest first: the running month (company
    zone) and the `KPI_OPEN_MONTHS` - 1 before it."""
    count = settings.KPI_OPEN_MONTHS if count is None else count
    year, month = map(int, month_of(now or timezone.now()).split("-"))
    months = []
    for _step in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def active_job() -> RecomputeJob | None:
    """The job queued or running now, if any."""
    return RecomputeJob.objects.filter(status__in=ACTIVE).first()


def _order(codes) -> list[str]:
    """Periods oldest first, a quarter (and a year) after its months."""
    periods = {parse_span(code) for code in codes}
    return [period.code for period in sorted(periods, key=lambda p: (p.end, p.start))]


def _with_stored_quarters(months: list[str]) -> list[str]:
    """The months and the quarters and years among theirs whose results are stored (`kpi
    recompute --period 2026-Q4` or `--period 2026`): they pool the same records, so they
    follow their months."""
    plain = [code for code in months if "-" in code and "Q" not in code]
    spans = {quarter_of(code) for code in plain} | {code[:4] for code in plain}
    stored = ComputedPeriod.objects.filter(period__in=spans).values_list("period", flat=True)
    return _order([*months, *stored])


def _checked_periods(periods) -> list[str]:
    """The periods asked for, parsed and in order; Invalid for a malformed one or one that
    has not begun."""
    if not periods:
        raise Invalid(_("Choose a month (YYYY-MM)."), code=PERIOD_FORMAT, field="period")
    parsed = []
    for code in periods:
        try:
            parsed.append(parse_span(code))  # a year too: an annual cycle recomputed over it
        except ValueError as error:
            raise Invalid(str(error), code=PERIOD_FORMAT, field="period") from None
    now = timezone.now()
    for period in parsed:
        if period.start > now:
            raise Invalid(
                _("%(period)s has not begun: there is nothing to compute yet.") % {"period": period.code},
                code=PERIOD_NOT_BEGUN,
                field="period",
            )
    return _order(period.code for period in parsed)


def _give_up_lost_jobs() -> None:
    """Mark failed the jobs queued or running for longer than the timeout: their worker
    stopped (killed, restarted) or their task never reached it."""
    minutes = settings.KPI_RECOMPUTE_JOB_TIMEOUT_MINUTES
    now = timezone.now()
    RecomputeJob.objects.filter(
        status__in=ACTIVE, requested_at__lt=now - datetime.timedelta(minutes=minutes)
    ).update(
        status=RecomputeJob.Status.FAILED,
        finished_at=now,
        error=_("Given up: not finished within %(minutes)s minutes (its worker may have stopped).")
        % {"minutes": minutes},
    )


def _one_starts_at_a_time() -> None:
    """Two people pressing "recompute now" at once must not both find no job and add one.
    SQLite serialises writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [JOB_LOCK])


def _new_job(*, user, periods: list[str], trigger: str) -> RecomputeJob:
    """A queued job for `periods` and its audit entry; Conflict when one is active. Runs in
    the caller's transaction."""
    _one_starts_at_a_time()
    _give_up_lost_jobs()
    if RecomputeJob.objects.filter(status__in=ACTIVE).exists():
        raise Conflict(
            _("A recompute is already queued or running; wait until it ends, then start another."),
            code=RECOMPUTE_RUNNING,
        )
    job = RecomputeJob.objects.create(
        periods=periods, requested_by=user, trigger=trigger, total_steps=len(periods)
    )
    audit_record(
        actor=user,
        action="recompute_requested",
        obj=job,
        changes={"periods": [None, periods], "trigger": [None, trigger]},
    )
    return job


def start_recompute(*, user, periods: list[str] | None = None) -> RecomputeJob:
    """Queue a full recompute of `periods` (None: the open months), with the stored
    quarters among theirs, for HR or an administrator. The task `kpi.run_recompute_job`
    runs it after the commit: on a worker with a broker, inline without one (the job is
    then done when this returns to a request). Refused for other roles, Conflict while
    another job is queued or running, Invalid for a malformed month or one not begun."""
    if not may_recompute(user):
        raise Refused(_("Only HR and administrators recompute the figures."), code=RECOMPUTE_NOT_ALLOWED)
    months = open_months() if periods is None else _checked_periods(periods)
    with transaction.atomic():
        job = _new_job(user=user, periods=_with_stored_quarters(months), trigger="manual")
        transaction.on_commit(functools.partial(_queue, job.pk))
    return job


def _queue(job_id: int) -> None:
    """Send the job's task; a job whose task cannot be sent is failed, not left queued."""
    from ..tasks import run_recompute_job_task

    try:
        run_recompute_job_task.delay(job_id)
    except Exception as error:
        logger.exception("recompute job %s could not be queued", job_id)
        _finish(
            job_id, RecomputeJob.Status.FAILED, error=_("Could not be queued: %(error)s") % {"error": error}
        )


def _finish(job_id: int, status: str, **fields) -> None:
    RecomputeJob.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **fields)


def _step_summary(summary: dict) -> dict:
    """What a period's recompute reports, for the job's summary: the counts, and the total
    seconds instead of each stage's."""
    kept = {key: value for key, value in summary.items() if key not in ("period", "seconds")}
    kept["seconds"] = round(sum(summary.get("seconds", {}).values()), 3)
    return kept


def run_recompute_job(*, job_id: int) -> RecomputeJob | None:
    """Run a queued job: each period in turn, its progress committed before each step and
    its summary after. None when the job is not queued (it ran already, or was given up).
    A period that fails ends the job as failed with the error (logged, with its traceback);
    the periods before it stay recomputed."""
    claimed = RecomputeJob.objects.filter(pk=job_id, status=RecomputeJob.Status.QUEUED).update(
        status=RecomputeJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        logger.info("recompute job %s is not queued; nothing to run", job_id)
        return None
    job = RecomputeJob.objects.get(pk=job_id)
    summary = {}
    for done, code in enumerate(job.periods):
        # One UPDATE in autocommit: visible to the page's poll before the period runs.
        RecomputeJob.objects.filter(pk=job_id).update(current=code, done_steps=done, summary=summary)
        try:
            summary[code] = _step_summary(recompute.recompute_period(code))
        except Exception as error:
            logger.exception("recompute job %s failed at %s", job_id, code)
            _finish(job_id, RecomputeJob.Status.FAILED, summary=summary, error=f"{code}: {error}")
            return RecomputeJob.objects.get(pk=job_id)
    _finish(job_id, RecomputeJob.Status.DONE, summary=summary, done_steps=len(job.periods), current="")
    return RecomputeJob.objects.get(pk=job_id)


def recompute_open_months(*, trigger: str = "nightly", months: int | None = None) -> RecomputeJob | None:
    """The scheduled full recompute: a job for the open months (`months` of them, default
    `KPI_OPEN_MONTHS`) and their stored quarters, run here and now (the caller is beat's
    task on a worker, or the command from cron). None, with a warning in the log, while
    another job is queued or running."""
    with transaction.atomic():
        try:
            job = _new_job(
                user=None, periods=_with_stored_quarters(open_months(count=months)), trigger=trigger
            )
        except Conflict:
            logger.warning(
                "the %s recompute of the open months skipped: a recompute is already active", trigger
            )
            return None
    return run_recompute_job(job_id=job.pk)
