"""/api/kpi marks what a running period shows: a scorecard carries `provisional`,
`insufficient_data` and `computed_at`; a stored result is `provisional` when it was
computed before its period ended (kpi-library.md, Scoring)."""

import pytest

from ..appraisal.scorecards import at
from ..factories import ScorecardFactory, TemplateVersionFactory, employee_result

pytestmark = pytest.mark.django_db


def items_of(response):
    assert response.status_code == 200, response.content
    return response.json()["items"]


@pytest.fixture
def cards(network):
    version = TemplateVersionFactory(template__position="technician")
    return {
        "running": ScorecardFactory(
            employee=network.tech, version=version, period="2026-12", final_score=61.0, grade="",
            provisional=True, computed_at=at("12-02 03:00"),
        ),
        "starved": ScorecardFactory(
            employee=network.tech, version=version, period="2026-11", base_score=None, final_score=None,
            grade="", insufficient_data=True, computed_at=at("12-01 03:00"),
        ),
        "colleague": ScorecardFactory(
            employee=network.tech_colleague, version=version, period="2026-12", grade="", provisional=True
        ),
    }  # fmt: skip


def test_a_scorecard_in_the_list_carries_its_provisional_and_insufficient_data_marks(
    network, token_for, cards
):
    rows = {
        row["period"]: row
        for row in items_of(token_for(network.tech, scopes=("read",)).get("/api/kpi/scorecards"))
    }
    assert set(rows) == {"2026-11", "2026-12"}  # not the colleague's
    assert (rows["2026-12"]["provisional"], rows["2026-12"]["insufficient_data"], rows["2026-12"]["grade"]) == (
        True, False, "",
    )  # fmt: skip
    assert rows["2026-12"]["final_score"] == 61.0
    assert (rows["2026-11"]["provisional"], rows["2026-11"]["insufficient_data"]) == (False, True)
    assert rows["2026-11"]["final_score"] is None
    assert rows["2026-12"]["computed_at"].startswith("2026-12-0")


def test_one_scorecard_carries_the_marks_too(network, token_for, cards):
    response = token_for(network.tech, scopes=("read",)).get("/api/kpi/scorecards/T1/2026-12")
    assert response.status_code == 200 and response.json()["provisional"] is True


def test_a_technician_does_not_read_a_colleagues_provisional_scorecard(network, token_for, cards):
    response = token_for(network.tech, scopes=("read",)).get("/api/kpi/scorecards/T2/2026-12")
    assert response.status_code == 404


def test_a_result_computed_before_its_period_ended_is_provisional(network, token_for):
    employee_result(employee=network.tech, period="2026-11", computed_at=at("11-20 03:00"))
    employee_result(employee=network.tech, period="2026-10", computed_at=at("11-01 03:00"))
    api = token_for(network.tech, scopes=("read",))
    assert [row["provisional"] for row in items_of(api.get("/api/kpi/results", {"period": "2026-11"}))] == [
        True
    ]
    assert [row["provisional"] for row in items_of(api.get("/api/kpi/results", {"period": "2026-10"}))] == [
        False
    ]


def test_the_openapi_document_declares_the_marks(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert {"provisional", "insufficient_data", "computed_at"} <= set(schemas["ScorecardOut"]["properties"])
    assert "provisional" in schemas["ResultOut"]["properties"]
    assert {"provisional", "insufficient_data"} <= set(schemas["ScorecardOut"]["required"])
