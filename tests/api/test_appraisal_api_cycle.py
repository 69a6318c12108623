"""/api/appraisal, the rest of the cycle (api/appraisal_cycle.py): the cycles list and one
cycle, the self and manager reviews through the reviews' services (field errors named as
in the body, the lost-update guard, closed steps), the hidden-ratings rule of the
evaluation page in GET evaluations/{id} both ways, and appeals — filing, the lists, one
appeal, decisions and answers — with every id out of reach a 404."""

import datetime

import pytest

from servicescore.appraisal.models import (
    Appeal,
    AppealEvidence,
    Cycle,
    Evaluation,
    EvaluationRating,
    Exclusion,
)
from servicescore.appraisal.services import appeals as appeal_services

from ..appraisal import appeals as appeal_setup
from ..appraisal.appeals import disguised, pdf, png, publish
from ..appraisal.review_factories import make_cycle, make_evaluation, rate, technician_scheme

pytestmark = pytest.mark.django_db
published = appeal_setup.published
REASON = "The second work order was a parts shortage, not my repair."


@pytest.fixture
def version(network):
    return technician_scheme()


@pytest.fixture
def self_review(network, version):
    """T1's evaluation in its self review, reviewed by F1."""
    cycle = make_cycle(version, stage=Cycle.Stage.SELF_REVIEW)
    return make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.SELF_REVIEW)


@pytest.fixture
def manager_review(network, version):
    """T1's evaluation waiting for F1's review (the self review is in)."""
    cycle = make_cycle(version, stage=Cycle.Stage.MANAGER_REVIEW)
    return make_evaluation(cycle, network.tech, network.foreman)


def fresh(evaluation):
    return Evaluation.objects.get(pk=evaluation.pk)


def url(evaluation, step=""):
    return f"/api/appraisal/evaluations/{evaluation.pk}" + (f"/{step}" if step else "")


def rated(rating=4, comment=""):
    return {"COMPLIANCE": {"rating": rating, "comment": comment}}


# --- cycles ------------------------------------------------------------------------------------------
def test_hr_lists_the_cycles_with_their_people_by_state(network, version, token_for):
    cycle = make_cycle(version, stage=Cycle.Stage.MANAGER_REVIEW)
    make_evaluation(cycle, network.tech, network.foreman)
    make_evaluation(cycle, network.tech_colleague, network.foreman, state=Evaluation.State.CALIBRATION)
    response = token_for(network.hr, scopes=("read",)).get("/api/appraisal/cycles")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item["id"] == cycle.pk and item["period"] == "2026-10" and item["kind"] == "month"
    assert (item["stage"], item["stage_label"]) == ("manager_review", "Manager review")
    assert item["next_due"] == "2026-11-10" and item["deadlines"]["targets_due"] == "2026-11-03"
    assert item["people"] == 2 and item["my_evaluation"] is None
    assert [(row["state"], row["count"]) for row in item["counts"]] == [
        ("manager_review", 1),
        ("calibration", 1),
    ]


def test_a_technician_lists_his_own_cycle_without_the_board(network, version, token_for):
    cycle = make_cycle(version, stage=Cycle.Stage.SELF_REVIEW)
    mine = make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.SELF_REVIEW)
    other = make_cycle(version, stage=Cycle.Stage.SELF_REVIEW, name="杭州 10 月")
    make_evaluation(other, network.tech_sc2, None, state=Evaluation.State.SELF_REVIEW)
    response = token_for(network.tech, scopes=("read",)).get("/api/appraisal/cycles")
    assert [
        (item["id"], item["my_evaluation"], item["people"], item["counts"])
        for item in response.json()["items"]
    ] == [(cycle.pk, mine.pk, None, None)]


def test_a_draft_cycle_is_not_listed_to_the_person_it_appraises(network, version, token_for):
    cycle = make_cycle(version, stage=Cycle.Stage.DRAFT)
    make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.TARGETS)
    response = token_for(network.tech, scopes=("read",)).get("/api/appraisal/cycles")
    assert response.json()["items"] == []


