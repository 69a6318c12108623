"""/api/import/{kind}: the upload page's limits — bytes refused with 413 before the body is
read, workbooks checked before they are unpacked, at most IMPORT_MAX_REPORTED_ERRORS
problems listed with their total."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicescore.workorders.models import WorkOrder

from ..exchange.workbooks import workbook

pytestmark = pytest.mark.django_db

WO = "external_id,service_center,type,created_at\n"


def csv_upload(text: str, name: str = "orders.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.fixture
def parsed_bodies(monkeypatch):
    """Every multipart body Django parses."""
    from django.http.multipartparser import MultiPartParser

    calls = []
    real = MultiPartParser.parse

    def spy(self):
        calls.append(1)
        return real(self)

    monkeypatch.setattr(MultiPartParser, "parse", spy)
    return calls


def test_a_request_body_over_the_limit_is_refused_with_413_before_it_is_parsed(
    network, token_for, settings, parsed_bodies
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    big = WO + "F-1,SC1,repair,2026-10-03T09:15:00+08:00\n" * 3000
    response = token_for(network.manager).upload("/api/import/work_orders/file", {"file": csv_upload(big)})
    assert response.status_code == 413
    body = response.json()
    assert "the limit is 1000" in body["detail"] and body["errors"][0]["field"] == "file"
    assert parsed_bodies == []
    assert not WorkOrder.objects.exists()


def test_a_file_over_the_limit_in_a_small_body_is_refused_with_413(network, token_for, settings, monkeypatch):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    monkeypatch.setattr("servicescore.api.imports.run_import", pytest.fail)
    text = WO + "F-1,SC1,repair,2026-10-03T09:15:00+08:00\n" * 40
    response = token_for(network.manager).upload("/api/import/work_orders/file", {"file": csv_upload(text)})
    assert response.status_code == 413
    assert "the limit is 1000" in response.json()["detail"]


def test_json_rows_over_the_limit_are_refused_with_413(network, token_for, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    rows = [{"external_id": f"J-{n}", "service_center": "SC1", "type": "repair"} for n in range(100)]
    response = token_for(network.manager).post("/api/import/work_orders", {"rows": rows})
    assert response.status_code == 413
    assert not WorkOrder.objects.exists()


def test_a_workbook_bomb_is_refused_before_it_is_unpacked(network, token_for, settings, monkeypatch):
    import openpyxl

    settings.IMPORT_XLSX_MAX_SHARED_STRINGS = 100
    monkeypatch.setattr(openpyxl, "load_workbook", pytest.fail)
    content = workbook([["external_id"]], extra_strings=[f"s{n}" for n in range(200)])
    upload = SimpleUploadedFile("orders.xlsx", content)
    response = token_for(network.manager).upload("/api/import/work_orders/file", {"file": upload})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["row"] == 1 and "more than 100 distinct texts" in error["message"]


def test_the_errors_of_a_bad_file_are_capped_with_their_total(network, token_for, settings):
    settings.IMPORT_MAX_REPORTED_ERRORS = 3
    text = WO + "".join(f"B-{n},SC1,repair,not-a-time\n" for n in range(10))
    response = token_for(network.manager).upload("/api/import/work_orders/file", {"file": csv_upload(text)})
    assert response.status_code == 422
    body = response.json()
    assert [e["row"] for e in body["errors"]] == [2, 3, 4]
    assert (body["error_count"], body["errors_truncated"]) == (10, True)


def test_values_that_are_not_cells_are_capped_with_their_total_too(network, token_for, settings):
    settings.IMPORT_MAX_REPORTED_ERRORS = 3
    rows = [{"external_id": f"N-{n}", "created_at": {"nested": n}} for n in range(10)]
    body = token_for(network.manager).post("/api/import/work_orders", {"rows": rows}).json()
    assert len(body["errors"]) == 3 and (body["error_count"], body["errors_truncated"]) == (10, True)


def test_a_good_import_reports_no_errors_and_nothing_truncated(network, token_for):
    text = WO + "G-1,SC1,repair,2026-10-03T09:15:00+08:00\n"
    body = (
        token_for(network.manager).upload("/api/import/work_orders/file", {"file": csv_upload(text)}).json()
    )
    assert (body["created"], body["errors"], body["error_count"], body["errors_truncated"]) == (
        1,
        [],
        0,
        False,
    )
