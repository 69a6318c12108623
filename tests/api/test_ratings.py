"""POST /api/ratings: the rating page's service behind the API — a batch saved all or
nothing, each bad entry answered with its code and field, 404 for a person out of scope,
403 for oneself or a role that does not rate."""

import pytest

from servicescore.core.models import AuditEntry
from servicescore.kpi.models import ManualRating

from ..appraisal.ratings import PERIOD, manual_scheme, other_foreman

pytestmark = pytest.mark.django_db
URL = "/api/ratings"


@pytest.fixture
def scheme(network):
    return manual_scheme()


def body(*ratings, period=PERIOD):
    return {
        "period": period,
        "ratings": [
            {"employee_no": no, "indicator": code, "rating": rating, "comment": comment}
            for no, code, rating, comment in ratings
        ],
    }


def test_a_foreman_saves_a_batch(network, scheme, token_for):
    response = token_for(network.foreman).post(
        URL, body(("T1", "COMPLIANCE", 4, ""), ("T2", "TEAMWORK", 5, "covered a sick colleague"))
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"period": PERIOD, "created": 2, "changed": 0, "deleted": 0, "unchanged": 0}
    assert ManualRating.objects.count() == 2
    assert set(
        AuditEntry.objects.filter(content_type__model="manualrating").values_list("channel", flat=True)
    ) == {"api"}


def test_bad_entries_answer_422_with_each_code_and_field_and_write_nothing(network, scheme, token_for):
    response = token_for(network.foreman).post(
        URL, body(("T1", "COMPLIANCE", 6, ""), ("T2", "COMPLIANCE", 1, ""), ("T2", "FTFR", 4, ""))
    )
    assert response.status_code == 422
    errors = [(e["code"], e["field"]) for e in response.json()["errors"]]
    assert errors == [
        ("rating_value", "ratings.0.rating"),
        ("rating_comment", "ratings.1.comment"),
        ("rating_not_in_scheme", "ratings.2.indicator"),
    ]
    assert not ManualRating.objects.exists()


def test_a_person_out_of_scope_answers_404(network, scheme, token_for):
    response = token_for(other_foreman(network)).post(URL, body(("T1", "COMPLIANCE", 4, "")))
    assert response.status_code == 404
    assert (
        response.json()["code"] == "ratee_not_found" and response.json()["field"] == "ratings.0.employee_no"
    )
    assert not ManualRating.objects.exists()


def test_rating_oneself_answers_403(network, scheme, token_for):
    manual_scheme(position="foreman")
    response = token_for(network.foreman).post(URL, body(("F1", "COMPLIANCE", 4, "")))
    assert response.status_code == 403 and response.json()["code"] == "rating_self"


def test_a_technician_answers_403(network, scheme, token_for):
    response = token_for(network.tech).post(URL, body(("T2", "COMPLIANCE", 4, "")))
    assert response.status_code == 403 and response.json()["code"] == "raters_only"


@pytest.mark.parametrize(
    ("period", "code"), [("2999-01", "rating_future_period"), ("2026-Q4", "period_format")]
)
def test_a_month_not_started_or_a_quarter_answers_422(network, scheme, token_for, period, code):
    response = token_for(network.foreman).post(URL, body(("T1", "COMPLIANCE", 4, ""), period=period))
    assert response.status_code == 422 and response.json()["code"] == code
    assert not ManualRating.objects.exists()


def test_a_rating_that_is_not_a_number_answers_422(network, scheme, token_for):
    response = token_for(network.foreman).post(URL, body(("T1", "COMPLIANCE", "x", "")))
    assert response.status_code == 422 and response.json()["field"] == "ratings.0.rating"
    assert not ManualRating.objects.exists()