def test_the_cycles_are_filtered_by_stage_kind_and_period(network, version, token_for):
    october = make_cycle(version, stage=Cycle.Stage.MANAGER_REVIEW)
    make_evaluation(october, network.tech, network.foreman)
    november = make_cycle(version, stage=Cycle.Stage.PUBLISHED, period="2026-11", name="2026年11月考核")
    make_evaluation(november, network.tech, network.foreman, state=Evaluation.State.PUBLISHED)
    client = token_for(network.hr, scopes=("read",))

    def ids(**params):
        response = client.get("/api/appraisal/cycles", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [november.pk, october.pk]
    assert ids(stage="published") == [november.pk]
    assert ids(period="2026-10") == [october.pk]
    assert ids(kind="quarter") == []


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"stage": "open"}, "stage", "invalid_choice"),
        ({"period": "2026-13"}, "period", "invalid_period"),
        ({"period": "26"}, "period", "invalid_period"),
        ({"limit": "0"}, "limit", "invalid_limit"),
        ({"cursor": "!"}, "cursor", "invalid_cursor"),
    ],
)
def test_a_bad_cycles_filter_answers_422_naming_it(network, token_for, params, field, code):
    response = token_for(network.hr, scopes=("read",)).get("/api/appraisal/cycles", params)
    assert response.status_code == 422, response.content
    assert (response.json()["field"], response.json()["code"]) == (field, code)


def test_the_cycles_are_paged(network, version, token_for):
    cycles = []
    for month in ("2026-08", "2026-09", "2026-10"):
        cycle = make_cycle(version, period=month, name=month)
        make_evaluation(cycle, network.tech, network.foreman)
        cycles.append(cycle.pk)
    client = token_for(network.hr, scopes=("read",))
    first = client.get("/api/appraisal/cycles", {"limit": 2}).json()
    second = client.get("/api/appraisal/cycles", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [item["id"] for item in first["items"] + second["items"]] == cycles[::-1]
    assert second["next_cursor"] is None


def test_listing_cycles_takes_a_fixed_number_of_queries(
    network, version, token_for, django_assert_max_num_queries
):
    for month in ("2026-07", "2026-08", "2026-09", "2026-10"):
        cycle = make_cycle(version, period=month, name=month)
        for person in (network.tech, network.tech_colleague):
            make_evaluation(cycle, person, network.foreman)
    client = token_for(network.manager, scopes=("read",))
    # the token's six, the page, the counts and the caller's own evaluations (each scope
    # check reads the caller's employee record again): the same for 1 cycle or 500
    with django_assert_max_num_queries(15):
        response = client.get("/api/appraisal/cycles")
    assert [item["people"] for item in response.json()["items"]] == [2, 2, 2, 2]


def test_hr_reads_one_cycle_with_its_timeline(network, manager_review, token_for):
    response = token_for(network.hr, scopes=("read",)).get(f"/api/appraisal/cycles/{manager_review.cycle_id}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["people"] == 1 and body["adjustment_limit"] == 5.0 and body["second_level"] is False
    assert [(row["stage"], row["state"]) for row in body["timeline"]][2:5] == [
        ("self_review", "done"),
        ("manager_review", "current"),
        ("feedback", "todo"),
    ]


@pytest.mark.parametrize("cycle_id", ["other", 0, 2**31, 999999])
def test_a_cycle_out_of_reach_answers_404(network, manager_review, token_for, cycle_id):
    cycle_id = manager_review.cycle_id if cycle_id == "other" else cycle_id
    response = token_for(network.tech_sc2, scopes=("read",)).get(f"/api/appraisal/cycles/{cycle_id}")
    assert response.status_code == 404


# --- the self review -----------------------------------------------------------------------------------
def test_the_employee_saves_a_draft_self_review(network, self_review, token_for):
    response = token_for(network.tech).post(
        url(self_review, "self-review"),
        {"revision": 0, "comment": "A good month", "ratings": rated(4)},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "self_review" and body["revision"] == 1
    assert body["form"]["kind"] == "self_review"
    assert [(cell["indicator"], cell["rating"]) for cell in body["form"]["items"]] == [("COMPLIANCE", 4)]
    assert body["review"]["self_comment"] == "A good month"
    rating = EvaluationRating.objects.get()
    assert (rating.role, rating.rating, rating.submitted_at) == ("self", 4, None)


def test_the_employee_submits_his_self_review(network, self_review, token_for):
    response = token_for(network.tech).post(
        url(self_review, "self-review"),
        {"revision": 0, "comment": "ok", "ratings": rated(5, "Zero complaints"), "submit": True},
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "manager_review" and response.json()["form"] is None
    assert fresh(self_review).self_submitted_at is not None


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"ratings": rated(2)}, "ratings.COMPLIANCE.comment", "rating_comment"),
        ({"ratings": rated(7)}, "ratings.COMPLIANCE.rating", "out_of_range"),
        ({"ratings": {"CSAT": {"rating": 4}}}, "ratings.CSAT.rating", "review_rating_not_manual"),
        ({"ratings": {}, "submit": True}, "ratings.COMPLIANCE.rating", "review_incomplete"),
        ({"ratings": rated(None, "no rating")}, "ratings.COMPLIANCE.rating", "rating_missing"),
        ({"ratings": [4]}, "ratings", "object_expected"),
        ({"submit": "yes"}, "submit", "invalid_boolean"),
        ({"comment": "x" * 2001}, "comment", "string_too_long"),
        ({"revision": -1}, "revision", "out_of_range"),
    ],
)
def test_a_bad_self_review_answers_422_naming_the_field_and_writes_nothing(
    network, self_review, token_for, body, field, code
):
    response = token_for(network.tech).post(url(self_review, "self-review"), {"revision": 0, **body})
    assert response.status_code == 422, response.content
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert not EvaluationRating.objects.exists()
    assert fresh(self_review).revision == 0


