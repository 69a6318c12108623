"""Running the work-order export as a user does: the list's button, the export page's
"prepare" button (the job runs inline at the commit: no broker in tests), the download."""

import io
import tempfile

from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import load_workbook


def export_workbook(client, **params):
    """(the download response, its content, the job) of the list's export with `params`."""
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        start = client.get(reverse("workorders:export"), params)
        assert start.status_code == 302, start.status_code
        with TestCase.captureOnCommitCallbacks(execute=True):
            started = client.post(start["Location"])
        assert started.status_code == 302, started.content.decode()[:500]
        job = client.get(started["Location"]).context["job"]
        assert job.state == "done", job.error
        response = client.get(reverse("exports:download", args=[job.pk]))
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
    return response, content, job


def export_rows(client, **params):
    """(the download response, the header, the data rows) of the list's export."""
    response, content, _job = export_workbook(client, **params)
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    return response, rows[0], rows[1:]
