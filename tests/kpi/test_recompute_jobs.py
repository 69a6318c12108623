"""Recompute jobs (kpi/services/jobs.py): "recompute now" for HR and the nightly run of the
open months, one at a time, with their progress recorded step by step, failures recorded
and never left running; the beat schedule and the command for cron."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from servicescore.core.errors import Conflict, Invalid, Refused
from servicescore.core.models import AuditEntry
from servicescore.kpi import errors
from servicescore.kpi.models import ComputedPeriod, RecomputeJob
from servicescore.kpi.services import jobs
from servicescore.kpi.services import recompute as recompute_service

pytestmark = pytest.mark.django_db
CST = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def at_commit(django_capture_on_commit_callbacks):
    """Run what a start queues at commit, as the request's commit does (inline: no broker)."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def a_job(status, minutes_ago=1, **fields):
    job = RecomputeJob.objects.create(periods=["2026-10"], status=status, total_steps=1, **fields)
    RecomputeJob.objects.filter(pk=job.pk).update(
        requested_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    return job


# --- the open months ----------------------------------------------------------------------


def test_the_open_months_are_the_running_month_and_the_one_before():
    assert jobs.open_months(datetime.datetime(2026, 12, 2, 15, tzinfo=CST)) == ["2026-11", "2026-12"]


def test_the_open_months_are_cut_in_the_company_zone(settings):
    # 2026-11-30 17:00 UTC is already 1 December in Shanghai
    moment = datetime.datetime(2026, 11, 30, 17, tzinfo=datetime.UTC)
    assert jobs.open_months(moment) == ["2026-11", "2026-12"]


def test_the_number_of_open_months_is_a_setting(settings):
    settings.KPI_OPEN_MONTHS = 3
    assert jobs.open_months(datetime.datetime(2027, 1, 15, tzinfo=CST)) == ["2026-11", "2026-12", "2027-01"]


# --- starting a job -------------------------------------------------------------------------


def test_hr_starts_a_job_that_recomputes_each_period_and_records_its_summary(october, at_commit):
    job = at_commit(jobs.start_recompute, user=october.hr.user, periods=["2026-09", "2026-10"])
    job.refresh_from_db()
    assert job.status == RecomputeJob.Status.DONE
    assert (job.done_steps, job.total_steps, job.current) == (2, 2, "")
    assert job.requested_by == october.hr.user and job.trigger == "manual"
    assert job.started_at and job.finished_at and job.error == ""
    assert job.summary["2026-10"]["results"] > 0 and job.summary["2026-10"]["people"] > 0
    assert set(ComputedPeriod.objects.values_list("period", flat=True)) == {"2026-09", "2026-10"}


def test_without_periods_a_job_recomputes_the_open_months(network, at_commit):
    job = at_commit(jobs.start_recompute, user=network.hr.user)
    assert job.periods == jobs.open_months()


def test_starting_a_job_writes_an_audit_entry(network, at_commit):
    job = at_commit(jobs.start_recompute, user=network.hr.user, periods=["2026-10"])
    entry = AuditEntry.objects.get(action="recompute_requested")
    assert entry.actor_id == network.hr.user.pk and entry.object_id == str(job.pk)
    assert entry.changes["periods"] == [None, ["2026-10"]]


def test_progress_is_recorded_before_each_period_runs(october, at_commit, monkeypatch):
    seen = []
    real = recompute_service.recompute_period

    def spy(period):
        job = RecomputeJob.objects.get()
        seen.append((job.status, job.current, job.done_steps))
        return real(period)

    monkeypatch.setattr(recompute_service, "recompute_period", spy)
    at_commit(jobs.start_recompute, user=october.hr.user, periods=["2026-10", "2026-09"])
    # oldest first, each step recorded before it runs
    assert seen == [("running", "2026-09", 0), ("running", "2026-10", 1)]


@pytest.mark.django_db(transaction=True)
def test_each_step_commits_on_its_own_so_a_poller_sees_it(network, monkeypatch):
    outside = []

    def spy(period):
        outside.append(connection.in_atomic_block)
        return {"people": 0, "results": 0, "org_unit_results": 0, "seconds": {}}

    monkeypatch.setattr(recompute_service, "recompute_period", spy)
    jobs.start_recompute(user=network.hr.user, periods=["2026-10"])
    assert outside == [False]
    assert RecomputeJob.objects.get().status == "done"


def test_a_second_start_while_one_runs_is_refused(network, at_commit):
    running = a_job(RecomputeJob.Status.RUNNING)
    with pytest.raises(Conflict) as refused:
        at_commit(jobs.start_recompute, user=network.hr.user, periods=["2026-10"])
    assert refused.value.domain_code == errors.RECOMPUTE_RUNNING
    assert list(RecomputeJob.objects.all()) == [running]
    assert not AuditEntry.objects.filter(action="recompute_requested").exists()


def test_a_queued_job_also_blocks_a_second_start(network, at_commit):
    a_job(RecomputeJob.Status.QUEUED)
    with pytest.raises(Conflict):
        at_commit(jobs.start_recompute, user=network.hr.user, periods=["2026-10"])
    assert RecomputeJob.objects.count() == 1


def test_a_job_running_past_the_timeout_is_given_up_and_no_longer_blocks(network, at_commit, settings):
    settings.KPI_RECOMPUTE_JOB_TIMEOUT_MINUTES = 120
    lost = a_job(RecomputeJob.Status.RUNNING, minutes_ago=121)
    job = at_commit(jobs.start_recompute, user=network.hr.user, periods=["2026-10"])
    lost.refresh_from_db()
    assert lost.status == "failed" and "120" in lost.error and lost.finished_at
    job.refresh_from_db()
    assert job.status == "done"


def test_a_failing_period_marks_the_job_failed_with_its_error(october, at_commit, monkeypatch, caplog):
    real = recompute_service.recompute_period

    def broken(period):
        if period == "2026-10":
            raise RuntimeError("disk full")
        return real(period)

    monkeypatch.setattr(recompute_service, "recompute_period", broken)
    job = at_commit(jobs.start_recompute, user=october.hr.user, periods=["2026-09", "2026-10"])
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert "2026-10" in job.error and "disk full" in job.error
    assert (job.done_steps, job.current) == (1, "2026-10")
    assert "2026-09" in job.summary
    assert "disk full" in caplog.text  # logged, with its traceback


def test_a_job_whose_task_cannot_be_queued_is_failed_not_left_queued(network, at_commit, monkeypatch):
    from servicescore.kpi import tasks

    def unreachable(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.run_recompute_job_task, "delay", unreachable)
    job = at_commit(jobs.start_recompute, user=network.hr.user, periods=["2026-10"])
    job.refresh_from_db()
    assert job.status == "failed" and "broker down" in job.error


def test_a_job_runs_only_once(october, at_commit):
    job = at_commit(jobs.start_recompute, user=october.hr.user, periods=["2026-10"])
    computed = ComputedPeriod.objects.get().computed_at
    assert jobs.run_recompute_job(job_id=job.pk) is None  # already done: nothing runs again
    assert ComputedPeriod.objects.get().computed_at == computed


@pytest.mark.parametrize("viewer", ["tech", "foreman", "manager", "regional_manager", "auditor"])
def test_only_hr_and_administrators_may_start_a_job(network, at_commit, viewer):
    user = getattr(network, viewer)
    user = getattr(user, "user", user)
    with pytest.raises(Refused) as refused:
        at_commit(jobs.start_recompute, user=user, periods=["2026-10"])
    assert refused.value.domain_code == errors.RECOMPUTE_NOT_ALLOWED
    assert not RecomputeJob.objects.exists()


def test_a_superuser_may_start_a_job(network, at_commit):
    from ..factories import UserFactory

    admin = UserFactory(username="root", is_superuser=True, role="technician")
    job = at_commit(jobs.start_recompute, user=admin, periods=["2026-10"])
    assert job.pk


@pytest.mark.parametrize("periods", [["2026-13"], ["October"], [""], []])
def test_a_malformed_period_is_refused_and_nothing_is_queued(network, at_commit, periods):
    with pytest.raises(Invalid) as refused:
        at_commit(jobs.start_recompute, user=network.hr.user, periods=periods)
    assert refused.value.domain_code == errors.PERIOD_FORMAT and refused.value.field == "period"
    assert not RecomputeJob.objects.exists()


def test_a_month_that_has_not_begun_is_refused(network, at_commit):
    next_year = f"{timezone.now().year + 1}-01"
    with pytest.raises(Invalid) as refused:
        at_commit(jobs.start_recompute, user=network.hr.user, periods=[next_year])
    assert refused.value.domain_code == errors.PERIOD_NOT_BEGUN
    assert not RecomputeJob.objects.exists()


def test_the_stored_quarters_of_the_months_follow_them(october, at_commit):
    recompute_service.recompute_period("2026-Q4")
    job = at_commit(jobs.start_recompute, user=october.hr.user, periods=["2026-10"])
    assert job.periods == ["2026-10", "2026-Q4"]


# --- the nightly run and the command for cron ------------------------------------------------


def test_the_nightly_run_recomputes_the_open_months_as_a_job(network):
    job = jobs.recompute_open_months(trigger="nightly")
    assert job.status == "done" and job.trigger == "nightly" and job.requested_by is None
    assert job.periods == jobs.open_months()
    assert set(ComputedPeriod.objects.values_list("period", flat=True)) == set(jobs.open_months())


def test_the_nightly_run_skips_while_another_job_runs(network, caplog):
    a_job(RecomputeJob.Status.RUNNING)
    assert jobs.recompute_open_months(trigger="nightly") is None
    assert RecomputeJob.objects.count() == 1
    assert "already" in caplog.text


def test_the_nightly_task_runs_the_open_months(network):
    from servicescore.kpi.tasks import recompute_open_months_task

    answer = recompute_open_months_task.apply().get()
    job = RecomputeJob.objects.get()
    assert answer == {"job": job.pk, "status": "done"}


def test_the_command_for_cron_recomputes_the_open_months(network):
    out = StringIO()
    call_command("kpi", "recompute-open", stdout=out)
    job = RecomputeJob.objects.get()
    assert job.trigger == "command" and job.status == "done" and job.periods == jobs.open_months()
    printed = json.loads(out.getvalue())
    assert printed["status"] == "done" and set(printed["summary"]) == set(jobs.open_months())


def test_the_command_takes_another_number_of_months(network):
    call_command("kpi", "recompute-open", "--months", "3", stdout=StringIO())
    assert len(RecomputeJob.objects.get().periods) == 3


@pytest.mark.parametrize("months", ["0", "-1", "two"])
def test_the_command_refuses_a_bad_number_of_months(network, months):
    with pytest.raises(CommandError) as refused:
        call_command("kpi", "recompute-open", "--months", months, stdout=StringIO(), stderr=StringIO())
    assert "months" in str(refused.value)
    assert not RecomputeJob.objects.exists()


def test_the_command_fails_while_another_job_runs(network):
    a_job(RecomputeJob.Status.RUNNING)
    with pytest.raises(CommandError) as refused:
        call_command("kpi", "recompute-open", stdout=StringIO())
    assert refused.value.returncode == 1
    assert RecomputeJob.objects.count() == 1


def test_the_command_fails_when_a_period_fails(network, monkeypatch):
    def broken(period):
        raise RuntimeError("disk full")

    monkeypatch.setattr(recompute_service, "recompute_period", broken)
    with pytest.raises(CommandError) as failed:
        call_command("kpi", "recompute-open", stdout=StringIO())
    assert failed.value.returncode == 1 and "disk full" in str(failed.value)
    assert RecomputeJob.objects.get().status == "failed"
