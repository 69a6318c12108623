"""/api/appraisal: the caller's to-do list, one evaluation within reach (404 otherwise, no
ratings), the employee's sign-off and confirmation through the cycle's services (coded
refusals, the lost-update guard), and a cycle's progress board for those who open the
cycle pages."""

import datetime

import pytest

from servicescore.appraisal.models import Cycle, Evaluation, EvaluationRating

from ..appraisal.appeals import publish
from ..appraisal.review_factories import make_cycle, make_evaluation, rate, technician_scheme

pytestmark = pytest.mark.django_db
LONG_AGO = datetime.date(2020, 1, 10)


@pytest.fixture
def version(network):
    return technician_scheme()


@pytest.fixture
def targets(network, version):
    """T1's evaluation waiting for his sign-off, in a cycle whose targets were due long ago."""
    cycle = make_cycle(version, stage=Cycle.Stage.TARGETS, targets_due=LONG_AGO)
    return make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.TARGETS)


@pytest.fixture
def published(network):
    evaluation = publish(network)
    Evaluation.objects.filter(pk=evaluation.pk).update(rank_in_position=2, rank_in_centre=3, ranked_among=7)
    return Evaluation.objects.get(pk=evaluation.pk)


def state_of(evaluation):
    return Evaluation.objects.values_list("state", flat=True).get(pk=evaluation.pk)


# --- the to-do list ----------------------------------------------------------------------------------
def test_the_todo_list_names_the_callers_waiting_steps(network, targets, token_for):
    response = token_for(network.tech, scopes=("read",)).get("/api/appraisal/todo")
    assert response.status_code == 200, response.content
    assert response.json()["items"] == [
        {
            "kind": "targets",
            "title": "Sign off your targets",
            "person": network.tech.name,
            "cycle": targets.cycle.name,
            "url": f"/appraisal/evaluations/{targets.pk}/",
            "due": "2020-01-10",
            "late": True,
        }
    ]


def test_the_todo_list_takes_a_fixed_number_of_queries(
    network, version, token_for, django_assert_max_num_queries
):
    cycle = make_cycle(version, stage=Cycle.Stage.MANAGER_REVIEW)
    for person in (network.tech, network.tech_colleague):
        make_evaluation(cycle, person, network.foreman, manager_submitted_at=None)
    client = token_for(network.foreman, scopes=("read",))
    with django_assert_max_num_queries(14):
        response = client.get("/api/appraisal/todo")
    assert [item["kind"] for item in response.json()["items"]] == ["review", "review"]


def test_the_todo_list_needs_a_token(anonymous):
    assert anonymous.get("/api/appraisal/todo").status_code == 401


# --- one evaluation ----------------------------------------------------------------------------------
def test_the_employee_reads_his_published_evaluation_with_ranks_and_items(network, published, token_for):
    response = token_for(network.tech, scopes=("read",)).get(f"/api/appraisal/evaluations/{published.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["cycle"] == {
        "id": published.cycle_id,
        "name": "2026年10月考核",
        "period": "2026-10",
        "stage": "published",
    }
    assert body["person"] == {"employee_no": "T1", "name": network.tech.name}
    assert body["state"] == "published" and body["revision"] == published.revision
    assert body["final_score"] == published.final_score and body["grade"] == published.shown_grade
    assert body["ranks"] == {"rank_in_position": 2, "rank_in_centre": 3, "ranked_among": 7}
    assert [(item["indicator"], item["weight"], item["value"]) for item in body["items"]] == [
        ("FTFR", 100.0, 50.0)
    ]
    assert body["deadlines"]["confirm_due"] is not None