def test_a_stale_revision_answers_409_and_saves_nothing(network, self_review, token_for):
    Evaluation.objects.filter(pk=self_review.pk).update(revision=2)
    response = token_for(network.tech).post(
        url(self_review, "self-review"), {"revision": 1, "ratings": rated(4), "submit": True}
    )
    assert response.status_code == 409 and response.json()["code"] == "evaluation_changed"
    assert not EvaluationRating.objects.exists()
    assert fresh(self_review).state == Evaluation.State.SELF_REVIEW


def test_the_reviewer_cannot_write_the_self_review(network, self_review, token_for):
    response = token_for(network.foreman).post(url(self_review, "self-review"), {"revision": 0})
    assert response.status_code == 403 and response.json()["code"] == "not_the_employee"


def test_a_colleague_writing_the_self_review_gets_404(network, self_review, token_for):
    response = token_for(network.tech_colleague).post(url(self_review, "self-review"), {"revision": 0})
    assert response.status_code == 404
    assert fresh(self_review).revision == 0


def test_a_self_review_after_its_stage_answers_409(network, version, token_for):
    cycle = make_cycle(version, stage=Cycle.Stage.CALIBRATION)
    evaluation = make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.SELF_REVIEW)
    response = token_for(network.tech).post(
        url(evaluation, "self-review"), {"revision": 0, "ratings": rated(4), "submit": True}
    )
    assert response.status_code == 409 and response.json()["code"] == "review_step_closed"
    assert not EvaluationRating.objects.exists()


def test_a_self_review_needs_the_write_scope(network, self_review, token_for):
    response = token_for(network.tech, scopes=("read",)).post(
        url(self_review, "self-review"), {"revision": 0}
    )
    assert response.status_code == 403
    assert fresh(self_review).revision == 0


# --- the manager review --------------------------------------------------------------------------------
def test_the_reviewer_submits_his_review_and_the_evaluation_moves_to_calibration(
    network, manager_review, token_for
):
    response = token_for(network.foreman).post(
        url(manager_review, "manager-review"),
        {
            "revision": 0,
            "comment": "Steady month",
            "ratings": rated(4),
            "adjustment": "2.5",
            "adjustment_reason": "Covered two absences",
            "submit": True,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "calibration" and body["review_adjustment"] == 2.5
    assert body["final_score"] is not None
    assert body["review"]["manager_comment"] == "Steady month"
    evaluation = fresh(manager_review)
    assert evaluation.manager_submitted_at is not None
    assert evaluation.review_adjustment_reason == "Covered two absences"


def test_the_reviewer_sees_his_form_with_the_cycles_limit(network, manager_review, token_for):
    response = token_for(network.foreman, scopes=("read",)).get(url(manager_review))
    form = response.json()["form"]
    assert (form["kind"], form["adjustment_limit"], form["may_submit"]) == ("manager_review", 5.0, True)
    assert [cell["indicator"] for cell in form["items"]] == ["COMPLIANCE"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"adjustment": 9, "adjustment_reason": "x"}, "adjustment", "review_adjustment_limit"),
        ({"adjustment": 2}, "adjustment_reason", "review_adjustment_reason"),
        ({"adjustment": "1e2"}, "adjustment", "invalid_decimal"),
        ({"comment": ""}, "comment", "review_comment_missing"),
        ({"ratings": rated(1)}, "ratings.COMPLIANCE.comment", "rating_comment"),
    ],
)
def test_a_bad_manager_review_answers_422_naming_the_field_and_writes_nothing(
    network, manager_review, token_for, body, field, code
):
    sent = {"revision": 0, "comment": "fine", "ratings": rated(4), "submit": True, **body}
    response = token_for(network.foreman).post(url(manager_review, "manager-review"), sent)
    assert response.status_code == 422, response.content
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    evaluation = fresh(manager_review)
    assert (evaluation.revision, evaluation.manager_submitted_at) == (0, None)
    assert not EvaluationRating.objects.exists()


