"""The beat schedule keeps the figures fresh without anyone typing a command: the nightly
full recompute of the open months at a configurable company-time hour, the queue of changed
records every few minutes, and the notification retries it had before."""

import runpy

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

import servicescore.settings
from servicescore.celery import app

KNOBS = ["SECRET_KEY", "KPI_NIGHTLY_RECOMPUTE_AT", "KPI_RECOMPUTE_QUEUE_MINUTES", "KPI_OPEN_MONTHS"]


@pytest.fixture
def fresh_env(tmp_path, monkeypatch):
    """Load settings.py anew from an empty project home with only the given variables."""
    monkeypatch.setenv("SERVICESCORE_HOME", str(tmp_path))
    for name in KNOBS:
        monkeypatch.delenv(name, raising=False)

    def load(**variables):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(servicescore.settings.__file__)

    return load


def test_the_schedule_recomputes_the_open_months_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["kpi-recompute-open-months"]
    assert entry["task"] == "kpi.recompute_open_months"
    assert entry["schedule"] == crontab(hour=2, minute=30)


def test_the_schedule_drains_the_recompute_queue_every_few_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["kpi-process-recompute-requests"]
    assert entry["task"] == "kpi.process_recompute_requests"
    assert entry["schedule"] == 5 * 60.0


def test_the_schedule_keeps_the_notification_retries():
    assert settings.CELERY_BEAT_SCHEDULE["retry-due-deliveries"]["task"] == "core.retry_due_deliveries"


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_the_nightly_hour_is_company_time():
    assert settings.CELERY_TIMEZONE == settings.COMPANY_TIME_ZONE


def test_the_hour_and_the_queue_interval_come_from_the_environment(fresh_env):
    loaded = fresh_env(DEBUG="true", KPI_NIGHTLY_RECOMPUTE_AT="03:05", KPI_RECOMPUTE_QUEUE_MINUTES="2")
    schedule = loaded["CELERY_BEAT_SCHEDULE"]
    assert schedule["kpi-recompute-open-months"]["schedule"] == crontab(hour=3, minute=5)
    assert schedule["kpi-process-recompute-requests"]["schedule"] == 120.0


@pytest.mark.parametrize("value", ["25:00", "2.30", "nightly", "02:60", ""])
def test_a_bad_nightly_time_stops_the_start_with_a_message(fresh_env, value):
    with pytest.raises(ImproperlyConfigured, match="KPI_NIGHTLY_RECOMPUTE_AT"):
        fresh_env(DEBUG="true", KPI_NIGHTLY_RECOMPUTE_AT=value)


@pytest.mark.parametrize("name", ["KPI_OPEN_MONTHS", "KPI_RECOMPUTE_QUEUE_MINUTES"])
def test_a_count_below_one_stops_the_start(fresh_env, name):
    with pytest.raises(ImproperlyConfigured, match=name):
        fresh_env(DEBUG="true", **{name: "0"})


def test_the_schedule_purges_old_exports_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["core-purge-old-exports"]
    assert entry["task"] == "core.purge_old_exports"
    assert entry["schedule"] == 3600.0
