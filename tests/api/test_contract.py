"""The API answers as its OpenAPI document says: every error in one shape, and the
formats of `limit`, periods, cursors, datetimes and decimals stated and enforced.
`make test-contract` fuzzes the same document against a live server; these tests pin
what it found."""

import re

import jsonschema_rs
import pytest
from django.test import Client

from servicescore.workorders.models import WorkOrder

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db

ERROR_STATUSES = ("400", "401", "403", "404", "409", "413", "422", "429")


@pytest.fixture(scope="module")
def openapi():
    return Client().get("/api/openapi.json").json()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def check_against_document(document, path, method, response):
    """Validate a response body against the schema the document declares for its status."""
    declared = document["paths"][path][method]["responses"]
    assert str(response.status_code) in declared, (response.status_code, sorted(declared))
    schema = declared[str(response.status_code)]["content"]["application/json"]["schema"]
    jsonschema_rs.validator_for({**schema, "components": document["components"]}).validate(response.json())


def parameter(document, path, method, name):
    found = [p for p in document["paths"][path][method].get("parameters", []) if p["name"] == name]
    assert found, (path, method, name)
    return found[0]["schema"]


def resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def branches(schema):
    """The alternatives of a schema, nested anyOf flattened (a nullable field nests one)."""
    if "anyOf" not in schema:
        return [schema]
    return [leaf for branch in schema["anyOf"] for leaf in branches(branch)]


# --- the error shape --------------------------------------------------------------------


def test_patch_with_a_json_array_body_is_refused_and_changes_nothing(network, token_for, openapi):
    order = WorkOrderFactory(service_center=network.sc1)
    response = token_for(network.manager).patch(f"/api/work-orders/{order.pk}", [{"priority": "urgent"}])
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "object_expected" and response.json()["field"] is None
    check_against_document(openapi, "/api/work-orders/{work_order_id}", "patch", response)
    assert WorkOrder.objects.get(pk=order.pk).priority == "normal"


@pytest.mark.parametrize("body", ["1", '"urgent"', "null", "true"])
def test_a_transition_with_a_body_that_is_not_an_object_is_refused(network, token_for, body):
    order = WorkOrderFactory(service_center=network.sc1)
    api = token_for(network.dispatcher)
    response = api.client.post(
        f"/api/work-orders/{order.pk}/transitions/cancel",
        body,
        content_type="application/json",
        **api.headers,
    )
    assert response.status_code == 422 and response.json()["code"] == "object_expected", response.content


