"""/api/import/{kind}: the command line's run_import behind an HTTP door — same checks,
same report, all or nothing, idempotent."""

import pytest

from servicescore.core.roles import Role
from servicescore.workorders.models import WorkOrder

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

ROWS = [
    {
        "external_id": "API-1",
        "service_center": "SC1",
        "type": "repair",
        "created_at": "2026-10-03T09:15:00+08:00",
        "technician": "T1",
        "dispatched_at": "2026-10-03T09:30:00+08:00",
        "standard_hours": 1.5,
        "clocked_hours": 1.2,
    },
    {
        "external_id": "API-2",
        "service_center": "SC1",
        "type": "maintenance",
        "created_at": "2026-10-03T10:00:00",
        "priority": "high",
        "difficulty": 1.2,
    },
]


def test_json_rows_import_then_reimport_is_unchanged(network, token_for):
    api = token_for(network.manager)
    first = api.post("/api/import/work_orders", {"rows": ROWS})
    assert first.status_code == 200, first.content
    assert first.json() == {
        "kind": "work_orders",
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "dry_run": False,
        "errors": [],
        "error_count": 0,
        "errors_truncated": False,
    }
    assert WorkOrder.objects.get(external_id="API-1").state == "dispatched"
    again = api.post("/api/import/work_orders", {"rows": ROWS})
    assert again.json()["unchanged"] == 2 and again.json()["created"] == 0


def test_dry_run_writes_nothing(network, token_for):
    response = token_for(network.manager).post("/api/import/work_orders?dry_run=true", {"rows": ROWS})
    assert response.json()["created"] == 2 and response.json()["dry_run"] is True
    assert not WorkOrder.objects.exists()


def test_one_bad_row_rejects_all_with_row_and_column(network, token_for):
    rows = [
        *ROWS,
        {
            "external_id": "API-3",
            "service_center": "SC1",
            "type": "repair",
            "created_at": "2026-10-03T10:00:00",
            "technician": "T999",
        },
        {"external_id": "API-4", "service_center": "SC1", "type": "repair", "created_at": {"nested": 1}},
    ]
    response = token_for(network.manager).post("/api/import/work_orders", {"rows": rows})
    assert response.status_code == 422
    body = response.json()
    assert body["created"] == 0 and body["errors"] == [
        {
            "code": "invalid_row",
            "field": "created_at",
            "row": 5,
            "column": "created_at",
            "message": "must be text, a number, true/false or null",
        }
    ]
    rows.pop()
    body = token_for(network.manager).post("/api/import/work_orders", {"rows": rows}).json()
    assert body["errors"][0]["row"] == 4 and body["errors"][0]["column"] == "technician"
    assert "T999" in body["errors"][0]["message"]
    assert not WorkOrder.objects.exists()


def test_rows_outside_the_callers_scope_are_refused(network, token_for):
    rows = [{**ROWS[1], "service_center": "SC2"}]
    body = token_for(network.manager).post("/api/import/work_orders", {"rows": rows}).json()
    assert body["errors"] and body["errors"][0]["column"] == "service_center"
    assert not WorkOrder.objects.exists()


def test_file_upload_is_the_same_path(network, token_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = "external_id,service_center,type,created_at\nF-1,SC1,repair,2026-10-03T09:15:00+08:00\n"
    upload = SimpleUploadedFile("orders.csv", csv.encode(), content_type="text/csv")
    response = token_for(network.manager).upload("/api/import/work_orders/file", {"file": upload})
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1


def test_unknown_kind_empty_rows_and_roles(network, token_for):
    manager = token_for(network.manager)
    assert manager.post("/api/import/spaceships", {"rows": ROWS}).status_code == 422
    empty = manager.post("/api/import/work_orders", {"rows": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["message"] == "no rows were sent"
    assert token_for(network.tech).post("/api/import/work_orders", {"rows": ROWS}).status_code == 403
    assert token_for(network.auditor).post("/api/import/work_orders", {"rows": ROWS}).status_code == 403
    system = token_for(UserFactory(username="crm", role=Role.INTEGRATION), scopes=("import",))
    assert system.post("/api/import/work_orders", {"rows": ROWS}).status_code == 200


def test_people_and_voice_kinds_import_too(network, token_for):
    api = token_for(network.hr)
    response = api.post(
        "/api/import/employees",
        {
            "rows": [
                {
                    "employee_no": "N1",
                    "name": "新人",
                    "position": "technician",
                    "org_unit": "SC1-T1",
                    "hire_date": "2026-11-01",
                }
            ]
        },
    )
    assert response.status_code == 200 and response.json()["created"] == 1
