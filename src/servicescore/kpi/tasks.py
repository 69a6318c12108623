"""Celery tasks: thin wrappers over kpi.services.recompute (inline when no broker is
configured). Each imports its service inside the task, so the services may schedule the
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
