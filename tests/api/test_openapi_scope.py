"""Walk the OpenAPI document and call every operation with a technician's token (all
scopes): each answers only in-scope data, and every record outside his scope is a 404.
A new endpoint fails this test until it is added to CALLS below."""

import pytest

from servicescore.workorders import services

from ..factories import (
    IndicatorResultFactory,
    ScorecardFactory,
    TemplateVersionFactory,
    WorkOrderFactory,
    employee_result,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(network):
    mine = services.assign(
        WorkOrderFactory(service_center=network.sc1, external_id="MINE"), technician=network.tech, by=None
    )
    colleagues = services.assign(
        WorkOrderFactory(service_center=network.sc1, external_id="COLLEAGUES"),
        technician=network.tech_colleague,
        by=None,
    )
    elsewhere = WorkOrderFactory(service_center=network.sc2, external_id="ELSEWHERE")
    version = TemplateVersionFactory()
    for person in (network.tech, network.tech_colleague, network.tech_sc2, network.manager):
        employee_result(employee=person)
        ScorecardFactory(employee=person, version=version)
    for unit in (network.t11, network.sc1, network.sc2):
        IndicatorResultFactory(org_unit=unit)
    return {"mine": mine, "outside": [colleagues, elsewhere]}


def fill(path, **values):
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, path
    return path


# (method, path in the OpenAPI document) → what to send for an in-scope call; None: no
# in-scope record exists for a technician (import, org units).
CALLS = {
    ("get", "/api/work-orders"): {},
    ("post", "/api/work-orders"): {"service_center": "SC1", "type": "repair"},
    ("get", "/api/work-orders/by-external-id/{external_id}"): {},
    ("get", "/api/work-orders/{work_order_id}"): {},
    ("patch", "/api/work-orders/{work_order_id}"): {"description": "changed"},
    ("post", "/api/work-orders/{work_order_id}/transitions/{action}"): {},
    ("get", "/api/work-orders/{work_order_id}/events"): {},
    ("get", "/api/work-orders/{work_order_id}/labour"): {},
    ("post", "/api/work-orders/{work_order_id}/labour"): {"operation_code": "X", "clocked_hours": "1"},
    ("get", "/api/employees"): {},
    ("get", "/api/employees/{employee_no}"): {},
    ("get", "/api/org-units"): {},
    ("get", "/api/org-units/{code}"): {},
    ("post", "/api/import/{kind}"): {
        "rows": [
            {
                "external_id": "X",
                "service_center": "SC2",
                "type": "repair",
                "created_at": "2026-10-01T09:00:00",
            }
        ]
    },
    ("post", "/api/import/{kind}/file"): None,
    ("get", "/api/kpi/indicators"): {},
    ("get", "/api/kpi/results"): {"period": "2026-10"},
    ("get", "/api/kpi/scorecards"): {},
    ("get", "/api/kpi/scorecards/{employee_no}/{period}"): {},
    ("post", "/api/ratings"): {
        "period": "2026-10",
        "ratings": [{"employee_no": "T2", "indicator": "COMPLIANCE", "rating": 4}],
    },
    # customer voice (tests/api/test_voice_api.py checks their scope with records in it)
    ("get", "/api/voice/responses"): {},
    ("get", "/api/voice/responses/{response_id}"): {},
    ("get", "/api/voice/followups"): {},
    ("get", "/api/voice/followups/{followup_id}"): {},
    ("get", "/api/voice/complaints"): {},
    ("post", "/api/voice/complaints"): {"summary": "x"},
    ("get", "/api/voice/complaints/{complaint_id}"): {},
    ("get", "/api/voice/praise"): {},
    ("post", "/api/voice/praise"): {"employee": "T1"},
    ("get", "/api/voice/praise/{praise_id}"): {},
    ("post", "/api/voice/work-orders/{work_order_id}/survey"): {"channel": "wecom"},
    ("post", "/api/voice/responses/{response_id}/review"): {"decision": "confirm", "reason": "x"},
    # appraisal cycles (tests/api/test_appraisal_api.py checks their scope with evaluations)
    ("get", "/api/appraisal/todo"): {},
    ("get", "/api/appraisal/evaluations/{evaluation_id}"): {},
    ("post", "/api/appraisal/evaluations/{evaluation_id}/sign"): {"revision": 0},
    ("post", "/api/appraisal/evaluations/{evaluation_id}/confirm"): {},
    ("get", "/api/appraisal/cycles/{cycle_id}/progress"): {},
    # (tests/api/test_appraisal_api_cycle.py checks these with cycles and appeals in reach)
    ("get", "/api/appraisal/cycles"): {},
    ("get", "/api/appraisal/cycles/{cycle_id}"): {},
    ("post", "/api/appraisal/evaluations/{evaluation_id}/self-review"): {"revision": 0},
    ("post", "/api/appraisal/evaluations/{evaluation_id}/manager-review"): {"revision": 0},
    ("post", "/api/appraisal/evaluations/{evaluation_id}/appeal"): {"reason": "x"},
    ("post", "/api/appraisal/evaluations/{evaluation_id}/appeal/upload"): {"reason": "x"},
    ("get", "/api/appraisal/appeals"): {},
    ("get", "/api/appraisal/appeals/{appeal_id}"): {},
    ("post", "/api/appraisal/appeals/{appeal_id}/decide"): {"action": "uphold", "reason": "x"},
    ("post", "/api/appraisal/appeals/{appeal_id}/answer"): {"text": "x"},
}


def call(api, method, path, body):
    if method == "get":
        return api.get(path, body)
    if method == "patch":
        return api.patch(path, body or {})
    if path.endswith("/file"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile(
            "x.csv", b"external_id,service_center,type,created_at\nX,SC2,repair,2026-10-01T09:00:00\n"
        )
        return api.upload(path, {"file": upload})
    return api.post(path, body or {})


def test_every_endpoint_returns_only_in_scope_data(client, network, world, token_for):
    schema = client.get("/api/openapi.json").json()
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert operations == set(CALLS), "add the new endpoint to CALLS and check its scope"
    api = token_for(network.tech)
    mine = world["mine"]
    in_scope_ids = {"MINE"}

    for (method, path), body in sorted(CALLS.items()):
        # 1. every out-of-scope record named in the URL is a 404, whatever the method
        if "{work_order_id}" in path or "{external_id}" in path:
            for other in world["outside"]:
                url = fill(path, work_order_id=other.pk, external_id=other.external_id, action="accept")
                response = call(api, method, url, body)
                assert response.status_code == 404, (method, url, response.content)
        if "{employee_no}" in path:
            for number in ("T2", "T4", "M1"):
                url = fill(path, employee_no=number, period="2026-10")
                assert call(api, method, url, body).status_code == 404, url
        if "{code}" in path:
            for code in ("SC1", "SC2", "ACME"):
                assert call(api, method, fill(path, code=code), body).status_code == 404

        # 2. the in-scope call answers only what the technician may see
        url = fill(
            path,
            work_order_id=mine.pk,
            external_id="MINE",
            action="accept",
            employee_no="T1",
            code="SC1-T1",
            kind="work_orders",
            period="2026-10",
            response_id=0,
            followup_id=0,
            complaint_id=0,
            praise_id=0,
            evaluation_id=0,
            cycle_id=0,
            appeal_id=0,
        )
        response = call(api, method, url, body)
        assert response.status_code in (200, 201, 403, 404, 422), (method, url, response.status_code)
        data = response.json()
        if response.status_code >= 400:
            text = repr(data)
            assert "COLLEAGUES" not in text and "ELSEWHERE" not in text
            continue
        if path == "/api/work-orders":
            assert {item["external_id"] for item in data["items"]} == in_scope_ids
        elif path == "/api/employees":
            assert [item["employee_no"] for item in data["items"]] == ["T1"]
        elif path == "/api/org-units":
            assert data == []
        elif path.endswith("/events"):
            assert data and all(event["actor_employee_no"] in (None, "T1") for event in data)
        elif path.endswith("/labour") and method == "get":
            assert all(line["technician"] == "T1" for line in data)
        elif "work_order_id" in path or "external_id" in path:
            assert data["external_id"] == "MINE"
        elif path == "/api/employees/{employee_no}":
            assert data["employee_no"] == "T1"
        elif path == "/api/kpi/indicators":
            assert "FTFR" in [item["code"] for item in data]
        elif path == "/api/kpi/results":
            assert [(item["subject"], item["employee_no"]) for item in data["items"]] == [("employee", "T1")]
        elif path == "/api/kpi/scorecards":
            assert [item["employee_no"] for item in data["items"]] == ["T1"]
        elif path == "/api/kpi/scorecards/{employee_no}/{period}":
            assert data["employee_no"] == "T1" and data["period"] == "2026-10"
        elif path.startswith("/api/voice/") and method == "get":
            assert data["items"] == []  # no customer voice in this world
        elif path in ("/api/appraisal/todo", "/api/appraisal/cycles", "/api/appraisal/appeals"):
            assert data["items"] == []  # no appraisal cycle in this world
        else:
            raise AssertionError(f"say what {method} {path} answers a technician")

    # a technician may act on his own order, never create, edit, import or see org units
    assert call(api, "post", "/api/work-orders", CALLS[("post", "/api/work-orders")]).status_code == 403
    assert api.patch(f"/api/work-orders/{mine.pk}", {"description": "x"}).status_code == 403
    assert api.post("/api/import/work_orders", CALLS[("post", "/api/import/{kind}")]).status_code == 403
    mine.refresh_from_db()
    assert mine.state == "accepted" and mine.description == ""