def test_the_second_of_two_reviews_opened_on_one_revision_answers_409(network, manager_review, token_for):
    client = token_for(network.foreman)
    first = client.post(url(manager_review, "manager-review"), {"revision": 0, "ratings": rated(4)})
    assert first.status_code == 200, first.content
    second = client.post(url(manager_review, "manager-review"), {"revision": 0, "ratings": rated(3)})
    assert second.status_code == 409 and second.json()["code"] == "evaluation_changed"
    assert EvaluationRating.objects.get().rating == 4


def test_the_employee_cannot_review_himself(network, manager_review, token_for):
    response = token_for(network.tech).post(url(manager_review, "manager-review"), {"revision": 0})
    assert response.status_code == 403 and response.json()["code"] == "review_own_evaluation"


def test_someone_who_reads_but_was_not_named_reviewer_is_refused(network, manager_review, token_for):
    response = token_for(network.manager).post(url(manager_review, "manager-review"), {"revision": 0})
    assert response.status_code == 403 and response.json()["code"] == "not_the_reviewer"


def test_a_review_after_the_cycle_left_the_stage_answers_409(network, manager_review, token_for):
    Cycle.objects.filter(pk=manager_review.cycle_id).update(stage=Cycle.Stage.CALIBRATION)
    response = token_for(network.foreman).post(
        url(manager_review, "manager-review"),
        {"revision": 0, "comment": "late", "ratings": rated(4), "submit": True},
    )
    assert response.status_code == 409 and response.json()["code"] == "review_step_closed"
    assert fresh(manager_review).manager_submitted_at is None


def test_a_technician_reviewing_a_colleague_by_id_gets_404(network, version, token_for):
    cycle = make_cycle(version)
    colleague = make_evaluation(cycle, network.tech_colleague, network.foreman)
    response = token_for(network.tech).post(url(colleague, "manager-review"), {"revision": 0})
    assert response.status_code == 404


def test_the_second_level_reviewer_rates_but_does_not_adjust(network, version, token_for):
    cycle = make_cycle(version, second_level=True)
    evaluation = make_evaluation(cycle, network.tech, network.foreman, second_reviewer=network.manager)
    client = token_for(network.manager)
    assert client.get(url(evaluation)).json()["form"]["kind"] == "second_review"
    response = client.post(
        url(evaluation, "manager-review"),
        {"revision": 0, "comment": "ok", "ratings": rated(4), "adjustment": 1, "adjustment_reason": "x"},
    )
    assert response.status_code == 422, response.content
    assert (response.json()["field"], response.json()["code"]) == ("adjustment", "review_adjustment_second")


def test_a_review_after_its_due_date_is_taken_while_the_stage_is_open_and_shown_late(
    network, version, token_for
):
    cycle = make_cycle(version, manager_review_due=datetime.date(2020, 1, 10))
    evaluation = make_evaluation(cycle, network.tech, network.foreman)
    response = token_for(network.foreman).post(
        url(evaluation, "manager-review"),
        {"revision": 0, "comment": "late but fair", "ratings": rated(4), "submit": True},
    )
    assert response.status_code == 200, response.content
    assert response.json()["late"]["manager_review"] is True
    assert response.json()["state"] == "calibration"


