"""Recompute jobs on a real Celery worker with Redis as broker and result backend (Redis db
12; scripts/services-up.sh redis starts it): "recompute now" is sent at commit and run by
the worker, and beat's nightly task runs there too."""

import pytest

from servicescore.kpi.models import ComputedPeriod, RecomputeJob
from servicescore.kpi.services import jobs
from servicescore.kpi.tasks import recompute_open_months_task, run_recompute_job_task

from ..celery_worker import worker_on_redis

REDIS = "redis://127.0.0.1:6379/12"


@pytest.fixture
def worker():
    with worker_on_redis(REDIS, purge=True):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_job_hr_started(october, worker):
    job = jobs.start_recompute(user=october.hr.user, periods=["2026-10"])  # sent at its commit
    # The solo worker takes tasks in turn: once this one has answered, the job's has run.
    run_recompute_job_task.apply_async(args=[job.pk]).get(timeout=60)
    job.refresh_from_db()
    assert job.status == "done" and job.done_steps == 1
    assert ComputedPeriod.objects.filter(period="2026-10").exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_nightly_recompute(network, worker):
    answer = recompute_open_months_task.apply_async().get(timeout=60)
    job = RecomputeJob.objects.get()
    assert answer == {"job": job.pk, "status": "done"}
    assert job.trigger == "nightly" and job.periods == jobs.open_months()
