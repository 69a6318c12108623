"""Every error the API documents carries a code: the OpenAPI document declares `code` on
every error answer and names the codes each status may carry, and the answers carry them —
those of the API itself and those of a service's refusal (core.errors)."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from servicescore.api.main import api
from servicescore.core.errors import CODES, Conflict, Invalid, NotFound, Refused

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema()


def resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def error_answers(document):
    """(method, path, status, response) for every 4xx and 5xx answer the document declares."""
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    yield method, path, int(status), response


def codes_named(response) -> set[str]:
    return set(re.findall(r"`([a-z0-9_]+)`", response["description"]))


def assert_error_body(response, status: int, code: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert {"code", "message", "field"} <= set(body), body
    assert body["code"] and body["message"], body
    if code is not None:
        assert body["code"] == code, body
    assert CODES[body["code"]].status == status, body["code"]
    return body


def test_every_documented_error_answer_requires_a_code(document):
    checked = 0
    for method, path, status, response in error_answers(document):
        schema = resolve(document, response["content"]["application/json"]["schema"])
        assert schema["properties"]["code"]["type"] == "string", (method, path, status)
        assert {"code", "message", "field"} <= set(schema["required"]), (method, path, status)
        checked += 1
    assert checked > 50


def test_every_documented_error_answer_names_its_codes(document):
    for method, path, status, response in error_answers(document):
        named = codes_named(response)
        assert named, (method, path, status)
        assert {CODES[code].status for code in named} == {status}, (method, path, status, named)


def test_every_code_a_status_may_carry_is_named_for_that_status(document):
    for method, path, status, response in error_answers(document):
        declared = {code for code, entry in CODES.items() if entry.status == status}
        assert declared <= codes_named(response), (method, path, status, declared - codes_named(response))


def test_the_document_lists_every_code_with_its_meaning(document):
    description = document["info"]["description"]
    for code, entry in CODES.items():
        assert f"`{code}`" in description and entry.meaning in description, code


def test_no_credentials_answers_401_with_a_code(network, anonymous):
    body = assert_error_body(anonymous.get("/api/employees"), 401, "unauthenticated")
    assert body["field"] is None


def test_a_token_without_the_scope_answers_403_with_a_code(network, token_for):
    api_client = token_for(network.manager, scopes=("read",))
    body = assert_error_body(api_client.post("/api/import/employees", {"rows": [{}]}), 403, "forbidden")
    assert "import" in body["message"]


def test_a_record_outside_the_scope_answers_404_with_a_code(network, token_for):
    assert_error_body(token_for(network.manager).get("/api/employees/T4"), 404, "not_found")


def test_a_stale_version_answers_409_with_a_code(network, token_for):
    order = WorkOrderFactory(service_center=network.sc1)
    api_client = token_for(network.manager)
    version = api_client.get(f"/api/work-orders/{order.pk}").json()["version"]
    first = api_client.patch(f"/api/work-orders/{order.pk}", {"priority": "urgent", "version": version})
    assert first.status_code == 200
    stale = api_client.patch(f"/api/work-orders/{order.pk}", {"description": "late", "version": version})
    assert_error_body(stale, 409)


def test_a_bad_parameter_answers_422_with_its_code_and_field(network, token_for):
    body = assert_error_body(token_for(network.manager).get("/api/employees", {"limit": 0}), 422)
    assert (body["code"], body["field"]) == ("invalid_limit", "limit")


def answer(error):
    request = RequestFactory().get("/api/anything")
    return api.on_exception(request, error)


@pytest.mark.parametrize(
    "error, status",
    [
        (Invalid("The hours are negative.", code="negative_hours", field="hours"), 422),
        (Refused("A technician does not close.", code="role_may_not", field="action"), 403),
        (NotFound("No such work order.", code="no_such_order", field="work_order"), 404),
        (Conflict("Someone else changed it first.", code="changed_meanwhile", field="version"), 409),
    ],
)
def test_a_service_refusal_answers_its_kinds_status_with_code_message_and_field(error, status):
    response = answer(error)
    assert response.status_code == status
    body = json.loads(response.content)
    assert (body["code"], body["message"], body["field"]) == (
        error.domain_code,
        error.message_text,
        error.field,
    )
    assert body["errors"] == [
        {"code": error.domain_code, "message": error.message_text, "field": error.field}
    ]


def test_a_refusal_of_several_fields_lists_each_with_its_own_code():
    error = Refused(
        {
            "role": Refused("Nobody may change their own role.", code="own_role"),
            "is_staff": Refused("You cannot change your own access.", code="own_access"),
        }
    )
    body = json.loads(answer(error).content)
    assert body["code"] == "forbidden" and body["field"] is None
    assert {(item["field"], item["code"]) for item in body["errors"]} == {
        ("role", "own_role"),
        ("is_staff", "own_access"),
    }


def test_a_plain_validation_error_still_answers_422():
    response = answer(ValidationError({"name": ValidationError("Too long.", code="max_length")}))
    assert response.status_code == 422
    assert json.loads(response.content)["code"] == "max_length"


def test_the_docs_list_every_error_code_as_the_command_prints_them():
    import io
    from pathlib import Path

    from django.core.management import call_command

    out = io.StringIO()
    call_command("errors", stdout=out)
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    listed = text.split("<!-- error codes: begin -->")[1].split("<!-- error codes: end -->")[0]
    assert listed.strip() == out.getvalue().strip(), "run: servicescore errors --write docs/api.md"


def test_an_import_answers_each_bad_row_with_its_own_code_and_field(network, token_for):
    rows = [
        {"code": "SC9", "name": "新中心", "kind": "service_center", "parent_code": "SC1-T1"},
        {"code": "SC8", "name": "新中心", "kind": "castle", "parent_code": "EAST"},
    ]
    body = assert_error_body(token_for(network.hr).post("/api/import/org_units", {"rows": rows}), 422)
    assert body["code"] == "invalid_rows"
    assert [(row["row"], row["code"], row["field"]) for row in body["errors"]] == [
        (2, "parent_kind", "parent_code"),
        (3, "invalid_row", "kind"),
    ]