# --- hidden ratings ------------------------------------------------------------------------------------
def test_the_employee_does_not_see_the_managers_ratings_before_both_are_in(
    network, manager_review, token_for
):
    rate(manager_review, network.tech, EvaluationRating.Role.SELF, rating=4, comment="mine")
    rate(manager_review, network.foreman, EvaluationRating.Role.MANAGER, rating=2, comment="late twice")
    Evaluation.objects.filter(pk=manager_review.pk).update(self_comment="I did well", manager_comment="Hmm")
    response = token_for(network.tech, scopes=("read",)).get(url(manager_review))
    review = response.json()["review"]
    assert review["revealed"] is False
    assert [(r["role"], r["rating"]) for r in review["ratings"]] == [("self", 4)]
    assert (review["self_comment"], review["manager_comment"]) == ("I did well", None)
    assert "late twice" not in response.content.decode() and "Hmm" not in response.content.decode()


def test_the_employee_does_not_see_the_reviewers_draft_adjustment(network, manager_review, token_for):
    Evaluation.objects.filter(pk=manager_review.pk).update(
        review_adjustment=-3, review_adjustment_reason="Two complaints"
    )
    body = token_for(network.tech, scopes=("read",)).get(url(manager_review)).json()
    assert (body["review_adjustment"], body["review"]["review_adjustment_reason"]) == (None, None)
    reviewer = token_for(network.foreman, scopes=("read",)).get(url(manager_review)).json()
    assert (reviewer["review_adjustment"], reviewer["form"]["adjustment"]) == (-3.0, -3.0)


def test_the_manager_does_not_see_the_employees_draft_self_review(network, self_review, token_for):
    rate(self_review, network.tech, EvaluationRating.Role.SELF, rating=5, comment="star", submitted=False)
    rate(self_review, network.foreman, EvaluationRating.Role.MANAGER, rating=3, submitted=False)
    Evaluation.objects.filter(pk=self_review.pk).update(self_comment="Best month ever")
    response = token_for(network.foreman, scopes=("read",)).get(url(self_review))
    review = response.json()["review"]
    assert [(r["role"], r["rating"], r["submitted"]) for r in review["ratings"]] == [("manager", 3, False)]
    assert review["self_comment"] is None
    assert "star" not in response.content.decode() and "Best month ever" not in response.content.decode()


def test_once_both_reviews_are_in_each_side_sees_the_other(network, version, token_for):
    cycle = make_cycle(version, stage=Cycle.Stage.CALIBRATION)
    evaluation = make_evaluation(
        cycle,
        network.tech,
        network.foreman,
        state=Evaluation.State.CALIBRATION,
        manager_submitted_at=datetime.datetime(2026, 11, 8, tzinfo=datetime.UTC),
        manager_comment="Solid",
        self_comment="Fine",
    )
    rate(evaluation, network.tech, EvaluationRating.Role.SELF, rating=4)
    rate(evaluation, network.foreman, EvaluationRating.Role.MANAGER, rating=3)
    for person in (network.tech, network.foreman):
        review = token_for(person, scopes=("read",)).get(url(evaluation)).json()["review"]
        assert review["revealed"] is True
        assert sorted((r["role"], r["rating"]) for r in review["ratings"]) == [("manager", 3), ("self", 4)]
        assert (review["self_comment"], review["manager_comment"]) == ("Fine", "Solid")


# --- filing an appeal ----------------------------------------------------------------------------------
def test_the_employee_appeals_one_item_of_his_result(published, token_for):
    response = token_for(published.net.tech).post(
        url(published.evaluation, "appeal"), {"reason": REASON, "indicators": ["FTFR"]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "open" and body["is_appellant"] is True and body["may_decide"] is False
    assert body["indicators"] == [{"indicator": "FTFR", "name": "First-time fix rate"}]
    assert body["evaluation"]["state"] == "appealed"
    assert fresh(published.evaluation).state == Evaluation.State.APPEALED


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"reason": "   "}, "reason", "appeal_reason_missing"),
        ({}, "reason", "required"),
        ({"reason": "x", "indicators": ["NOPE"]}, "indicators", "appeal_not_an_item"),
        ({"reason": "x", "indicators": "FTFR"}, "indicators", "invalid_list"),
    ],
)
def test_a_bad_appeal_answers_422_and_files_nothing(published, token_for, body, field, code):
    response = token_for(published.net.tech).post(url(published.evaluation, "appeal"), body)
    assert response.status_code == 422, response.content
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert not Appeal.objects.exists()


