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
