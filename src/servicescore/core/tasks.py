"""Celery tasks of core: thin wrappers over core/notify/services.py."""

from celery import shared_task


@shared_task(bind=True, name="core.deliver_notification")
def deliver_task(self, delivery_id: int) -> str:
    """One attempt at one delivery. On a retryable failure a worker queues the next attempt
    for its due time; run inline (no broker) it does not wait, and retry_due_deliveries
    picks the delivery up when due. Returns the state it left (or "skipped")."""
    from .notify import services

    delivery = services.deliver(delivery_id=delivery_id)
    if delivery is None:
        return "skipped"
    if delivery.state == delivery.State.FAILED and not self.request.is_eager:
        self.apply_async((delivery_id,), eta=delivery.next_attempt_at)
    return delivery.state


@shared_task(name="core.retry_due_deliveries")
def retry_due_deliveries_task() -> int:
    from .notify import services

    return services.retry_due_deliveries()


@shared_task(name="core.run_export_job")
def run_export_job_task(job_id: int):
    from .export_jobs import run_export_job

    job = run_export_job(job_id=job_id)
    return None if job is None else {"job": job.pk, "state": job.state}


@shared_task(name="core.purge_old_exports")
def purge_old_exports_task() -> int:
    """Deletes the export files older than a day (also done whenever an export starts)."""
    from .export_jobs import purge_old_exports

    return purge_old_exports()