def test_an_appeal_after_the_window_answers_403_and_files_nothing(network, token_for):
    evaluation = publish(network, confirm_in=-datetime.timedelta(hours=1))
    response = token_for(network.tech).post(url(evaluation, "appeal"), {"reason": REASON})
    assert response.status_code == 403 and response.json()["code"] == "confirm_window_closed"
    assert not Appeal.objects.exists()


def test_the_manager_cannot_appeal_his_technicians_result(published, token_for):
    response = token_for(published.net.foreman).post(url(published.evaluation, "appeal"), {"reason": REASON})
    assert response.status_code == 403 and response.json()["code"] == "not_own_evaluation"


def test_a_colleague_appealing_by_id_gets_404(published, token_for):
    response = token_for(published.net.tech_colleague).post(
        url(published.evaluation, "appeal"), {"reason": REASON}
    )
    assert response.status_code == 404
    assert not Appeal.objects.exists()


def test_the_employee_appeals_with_evidence_files(published, token_for):
    client = token_for(published.net.tech)
    response = client.upload(
        url(published.evaluation, "appeal/upload"),
        {"reason": REASON, "indicators": ["FTFR"], "files": [pdf(), png()]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [item["indicator"] for item in body["indicators"]] == ["FTFR"]
    assert sorted(item["name"] for item in body["evidence"]) == ["note.pdf", "scan.png"]
    assert all(item["url"].startswith("/appraisal/") for item in body["evidence"])
    assert AppealEvidence.objects.count() == 2


def test_an_evidence_file_that_is_no_document_files_nothing(published, token_for):
    response = token_for(published.net.tech).upload(
        url(published.evaluation, "appeal/upload"), {"reason": REASON, "files": [disguised()]}
    )
    assert response.status_code == 422, response.content
    assert (response.json()["field"], response.json()["code"]) == ("files", "appeal_evidence_file")
    assert not Appeal.objects.exists() and not AppealEvidence.objects.exists()
    assert fresh(published.evaluation).state == Evaluation.State.PUBLISHED


def test_an_upload_without_a_reason_answers_422(published, token_for):
    response = token_for(published.net.tech).upload(
        url(published.evaluation, "appeal/upload"), {"files": [pdf()]}
    )
    assert response.status_code == 422 and response.json()["field"] == "reason"
    assert not Appeal.objects.exists()


def test_a_colleague_uploading_an_appeal_by_id_gets_404(published, token_for):
    response = token_for(published.net.tech_colleague).upload(
        url(published.evaluation, "appeal/upload"), {"reason": REASON, "files": [pdf()]}
    )
    assert response.status_code == 404
    assert not AppealEvidence.objects.exists()


# --- reading appeals -----------------------------------------------------------------------------------
@pytest.fixture
def appeal(published):
    return appeal_services.appeal_file(
        by=published.net.tech.user, evaluation=published.evaluation, indicators=["FTFR"], reason=REASON
    )


def test_the_employee_lists_his_appeals_and_hr_its_queue(published, appeal, token_for):
    net = published.net
    own = token_for(net.tech, scopes=("read",)).get("/api/appraisal/appeals", {"role": "appellant"}).json()
    assert [(item["id"], item["is_appellant"], item["may_decide"]) for item in own["items"]] == [
        (appeal.pk, True, False)
    ]
    queue = token_for(net.hr, scopes=("read",)).get(
        "/api/appraisal/appeals", {"role": "decider", "state": "open"}
    )
    assert [(item["id"], item["may_decide"]) for item in queue.json()["items"]] == [(appeal.pk, True)]
    assert queue.json()["items"][0]["evaluation"]["employee_no"] == "T1"


@pytest.mark.parametrize("who", ["foreman", "tech_colleague", "manager"])
def test_the_appeals_list_holds_nothing_for_those_who_neither_filed_nor_decide(
    published, appeal, token_for, who
):
    response = token_for(getattr(published.net, who), scopes=("read",)).get("/api/appraisal/appeals")
    assert response.status_code == 200 and response.json()["items"] == []


def test_a_bad_appeals_filter_answers_422(network, token_for):
    response = token_for(network.hr, scopes=("read",)).get("/api/appraisal/appeals", {"state": "lost"})
    assert response.status_code == 422 and response.json()["field"] == "state"


def test_listing_appeals_takes_a_fixed_number_of_queries(
    published, appeal, token_for, django_assert_max_num_queries
):
    for person in (published.net.tech_colleague, published.net.tech_other_team):
        other = publish(published.net, employee=person)
        appeal_services.appeal_file(by=person.user, evaluation=other, reason=REASON)
    client = token_for(published.net.hr, scopes=("read",))
    # the token's six, the page and which of it the caller decides: the same for 1 or 500
    with django_assert_max_num_queries(14):
        response = client.get("/api/appraisal/appeals")
    assert len(response.json()["items"]) == 3


def test_hr_reads_one_appeal(published, appeal, token_for):
    response = token_for(published.net.hr, scopes=("read",)).get(f"/api/appraisal/appeals/{appeal.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reason"] == REASON and body["may_decide"] is True and body["is_appellant"] is False
    assert body["exclusions"] == [] and body["evidence"] == []


@pytest.mark.parametrize("who", ["foreman", "tech_colleague"])
def test_someone_who_neither_filed_nor_decides_an_appeal_gets_404(published, appeal, token_for, who):
    response = token_for(getattr(published.net, who), scopes=("read",)).get(
        f"/api/appraisal/appeals/{appeal.pk}"
    )
    assert response.status_code == 404


# --- deciding and answering ----------------------------------------------------------------------------
def decide(client, appeal, **body):
    return client.post(f"/api/appraisal/appeals/{appeal.pk}/decide", body)


def test_hr_leaves_a_work_order_out_and_the_result_is_adjusted(published, appeal, token_for):
    before = fresh(published.evaluation).final_score
    response = decide(
        token_for(published.net.hr),
        appeal,
        action="adjust",
        reason="A parts shortage is not a repair failure.",
        exclusions=[
            {"indicator": "FTFR", "work_order": published.not_fixed.pk, "reason": "Waiting for parts"}
        ],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "adjusted" and body["evaluation"]["state"] == "final"
    assert body["evaluation"]["final_score"] > before
    assert [(row["indicator"], row["work_order"], row["reason"]) for row in body["exclusions"]] == [
        ("FTFR", published.not_fixed.pk, "Waiting for parts")
    ]
    employee_view = token_for(published.net.tech, scopes=("read",)).get(f"/api/appraisal/appeals/{appeal.pk}")
    assert employee_view.json()["decision_reason"] == "A parts shortage is not a repair failure."


def test_hr_asks_for_more_information_and_the_employee_answers(published, appeal, token_for):
    asked = decide(token_for(published.net.hr), appeal, action="request_info", question="Which part?")
    assert asked.status_code == 200, asked.content
    assert asked.json()["state"] == "info_requested"
    answered = token_for(published.net.tech).post(
        f"/api/appraisal/appeals/{appeal.pk}/answer", {"text": "The battery module."}
    )
    assert answered.status_code == 200, answered.content
    assert (answered.json()["state"], answered.json()["info_response"]) == ("open", "The battery module.")


def test_hr_upholds_the_result(published, appeal, token_for):
    response = decide(token_for(published.net.hr), appeal, action="uphold", reason="The data is right.")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "upheld"
    assert fresh(published.evaluation).state == Evaluation.State.FINAL


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"action": "uphold"}, "reason", "appeal_text_missing"),
        ({"action": "request_info"}, "question", "appeal_text_missing"),
        ({"action": "adjust", "reason": "r"}, "exclusions", "appeal_adjustment_empty"),
        ({"action": "adjust", "reason": "r", "adjustment": 50}, "adjustment", "appeal_adjustment_limit"),
        ({"action": "withdraw", "reason": "r"}, "action", "invalid_choice"),
        (
            {"action": "adjust", "reason": "r", "exclusions": [{"indicator": "FTFR", "work_order": "x"}]},
            "exclusions.0.work_order",
            "invalid_integer",
        ),
    ],
)
def test_a_bad_decision_answers_422_and_decides_nothing(published, appeal, token_for, body, field, code):
    response = decide(token_for(published.net.hr), appeal, **body)
    assert response.status_code == 422, response.content
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert Appeal.objects.get().state == Appeal.State.OPEN