def test_an_evaluation_before_publication_shows_no_ranks_and_no_ratings(network, version, token_for):
    cycle = make_cycle(version, stage=Cycle.Stage.MANAGER_REVIEW)
    evaluation = make_evaluation(cycle, network.tech, network.foreman, rank_in_position=1)
    rate(evaluation, network.foreman, EvaluationRating.Role.MANAGER, rating=2, comment="late twice")
    response = token_for(network.tech, scopes=("read",)).get(f"/api/appraisal/evaluations/{evaluation.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["ranks"] is None
    assert "late twice" not in response.content.decode() and "rating" not in response.json()


def test_a_technician_guessing_a_colleagues_evaluation_gets_404(network, published, token_for):
    response = token_for(network.tech_colleague, scopes=("read",)).get(
        f"/api/appraisal/evaluations/{published.pk}"
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("evaluation_id", [0, -1, 2**31, 2**70])
def test_an_id_beyond_any_row_answers_404(network, token_for, evaluation_id):
    response = token_for(network.hr, scopes=("read",)).get(f"/api/appraisal/evaluations/{evaluation_id}")
    assert response.status_code == 404


def test_reading_an_evaluation_takes_a_bounded_number_of_queries(
    network, published, token_for, django_assert_max_num_queries
):
    client = token_for(network.tech, scopes=("read",))
    # the evaluation page's selector (the hidden-ratings rule) and the token's seven
    with django_assert_max_num_queries(16):
        response = client.get(f"/api/appraisal/evaluations/{published.pk}")
    assert response.status_code == 200


# --- sign-off ---------------------------------------------------------------------------------------
def test_the_employee_signs_off_his_targets(network, targets, token_for):
    response = token_for(network.tech).post(f"/api/appraisal/evaluations/{targets.pk}/sign", {"revision": 0})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "signed" and response.json()["revision"] == 1
    assert state_of(targets) == Evaluation.State.SIGNED


def test_someone_else_signing_answers_403_not_the_employee(network, targets, token_for):
    response = token_for(network.foreman).post(
        f"/api/appraisal/evaluations/{targets.pk}/sign", {"revision": 0}
    )
    assert response.status_code == 403 and response.json()["code"] == "not_the_employee"
    assert state_of(targets) == Evaluation.State.TARGETS


def test_a_stale_revision_answers_409_and_signs_nothing(network, targets, token_for):
    Evaluation.objects.filter(pk=targets.pk).update(revision=3)
    response = token_for(network.tech).post(f"/api/appraisal/evaluations/{targets.pk}/sign", {"revision": 2})
    assert response.status_code == 409 and response.json()["code"] == "evaluation_changed"
    assert state_of(targets) == Evaluation.State.TARGETS


@pytest.mark.parametrize(
    ("body", "code"),
    [({}, "required"), ({"revision": "two"}, "invalid_integer"), ({"revision": -1}, "out_of_range")],
)
def test_a_bad_revision_answers_422_and_signs_nothing(network, targets, token_for, body, code):
    response = token_for(network.tech).post(f"/api/appraisal/evaluations/{targets.pk}/sign", body)
    assert response.status_code == 422 and response.json()["code"] == code
    assert response.json()["field"] == "revision"
    assert state_of(targets) == Evaluation.State.TARGETS


def test_signing_needs_the_write_scope(network, targets, token_for):
    response = token_for(network.tech, scopes=("read",)).post(
        f"/api/appraisal/evaluations/{targets.pk}/sign", {"revision": 0}
    )
    assert response.status_code == 403
    assert state_of(targets) == Evaluation.State.TARGETS


def test_signing_a_colleagues_evaluation_answers_404(network, targets, token_for):
    response = token_for(network.tech_colleague).post(
        f"/api/appraisal/evaluations/{targets.pk}/sign", {"revision": 0}
    )
    assert response.status_code == 404
    assert state_of(targets) == Evaluation.State.TARGETS


# --- confirmation -----------------------------------------------------------------------------------
def test_the_employee_confirms_his_published_result(network, published, token_for):
    response = token_for(network.tech).post(f"/api/appraisal/evaluations/{published.pk}/confirm")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "final"
    assert state_of(published) == Evaluation.State.FINAL


def test_confirming_after_the_window_answers_the_services_code(network, token_for):
    evaluation = publish(network, confirm_in=-datetime.timedelta(hours=1))
    response = token_for(network.tech).post(f"/api/appraisal/evaluations/{evaluation.pk}/confirm")
    assert response.status_code == 403 and response.json()["code"] == "confirm_window_closed"
    assert state_of(evaluation) == Evaluation.State.PUBLISHED


def test_the_manager_cannot_confirm_his_technicians_result(network, published, token_for):
    response = token_for(network.foreman).post(f"/api/appraisal/evaluations/{published.pk}/confirm")
    assert response.status_code == 403 and response.json()["code"] == "not_own_evaluation"
    assert state_of(published) == Evaluation.State.PUBLISHED


# --- progress ---------------------------------------------------------------------------------------
def test_hr_reads_a_cycles_progress_with_the_late_people(network, targets, token_for):
    make_evaluation(targets.cycle, network.tech_colleague, network.foreman, state=Evaluation.State.SIGNED)
    response = token_for(network.hr, scopes=("read",)).get(
        f"/api/appraisal/cycles/{targets.cycle_id}/progress"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["cycle"]["stage"] == "targets"
    assert [state["state"] for state in body["states"]] == ["targets", "signed"]
    assert body["totals"] == [1, 1] and body["total"] == 2
    assert body["late_total"] == 1
    assert body["late"] == [
        {
            "evaluation_id": targets.pk,
            "name": network.tech.name,
            "employee_no": "T1",
            "state": "Targets to sign off",
            "due": "2020-01-10",
            "actor": network.tech.name,
            "actor_role": "employee",
        }
    ]


def test_a_technician_asking_for_a_cycles_progress_gets_404(network, targets, token_for):
    response = token_for(network.tech, scopes=("read",)).get(
        f"/api/appraisal/cycles/{targets.cycle_id}/progress"
    )
    assert response.status_code == 404


def test_an_unknown_cycle_answers_404(network, token_for):
    response = token_for(network.hr, scopes=("read",)).get("/api/appraisal/cycles/999999/progress")
    assert response.status_code == 404
