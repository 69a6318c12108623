"""The recompute task on a real Celery worker with Redis as broker and result backend
(scripts/services-up.sh redis starts it): a changed record queues a request, the worker
drains it and stores the results."""

import datetime

import pytest
from celery.signals import task_postrun
from django.db import transaction

from servicescore.kpi.models import IndicatorResult, RecomputeRequest
from servicescore.kpi.results import stored_result
from servicescore.kpi.tasks import process_recompute_requests_task

from ..celery_worker import worker_on_redis
from ..factories import WorkOrderFactory

REDIS = "redis://127.0.0.1:6379/14"
CST = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def worker():
    with worker_on_redis(REDIS, purge=True):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_recomputes_what_a_change_queued(network, settings, worker):
    settings.KPI_AUTO_RECOMPUTE = True
    ran = []

    def remember(sender=None, retval=None, **kwargs):
        ran.append((sender.name, retval))

    # What the worker ran, for the message of a failure (this test failed twice in CI runs,
    # cause not found: the queue drained, the result missing).
    task_postrun.connect(remember, weak=False)
    try:
        with transaction.atomic():
            WorkOrderFactory(
                service_center=network.sc1,
                technician=network.tech,
                state="completed",
                resolution="fixed",
                created_at=datetime.datetime(2026, 10, 5, 8, tzinfo=CST),
                completed_at=datetime.datetime(2026, 10, 5, 12, tzinfo=CST),
            )
            # the on-commit hook sends the task to the broker; wait for the worker's answer
        queued = process_recompute_requests_task.apply_async()
        queued.get(timeout=60)
    finally:
        task_postrun.disconnect(remember)
    assert not RecomputeRequest.objects.exists(), ran
    row = stored_result(network.tech, "2026-10", "FTFR")
    assert row is not None, f"no FTFR stored; the worker ran {ran}"
    assert (row.value, row.numerator, row.denominator) == (100, 1, 1)
    assert IndicatorResult.objects.filter(period="2026-10", org_unit=network.sc1, indicator="FTFR").exists()
