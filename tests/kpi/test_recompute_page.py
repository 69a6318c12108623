"""The recompute page, /indicators/recompute/: HR and administrators see when each period's
figures were last computed and the recent jobs, recompute the open months or a chosen
month now, and follow a running job's progress (an htmx poll that stops when it ends);
everyone else gets 403 and starts nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.core.navigation import nav_items
from servicescore.kpi.models import ComputedPeriod, RecomputeJob
from servicescore.kpi.services import jobs
from servicescore.kpi.services import recompute as recompute_service

from ..conftest import login

pytestmark = pytest.mark.django_db
PAGE = reverse("indicators:recompute")


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


def progress_url(job):
    return reverse("indicators:recompute_progress", args=[job.pk])


def a_job(status, done=0, total=2, **fields):
    return RecomputeJob.objects.create(
        periods=["2026-10", "2026-11"][:total], status=status, done_steps=done, total_steps=total, **fields
    )


def post(client, captured, data):
    with captured(execute=True):
        return client.post(PAGE, data)


def test_hr_sees_the_computed_periods_and_the_open_ones(client, network):
    ComputedPeriod.objects.create(
        period="2026-09", computed_at=datetime.datetime(2026, 10, 1, 18, 30, tzinfo=datetime.UTC), people=12
    )
    login(client, network.hr)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-period="2026-09"' in html and "2026-10-02 02:30" in html  # shown in local time
    for month in jobs.open_months():
        assert f'data-period="{month}"' in html
    assert "not computed yet" in html


def test_hr_recomputes_the_open_months_and_is_sent_back_to_the_page(
    client, network, django_capture_on_commit_callbacks
):
    login(client, network.hr)
    response = post(client, django_capture_on_commit_callbacks, {"scope": "open"})
    assert response.status_code == 302 and response.url == PAGE
    job = RecomputeJob.objects.get()
    assert job.periods == jobs.open_months() and job.status == "done"  # no broker: done at commit
    assert job.requested_by == network.hr.user


def test_hr_recomputes_a_chosen_month(client, october, django_capture_on_commit_callbacks):
    login(client, october.hr)
    post(client, django_capture_on_commit_callbacks, {"period": "2026-10"})
    job = RecomputeJob.objects.get()
    assert job.periods == ["2026-10"] and job.status == "done"
    assert ComputedPeriod.objects.filter(period="2026-10").exists()
    html = client.get(PAGE).content.decode()
    assert f'data-job-row="{job.pk}"' in html and 'data-job-status="done"' in html


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_page_says_the_recompute_is_done(client, network):
    # Committed for real: the job runs at the commit, before the answer.
    login(client, network.hr)
    html = client.post(PAGE, {"period": "2026-10"}, follow=True).content.decode()
    assert "Recomputed 2026-10." in html and 'data-job-status="done"' in html
    assert "hx-trigger" not in html


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_page_says_a_recompute_failed(client, network, monkeypatch):
    def broken(period):
        raise RuntimeError("disk full")

    monkeypatch.setattr(recompute_service, "recompute_period", broken)
    login(client, network.hr)
    html = client.post(PAGE, {"period": "2026-10"}, follow=True).content.decode()
    assert "The recompute of 2026-10 failed: 2026-10: disk full" in html


@pytest.mark.parametrize("month", ["2026-13", "Oct", "", "2026-10'; DROP TABLE x"])
def test_a_bad_month_is_refused_with_a_message_and_nothing_starts(
    client, network, django_capture_on_commit_callbacks, month
):
    login(client, network.hr)
    response = post(client, django_capture_on_commit_callbacks, {"period": month})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-error="period_format"' in html and "is-invalid" in html
    assert not RecomputeJob.objects.exists()


def test_a_month_not_begun_is_refused(client, network, django_capture_on_commit_callbacks):
    login(client, network.hr)
    month = f"{timezone.now().year + 1}-01"
    response = post(client, django_capture_on_commit_callbacks, {"period": month})
    assert response.status_code == 422 and 'data-error="period_not_begun"' in response.content.decode()
    assert not RecomputeJob.objects.exists()


def test_a_start_while_one_runs_is_refused_with_a_message(
    client, network, django_capture_on_commit_callbacks
):
    running = a_job("running", done=1)
    login(client, network.hr)
    response = post(client, django_capture_on_commit_callbacks, {"scope": "open"})
    assert response.status_code == 409
    assert 'data-error="recompute_running"' in response.content.decode()
    assert list(RecomputeJob.objects.all()) == [running]


@pytest.mark.parametrize("viewer", ["tech", "foreman", "manager", "regional_manager", "auditor"])
def test_no_one_else_opens_the_page_or_starts_a_job(
    client, network, django_capture_on_commit_callbacks, viewer
):
    login(client, getattr(network, viewer))
    assert client.get(PAGE).status_code == 403
    assert post(client, django_capture_on_commit_callbacks, {"scope": "open"}).status_code == 403
    assert post(client, django_capture_on_commit_callbacks, {"period": "2026-10"}).status_code == 403
    assert not RecomputeJob.objects.exists()


def test_a_visitor_is_sent_to_log_in(client, network):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response.url


def test_the_page_shows_a_running_job_and_polls_its_progress(client, network):
    job = a_job("running", done=1, current="2026-11")
    login(client, network.hr)
    html = client.get(PAGE).content.decode()
    assert f'hx-get="{progress_url(job)}"' in html and 'hx-trigger="every 2s"' in html
    assert 'data-steps="1/2"' in html and "Recomputing 2026-11" in html and "width: 50%" in html
    assert "data-busy" in html and 'data-recompute="open" disabled' in html
    assert "vendor/htmx.min.js" in html


def test_the_poll_answers_the_progress_and_keeps_polling_while_it_runs(client, network):
    job = a_job("running", done=0, current="2026-10")
    login(client, network.hr)
    response = client.get(progress_url(job))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a partial
    assert 'data-status="running"' in html and 'hx-trigger="every 2s"' in html


def test_the_poll_stops_once_the_job_is_done(client, network):
    job = a_job("done", done=2, finished_at=timezone.now())
    login(client, network.hr)
    html = client.get(progress_url(job)).content.decode()
    assert 'data-status="done"' in html and "hx-trigger" not in html and 'data-steps="2/2"' in html


def test_a_failed_job_shows_its_error_and_stops_polling(client, network):
    job = a_job("failed", done=1, current="2026-11", error="2026-11: disk full")
    login(client, network.hr)
    html = client.get(progress_url(job)).content.decode()
    assert "disk full" in html and "hx-trigger" not in html and "Recompute failed" in html


def test_the_poll_is_refused_to_others_and_unknown_jobs_are_404(client, network):
    job = a_job("running")
    login(client, network.manager)
    assert client.get(progress_url(job)).status_code == 403
    login(client, network.hr)
    assert client.get(reverse("indicators:recompute_progress", args=[job.pk + 1])).status_code == 404


def test_a_failing_recompute_started_on_the_page_shows_failed(
    client, network, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(period):
        raise RuntimeError("disk full")

    monkeypatch.setattr(recompute_service, "recompute_period", broken)
    login(client, network.hr)
    post(client, django_capture_on_commit_callbacks, {"period": "2026-10"})
    html = client.get(PAGE).content.decode()
    assert 'data-job-status="failed"' in html and "disk full" in html


def test_with_a_broker_the_page_follows_the_queued_job(
    client, network, django_capture_on_commit_callbacks, monkeypatch
):
    from servicescore.kpi import tasks

    sent = []
    monkeypatch.setattr(tasks.run_recompute_job_task, "delay", sent.append)
    login(client, network.hr)
    post(client, django_capture_on_commit_callbacks, {"period": "2026-10"})
    job = RecomputeJob.objects.get()
    assert sent == [job.pk]
    html = client.get(PAGE).content.decode()
    assert "Recompute of 2026-10 started." in html
    assert f'hx-get="{progress_url(job)}"' in html and "Queued: waiting for a worker." in html


def test_the_page_query_count_does_not_grow_with_jobs_and_periods(client, network, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n, start):
        for i in range(start, start + n):
            a_job("done", done=2, requested_by=network.hr.user)
            ComputedPeriod.objects.create(
                period=f"20{10 + i // 12:02d}-{i % 12 + 1:02d}", computed_at=timezone.now()
            )

    login(client, network.hr)
    add(1, 0)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    add(30, 1)
    with django_assert_num_queries(len(few)):
        response = client.get(PAGE)
    assert len(response.context["jobs"]) == 10


def test_the_team_page_links_the_recompute_page_for_hr_only(client, network):
    """The page has no menu entry (the menu is full); HR reaches it from the score pages."""
    login(client, network.hr)
    assert PAGE in client.get(reverse("kpi:team_scores")).content.decode()
    login(client, network.manager)
    assert PAGE not in client.get(reverse("kpi:team_scores")).content.decode()


def test_the_menu_has_no_recompute_entry(network):
    with translation.override("en"):
        assert "recompute" not in {item["key"] for item in nav_items(network.hr.user)}
