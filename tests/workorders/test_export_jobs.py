"""The work-order export runs as a background job (core/export_jobs.py): the list's button
leads to the export page with the same filters, the job writes the list's columns within
the owner's scope, and only the owner downloads the file."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from servicescore.core.models import ExportJob

from ..conftest import login
from ..factories import UserFactory, WorkOrderFactory
from .exports import export_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(network):
    return [
        WorkOrderFactory(external_id="WO-T1", service_center=network.sc1, technician=network.tech),
        WorkOrderFactory(external_id="WO-T2", service_center=network.sc1, technician=network.tech_colleague),
        WorkOrderFactory(external_id="WO-SC2", service_center=network.sc2, technician=network.tech_sc2),
    ]


def ids(content) -> set[str]:
    rows = load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
    next(rows)
    return {row[0] for row in rows}


def test_the_lists_export_button_opens_the_export_page_with_the_same_filters(client, network, orders):
    login(client, network.manager)
    response = client.get(reverse("workorders:export"), {"priority": "urgent", "state": "new"})
    assert (
        response["Location"] == reverse("exports:start", args=["work_orders"]) + "?priority=urgent&state=new"
    )
    page = client.get(response["Location"]).content.decode()
    assert 'data-action="start-export"' in page
    assert reverse("workorders:list") + "?priority=urgent&amp;state=new" in page


def test_the_job_counts_the_rows_it_writes(client, network, orders):
    login(client, network.manager)
    _response, _content, job = export_workbook(client)
    assert (job.total_rows, job.done_rows, job.kind) == (2, 2, "work_orders")


def test_a_technicians_export_holds_only_his_orders(client, network, orders):
    login(client, network.tech)
    _response, content, _job = export_workbook(client)
    assert ids(content) == {"WO-T1"}


def test_a_colleague_cannot_download_a_technicians_export(client, network, orders, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(client, network.tech)
    _response, _content, job = export_workbook(client)
    login(client, network.tech_colleague)
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
    assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404


def test_an_integration_account_cannot_start_the_export(client, network):
    client.force_login(UserFactory(username="robot", role="integration"))
    response = client.post(reverse("exports:start", args=["work_orders"]))
    assert response.status_code == 403 and not ExportJob.objects.exists()
