"""/api/import/metric_facts takes the evidence columns `note` and `reference` like a file."""

import pytest

from servicescore.kpi.models import MetricFact

pytestmark = pytest.mark.django_db

ROW = {"indicator": "AVAILABLE_HOURS", "period": "2026-10", "value": 168, "employee": "T1"}


def test_rows_with_a_note_and_a_reference_are_stored_and_unchanged_when_sent_again(network, token_for):
    rows = [{**ROW, "note": "考勤系统 10 月", "reference": "HR-ATT-2026-10"}]
    api = token_for(network.manager)
    response = api.post("/api/import/metric_facts", {"rows": rows})
    assert response.status_code == 200, response.content
    fact = MetricFact.objects.get()
    assert (fact.note, fact.reference, fact.recorded_by) == (
        "考勤系统 10 月",
        "HR-ATT-2026-10",
        network.manager.user,
    )
    again = api.post("/api/import/metric_facts", {"rows": rows}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_a_too_long_reference_is_refused_at_its_row_and_column(network, token_for):
    rows = [ROW, {**ROW, "employee": "T2", "reference": "R" * 101}]
    response = token_for(network.manager).post("/api/import/metric_facts", {"rows": rows})
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "reference")]
    assert not MetricFact.objects.exists()