def test_malformed_json_answers_400_in_the_documented_shape(network, token_for, openapi):
    api = token_for(network.manager)
    response = api.client.post(
        "/api/work-orders", '{"type": "repair",', content_type="application/json", **api.headers
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "malformed_body" and body["field"] is None and "JSON" in body["message"]
    check_against_document(openapi, "/api/work-orders", "post", response)


def test_multipart_without_a_boundary_answers_400_not_500(network, token_for, openapi):
    api = token_for(network.manager)
    response = api.client.post(
        "/api/import/work_orders/file", "x", content_type="multipart/form-data", **api.headers
    )
    assert response.status_code == 400, response.content
    check_against_document(openapi, "/api/import/{kind}/file", "post", response)


def test_a_body_over_the_size_limit_answers_413_in_the_documented_shape(
    network, token_for, settings, openapi
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    order = WorkOrderFactory(service_center=network.sc1)
    response = token_for(network.manager).patch(f"/api/work-orders/{order.pk}", {"description": "x" * 2000})
    assert response.status_code == 413 and response.json()["code"] == "too_large", response.content
    check_against_document(openapi, "/api/work-orders/{work_order_id}", "patch", response)


@pytest.mark.parametrize(
    "status, url, template",
    [
        (401, "/api/work-orders", "/api/work-orders"),  # no token
        (404, "/api/work-orders/999999", "/api/work-orders/{work_order_id}"),
        (404, "/api/kpi/scorecards/NOBODY/2026-10", "/api/kpi/scorecards/{employee_no}/{period}"),
        (422, "/api/work-orders?limit=0", "/api/work-orders"),
        (422, "/api/employees?cursor=!!", "/api/employees"),
        (422, "/api/kpi/results?period=2026-13", "/api/kpi/results"),
    ],
)
def test_error_answers_match_the_documented_shape(
    network, token_for, anonymous, openapi, status, url, template
):
    api = anonymous if status == 401 else token_for(network.manager)
    response = api.get(url)
    assert response.status_code == status, response.content
    check_against_document(openapi, template, "get", response)


def test_a_field_error_names_its_field_and_code(network, token_for):
    body = token_for(network.manager).get("/api/work-orders", {"limit": 0}).json()
    assert (body["code"], body["field"]) == ("invalid_limit", "limit")
    assert body["errors"] == [{"code": "invalid_limit", "field": "limit", "message": body["message"]}]


def test_import_422_for_a_bad_row_matches_the_documented_schema(network, token_for, openapi):
    rows = [
        {
            "external_id": "X1",
            "service_center": "SC1",
            "type": "repair",
            "created_at": "2026-10-03T09:15:00+08:00",
            "technician": "T999",
        }
    ]
    response = token_for(network.manager).post("/api/import/work_orders", {"rows": rows})
    assert response.status_code == 422, response.content
    check_against_document(openapi, "/api/import/{kind}", "post", response)
    body = response.json()
    assert body["code"] == "invalid_rows" and body["kind"] == "work_orders" and body["created"] == 0
    assert body["errors"][0]["row"] == 2 and body["errors"][0]["field"] == "technician"


def test_import_422_for_an_unknown_kind_matches_the_documented_schema(network, token_for, openapi):
    response = token_for(network.manager).post("/api/import/spaceships", {"rows": [{"a": 1}]})
    assert response.status_code == 422, response.content
    check_against_document(openapi, "/api/import/{kind}", "post", response)
    assert response.json()["field"] == "kind"


@pytest.mark.parametrize(
    "method, url, body, field",
    [
        ("get", "/api/work-orders?advisor=A%00", None, "advisor"),
        ("get", "/api/employees/T%001", None, "employee_no"),
        ("patch", "/api/work-orders/{id}", {"description": "a\x00b"}, "description"),
        ("post", "/api/import/work_orders", {"rows": [{"external_id": "X\x00"}]}, "rows.0.external_id"),
    ],
)
def test_text_with_a_nul_character_is_refused_not_a_500(network, token_for, method, url, body, field):
    # PostgreSQL can neither store nor compare it: unchecked, each of these was a 500 there
    order = WorkOrderFactory(service_center=network.sc1)
    api = token_for(network.manager)
    url = url.replace("{id}", str(order.pk))
    response = api.get(url) if method == "get" else getattr(api, method)(url, body)
    assert response.status_code == 422, response.content
    assert (response.json()["code"], response.json()["field"]) == ("null_characters_not_allowed", field)


def test_nan_is_not_json(network, token_for):
    order = WorkOrderFactory(service_center=network.sc1)
    api = token_for(network.manager)
    response = api.client.patch(
        f"/api/work-orders/{order.pk}", '{"difficulty": NaN}', content_type="application/json", **api.headers
    )
    assert response.status_code == 400 and response.json()["code"] == "malformed_body", response.content


def test_a_datetime_with_an_offset_postgresql_cannot_hold_is_taken(network, token_for):
    # RFC 3339 allows offsets to ±23:59, PostgreSQL to ±15:59: the value is used in UTC
    response = token_for(network.manager).get(
        "/api/work-orders", {"modified_since": "2026-10-03T05:00:00+19:43"}
    )
    assert response.status_code == 200, response.content


# --- formats that the document states and the server enforces ----------------------------


@pytest.mark.parametrize(
    "path, params, field",
    [
        ("/api/work-orders", {"modified_since": "0.5"}, "modified_since"),
        ("/api/work-orders", {"modified_since": "2026-10-03T09:15:00"}, "modified_since"),  # no offset
        ("/api/work-orders", {"created_from": "0"}, "created_from"),
        ("/api/kpi/results", {"period": " 2026-10"}, "period"),
        ("/api/employees", {"cursor": "a$b"}, "cursor"),
    ],
)
def test_a_value_outside_the_documented_format_is_refused(network, token_for, path, params, field):
    response = token_for(network.manager).get(path, params)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field


@pytest.mark.parametrize("difficulty", ["1e2", " 1.5", "1_0", "0", "1.234", 1000])
def test_a_decimal_outside_the_documented_format_is_refused(network, token_for, difficulty):
    order = WorkOrderFactory(service_center=network.sc1)
    response = token_for(network.manager).patch(f"/api/work-orders/{order.pk}", {"difficulty": difficulty})
    assert response.status_code == 422 and response.json()["field"] == "difficulty", response.content


@pytest.mark.parametrize("difficulty", ["1.25", 1.25, 2])
def test_a_decimal_in_the_documented_format_is_taken(network, token_for, difficulty):
    order = WorkOrderFactory(service_center=network.sc1)
    response = token_for(network.manager).patch(f"/api/work-orders/{order.pk}", {"difficulty": difficulty})
    assert response.status_code == 200, response.content


def test_the_document_states_the_bounds_of_every_limit(openapi):
    limits = [
        parameter(openapi, path, method, "limit")
        for path, method, operation in operations(openapi)
        if any(p["name"] == "limit" for p in operation.get("parameters", []))
    ]
    assert len(limits) == 10
    assert all((s["type"], s["minimum"], s["maximum"]) == ("integer", 1, 500) for s in limits), limits


def test_the_document_states_the_period_pattern(openapi):
    for path, method in (("/api/kpi/results", "get"), ("/api/kpi/scorecards/{employee_no}/{period}", "get")):
        pattern = re.compile(parameter(openapi, path, method, "period")["pattern"])
        assert pattern.search("2026-10") and pattern.search("2026-Q4")
        assert not any(pattern.search(bad) for bad in ("2026-13", "2026-Q5", "2026-1", " 2026-10"))


def test_the_document_states_cursors_are_opaque_strings(openapi):
    schema = branches(parameter(openapi, "/api/work-orders", "get", "cursor"))[0]
    assert schema["type"] == "string" and "pattern" in schema and "opaque" in schema["description"].lower()


def test_the_document_states_decimals_as_strings_out_and_strings_or_numbers_in(openapi):
    out = resolve(openapi, {"$ref": "#/components/schemas/WorkOrderOut"})["properties"]["difficulty"]
    assert out["type"] == "string" and re.fullmatch(out["pattern"], "0.90")
    patch = resolve(openapi, {"$ref": "#/components/schemas/WorkOrderPatch"})["properties"]["travel_cost"]
    assert {branch["type"] for branch in branches(patch)} == {"string", "number", "null"}
    string = next(branch for branch in branches(patch) if branch["type"] == "string")
    assert re.search(string["pattern"], "120.50") and not re.search(string["pattern"], "1e2")


def test_every_operation_declares_the_errors_it_can_answer(openapi):
    for path, method, operation in operations(openapi):
        declared = set(operation["responses"])
        expected = {"401", "403", "429"}
        parameters = operation.get("parameters", [])
        if "requestBody" in operation:
            expected |= {"400", "413", "422"}
        # a parameter with a format can be wrong; a bare string path segment cannot
        if any(
            p["in"] == "query" or p["schema"] != {"title": p["schema"].get("title"), "type": "string"}
            for p in parameters
        ):
            expected.add("422")
        if any(p["in"] == "path" and p["name"] != "kind" for p in parameters):
            expected.add("404")
        assert expected <= declared, (method, path, sorted(expected - declared))
        for status in declared & set(ERROR_STATUSES):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            required = resolve(openapi, schema)["required"]
            assert {"code", "message", "field"} <= set(required), (method, path, status)
