"""Celery tasks: thin wrappers over kpi.services (inline when no broker is configured)."""

from celery import shared_task

from . import services


@shared_task(name="kpi.process_recompute_requests")
def process_recompute_requests_task():
    return services.process_recompute_requests()


@shared_task(name="kpi.recompute_period")
def recompute_period_task(period_code: str):
    return services.recompute_period(period_code)


@shared_task(name="kpi.build_components")
def build_components_task(period_code: str):
    built = services.build_components(period_code)
    if built["built"]:
        services.tidy_components()
    return built
