"""Exports written in the background (core/export_jobs.py): a job per request, run at the
commit without a broker, its file for its owner only, cleaned up after a day; bad input is
refused with a code and writes nothing."""

import datetime
import io
import os

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from servicescore.core import export_jobs
from servicescore.core.errors import Conflict, Invalid, Refused
from servicescore.core.export_jobs import Export, purge_old_exports, register_exporter, start_export
from servicescore.core.models import ExportJob

from ..conftest import login

pytestmark = pytest.mark.django_db


def _numbers(user, parameters):
    count = int(parameters.get("count", ["3"])[0])
    rows = ([f"=row {n}", str(n)] for n in range(count))
    return Export(
        filename="numbers.xlsx",
        title="Numbers",
        header=["Text", "Number"],
        rows=rows,
        numeric={"Number"},
        total=count,
    )


def _broken(user, parameters):
    raise RuntimeError("the database went away")


@pytest.fixture(autouse=True)
def exporters(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    register_exporter("numbers", label=lambda: "Numbers", build=_numbers)
    register_exporter("broken", label=lambda: "Broken", build=_broken)
    register_exporter("nobody", label=lambda: "Nobody", build=_numbers, may_start=lambda user: False)
    yield
    for kind in ("numbers", "broken", "nobody"):
        export_jobs._EXPORTERS.pop(kind, None)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def start(user, kind="numbers", **parameters):
        with django_capture_on_commit_callbacks(execute=True):
            job = start_export(user=user, kind=kind, parameters=parameters)
        job.refresh_from_db()
        return job

    return start


def test_an_export_runs_at_the_commit_without_a_broker_and_writes_a_real_workbook(network, run):
    job = run(network.tech.user, count=["2500"])
    assert (job.state, job.done_rows, job.total_rows, job.filename) == ("done", 2500, 2500, "numbers.xlsx")
    with job.file.open("rb") as handle:
        rows = list(
            load_workbook(io.BytesIO(handle.read()), read_only=True).active.iter_rows(values_only=True)
        )
    assert rows[0] == ("Text", "Number")
    assert rows[1] == ("'=row 0", 0) and len(rows) == 2501


def test_the_owner_downloads_the_file_from_the_job_page(client, network, run):
    job = run(network.tech.user)
    login(client, network.tech)
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert reverse("exports:download", args=[job.pk]) in page
    response = client.get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="numbers.xlsx"'
    assert load_workbook(io.BytesIO(b"".join(response.streaming_content))).active["B2"].value == 0


def test_another_user_gets_404_for_the_job_its_progress_and_its_file(client, network, run):
    job = run(network.tech.user)
    login(client, network.manager)
    for name in ("exports:job", "exports:progress", "exports:download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert (
        str(job.pk)
        not in client.get(reverse("exports:list")).content.decode().split('data-list="exports"')[1]
    )


def test_the_file_is_not_offered_before_it_is_written(client, network):
    job = ExportJob.objects.create(owner=network.tech.user, kind="numbers", state="running", total_rows=10)
    login(client, network.tech)
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
    page = client.get(reverse("exports:progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'data-state="running"' in page


def test_the_job_page_stops_polling_once_the_file_is_ready(client, network, run):
    job = run(network.tech.user)
    login(client, network.tech)
    page = client.get(reverse("exports:progress", args=[job.pk])).content.decode()
    assert 'data-state="done"' in page and "hx-trigger" not in page


def test_a_failing_exporter_marks_the_job_failed_with_its_error(network, run):
    job = run(network.tech.user, kind="broken")
    assert (job.state, job.error, bool(job.file)) == ("failed", "the database went away", False)


def test_an_unknown_kind_is_refused_and_writes_nothing(network):
    with pytest.raises(Invalid) as refused:
        start_export(user=network.tech.user, kind="payroll", parameters={})
    assert refused.value.code == "export_kind_unknown" and not ExportJob.objects.exists()


@pytest.mark.parametrize("parameters", [["a"], {"q": "text"}, {"q": [1]}, {"q": ["x" * 5000]}])
def test_bad_parameters_are_refused_and_write_nothing(network, parameters):
    with pytest.raises(Invalid) as refused:
        start_export(user=network.tech.user, kind="numbers", parameters=parameters)
    assert refused.value.code == "export_parameters" and not ExportJob.objects.exists()


def test_a_role_the_exporter_refuses_cannot_start_it(network):
    with pytest.raises(Refused) as refused:
        start_export(user=network.tech.user, kind="nobody", parameters={})
    assert refused.value.code == "export_not_allowed" and not ExportJob.objects.exists()


def test_a_user_may_have_only_a_few_exports_running_at_once(network, monkeypatch):
    monkeypatch.setattr(export_jobs, "_queue", lambda job_id: None)
    for _n in range(export_jobs.MAX_ACTIVE_PER_USER):
        start_export(user=network.tech.user, kind="numbers", parameters={})
    with pytest.raises(Conflict) as refused:
        start_export(user=network.tech.user, kind="numbers", parameters={})
    assert refused.value.code == "export_too_many"
    assert ExportJob.objects.count() == export_jobs.MAX_ACTIVE_PER_USER


def test_files_older_than_a_day_are_deleted_when_an_export_starts(network, run):
    old = run(network.tech.user)
    path = old.file.path
    ExportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    run(network.manager.user, kind="broken")  # writes no file of its own
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert not os.path.exists(path)


def test_a_job_whose_worker_was_lost_is_given_up(network):
    job = ExportJob.objects.create(
        owner=network.tech.user,
        kind="numbers",
        state="running",
        created_at=timezone.now() - datetime.timedelta(hours=2),
    )
    assert purge_old_exports() == 0
    job.refresh_from_db()
    assert job.state == "failed" and job.error


def test_the_export_is_written_in_the_language_it_was_asked_in(network, django_capture_on_commit_callbacks):
    seen = []
    register_exporter(
        "language",
        label=lambda: "Language",
        build=lambda user, parameters: seen.append(translation.get_language()) or _numbers(user, parameters),
    )
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        start_export(user=network.tech.user, kind="language", parameters={})
    export_jobs._EXPORTERS.pop("language")
    assert seen == ["en"]


def test_the_start_page_starts_a_job_with_the_query_string_and_shows_it(
    client, network, django_capture_on_commit_callbacks
):
    login(client, network.tech)
    url = reverse("exports:start", args=["numbers"]) + "?count=4"
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("exports:job", args=[job.pk])
    assert job.parameters == {"count": ["4"]} and job.owner == network.tech.user


def test_the_start_page_of_an_unknown_kind_is_404(client, network):
    login(client, network.tech)
    assert client.post(reverse("exports:start", args=["payroll"])).status_code == 404


def test_the_start_page_shows_a_refusal_and_starts_nothing(client, network):
    login(client, network.tech)
    response = client.post(reverse("exports:start", args=["nobody"]))
    assert response.status_code == 403 and 'data-error="export_not_allowed"' in response.content.decode()
    assert not ExportJob.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, network, run):
    job = run(network.tech.user)
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 302
