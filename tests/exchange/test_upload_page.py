"""The import page: dry-run report first, then commit; limits, bad files and scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from servicescore.workorders.models import WorkOrder

from ..conftest import login

WO = "external_id,service_center,type,created_at,technician\nWEB-1,SC1,repair,2026-10-05T10:00:00+08:00,T1\n"


def post_file(client, kind, text, name="orders.csv", encoding="utf-8"):
    upload = SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")
    return client.post(reverse("exchange:upload"), {"kind": kind, "file": upload})


def test_a_manager_sees_the_report_then_commits(client, network):
    login(client, network.manager)
    response = post_file(client, "work_orders", WO)
    assert response.status_code == 200
    assert response.context["report"].created == 1
    assert not WorkOrder.objects.exists(), "the preview must not write"
    token = response.context["token"]
    response = client.post(reverse("exchange:commit"), {"token": token}, follow=True)
    assert WorkOrder.objects.get(external_id="WEB-1").service_center == network.sc1
    assert "新建 1" in response.content.decode()  # zh-Hans is the default language
    # The token is spent: committing twice does nothing more.
    client.post(reverse("exchange:commit"), {"token": token})
    assert WorkOrder.objects.count() == 1


def test_a_bad_file_shows_every_problem_and_cannot_be_committed(client, network):
    login(client, network.hr)
    response = post_file(client, "work_orders", WO + "WEB-2,SCX,repair,2026-10-05,T9\n")
    report = response.context["report"]
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "service_center"),
        (3, "created_at"),
        (3, "technician"),
    ]
    assert response.context["token"] is None
    assert b"import-errors" in response.content
    assert not WorkOrder.objects.exists()


@override_settings(IMPORT_MAX_UPLOAD_BYTES=1000)
def test_a_file_over_the_limit_is_refused_with_its_size(client, network):
    login(client, network.hr)
    response = post_file(client, "work_orders", WO + "x" * 2000)
    assert "file" in response.context["form"].errors
    assert "1000" in str(response.context["form"].errors["file"]) or "KB" in str(
        response.context["form"].errors["file"]
    )
    assert response.context["report"] is None


def test_the_upload_limit_defaults_to_20_mb(settings):
    assert settings.IMPORT_MAX_UPLOAD_BYTES == 20 * 1024 * 1024


def test_a_non_utf8_csv_gets_a_specific_message(client, network):
    login(client, network.hr)
    response = post_file(
        client,
        "org_units",
        "code,name,kind,parent_code\nSC7,广州服务中心,service_center,EAST\n",
        encoding="gb18030",
    )
    errors = response.context["report"].errors
    assert errors[0].row == 2 and "UTF-8" in errors[0].message


def test_a_manager_cannot_import_into_another_centre(client, network):
    login(client, network.manager)  # manager of SC1
    other = "external_id,service_center,type,created_at,technician\nWEB-1,SC2,repair,2026-10-05T10:00:00+08:00,T4\n"
    response = post_file(client, "work_orders", other)
    columns = [e.column for e in response.context["report"].errors]
    assert columns == ["service_center", "technician"]
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("who", ["tech", "foreman", "advisor", "dispatcher"])
def test_roles_without_import_rights_get_404(client, network, who):
    login(client, getattr(network, who))
    assert client.get(reverse("exchange:upload")).status_code == 404
    assert client.get(reverse("exchange:export", args=["work_orders", "csv"])).status_code == 404


def test_the_auditor_may_not_import(client, network):
    login(client, network.auditor)
    assert client.get(reverse("exchange:upload")).status_code == 404


def test_a_manager_export_holds_only_his_subtree(client, network):
    from ..factories import WorkOrderFactory

    WorkOrderFactory(external_id="IN-1", service_center=network.sc1)
    WorkOrderFactory(external_id="OUT-1", service_center=network.sc2)
    login(client, network.manager)
    body = client.get(reverse("exchange:export", args=["work_orders", "csv"])).content.decode()
    assert "IN-1" in body and "OUT-1" not in body
    login(client, network.hr)
    body = client.get(reverse("exchange:export", args=["work_orders", "csv"])).content.decode()
    assert "IN-1" in body and "OUT-1" in body


def test_unknown_kinds_and_formats_in_download_urls_are_404(client, network):
    login(client, network.hr)
    assert client.get(reverse("exchange:export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("exchange:export", args=["work_orders", "pdf"])).status_code == 404
    assert client.get(reverse("exchange:template", args=["nope"])).status_code == 404
    assert (
        client.get(reverse("exchange:template", args=["work_orders"]))
        .content.decode()
        .lstrip("\ufeff")
        .startswith("external_id,service_center,type")
    )


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(client, network):
    login(client, network.hr)
    response = post_file(client, "work_orders", WO, name="orders.pdf")
    assert "file" in response.context["form"].errors
    assert response.context["report"] is None