def test_a_colleagues_work_order_cannot_be_left_out(published, appeal, token_for):
    response = decide(
        token_for(published.net.hr),
        appeal,
        action="adjust",
        reason="r",
        exclusions=[{"indicator": "FTFR", "work_order": published.colleague_order.pk}],
    )
    assert response.status_code == 422 and response.json()["code"] == "exclusion_not_behind"
    assert not Exclusion.objects.exists()


def test_the_original_manager_is_refused_as_decider(published, appeal, token_for):
    response = decide(token_for(published.net.foreman), appeal, action="uphold", reason="fine")
    assert response.status_code == 403 and response.json()["code"] == "appeal_decider_is_reviewer"
    assert Appeal.objects.get().state == Appeal.State.OPEN


def test_hr_who_reviewed_the_evaluation_is_refused_as_decider(network, token_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    evaluation = publish(network, reviewer=network.hr)
    filed = appeal_services.appeal_file(by=network.tech.user, evaluation=evaluation, reason=REASON)
    response = decide(token_for(network.hr), filed, action="uphold", reason="fine")
    assert response.status_code == 403 and response.json()["code"] == "appeal_decider_is_reviewer"


def test_an_appeal_decided_already_answers_409(published, appeal, token_for):
    client = token_for(published.net.hr)
    assert decide(client, appeal, action="uphold", reason="right").status_code == 200
    again = decide(client, appeal, action="uphold", reason="right again")
    assert again.status_code == 409 and again.json()["code"] == "appeal_not_open"


def test_a_technician_deciding_a_colleagues_appeal_by_id_gets_404(published, appeal, token_for):
    response = decide(token_for(published.net.tech_colleague), appeal, action="uphold", reason="x")
    assert response.status_code == 404
    assert Appeal.objects.get().state == Appeal.State.OPEN


def test_only_the_appellant_answers(published, appeal, token_for):
    appeal_services.appeal_request_info(by=published.net.hr.user, appeal=appeal, question="Which part?")
    foreman = token_for(published.net.foreman).post(
        f"/api/appraisal/appeals/{appeal.pk}/answer", {"text": "x"}
    )
    assert foreman.status_code == 403 and foreman.json()["code"] == "not_own_evaluation"
    colleague = token_for(published.net.tech_colleague).post(
        f"/api/appraisal/appeals/{appeal.pk}/answer", {"text": "x"}
    )
    assert colleague.status_code == 404
    assert Appeal.objects.get().state == Appeal.State.INFO_REQUESTED


def test_an_answer_nobody_asked_for_answers_409(published, appeal, token_for):
    response = token_for(published.net.tech).post(f"/api/appraisal/appeals/{appeal.pk}/answer", {"text": "x"})
    assert response.status_code == 409 and response.json()["code"] == "appeal_not_open"


def test_an_empty_answer_answers_422(published, appeal, token_for):
    appeal_services.appeal_request_info(by=published.net.hr.user, appeal=appeal, question="Which part?")
    response = token_for(published.net.tech).post(f"/api/appraisal/appeals/{appeal.pk}/answer", {"text": " "})
    assert response.status_code == 422 and response.json()["field"] == "text"
    assert Appeal.objects.get().state == Appeal.State.INFO_REQUESTED


# --- the document ----------------------------------------------------------------------------------------
@pytest.fixture
def document(client):
    return client.get("/api/openapi.json").json()


def test_the_answers_match_the_documented_schemas(published, appeal, manager_review, token_for, document):
    import jsonschema_rs

    def check(path, method, response):
        declared = document["paths"][path][method]["responses"][str(response.status_code)]
        schema = declared["content"]["application/json"]["schema"]
        jsonschema_rs.validator_for({**schema, "components": document["components"]}).validate(
            response.json()
        )

    hr = token_for(published.net.hr, scopes=("read",))
    check("/api/appraisal/cycles", "get", hr.get("/api/appraisal/cycles"))
    check(
        "/api/appraisal/cycles/{cycle_id}", "get", hr.get(f"/api/appraisal/cycles/{manager_review.cycle_id}")
    )
    check("/api/appraisal/appeals", "get", hr.get("/api/appraisal/appeals"))
    check("/api/appraisal/appeals/{appeal_id}", "get", hr.get(f"/api/appraisal/appeals/{appeal.pk}"))
    foreman = token_for(published.net.foreman, scopes=("read",))
    check("/api/appraisal/evaluations/{evaluation_id}", "get", foreman.get(url(manager_review)))
    refused = token_for(published.net.tech).post(url(manager_review, "manager-review"), {"revision": 0})
    check("/api/appraisal/evaluations/{evaluation_id}/manager-review", "post", refused)
