"""Celery tasks: thin wrappers over kpi.services.recompute and kpi.services.jobs (inline
when no broker is configured). Each imports its service inside the task, so the services may schedule the
tasks without an import circle."""

from celery import shared_task


@shared_task(name="kpi.process_recompute_requests")
def process_recompute_requests_task():
    from .services.recompute import process_recompute_requests

    return process_recompute_requests()


@shared_task(name="kpi.recompute_period")
def recompute_period_task(period_code: str):
    from .services.recompute import recompute_period

    return recompute_period(period_code)


@shared_task(name="kpi.build_components")
def build_components_task(period_code: str):
    from .services.recompute import build_components, tidy_components

    built = build_components(period_code)
    if built["built"]:
        tidy_components()
    return built


@shared_task(name="kpi.build_prefixes")
def build_prefixes_task(month_code: str):
    from .services.recompute import build_prefixes

    build_prefixes(month_code)


@shared_task(name="kpi.run_recompute_job")
def run_recompute_job_task(job_id: int):
    from .services.jobs import run_recompute_job

    job = run_recompute_job(job_id=job_id)
    return None if job is None else {"job": job.pk, "status": job.status}


@shared_task(name="kpi.recompute_open_months")
def recompute_open_months_task():
    """Beat's nightly run (settings.CELERY_BEAT_SCHEDULE)."""
    from .services.jobs import recompute_open_months

    job = recompute_open_months(trigger="nightly")
    return None if job is None else {"job": job.pk, "status": job.status}
