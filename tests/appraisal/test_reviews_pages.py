"""The evaluation page and its forms (/appraisal/evaluations/<pk>/) and the to-do list
(/appraisal/todo/): who reads what, the hidden ratings both ways in the HTML, the forms'
errors and conflicts, and the to-do list's contents and query count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from servicescore.appraisal.models import (
    Appeal,
    Cycle,
    Evaluation,
    EvaluationRating,
    FeedbackRequest,
)
from servicescore.kpi.models import ManualRating

from ..conftest import login
from .review_factories import make_cycle, make_evaluation, rate, technician_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(network):
    return technician_scheme()


@pytest.fixture
def english(client, settings):
    """English for the test's own strings and for the pages the client asks for."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def page(evaluation):
    return reverse("appraisal:evaluation", args=[evaluation.pk])


def post(client, evaluation, name, data):
    return client.post(reverse(f"appraisal:{name}", args=[evaluation.pk]), data)


# --- reading -------------------------------------------------------------------------------
def test_the_employee_opens_his_evaluation_with_the_breakdown(client, network, version):
    cycle = make_cycle(version)
    evaluation = make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.CALIBRATION)
    from servicescore.appraisal.services.evaluations import rescore, save_scored

    rescore(evaluation)
    save_scored(evaluation, [])
    login(client, network.tech)
    response = client.get(page(evaluation))
    assert response.status_code == 200
    html = response.content.decode()
    assert "首次修复率" in html and 'data-evidence-link="FTFR"' in html
    assert reverse("kpi:evidence", args=["T1", "2026-10", "FTFR"]) in html


def test_a_colleague_technician_gets_404_on_the_evaluation(client, network, version):
    evaluation = make_evaluation(make_cycle(version), network.tech, network.foreman)
    login(client, network.tech_colleague)
    assert client.get(page(evaluation)).status_code == 404
    response = post(
        client, evaluation, "evaluation_review", {"revision": 0, "comment": "x", "action": "submit"}
    )
    assert response.status_code == 404


def test_the_employee_does_not_see_the_managers_draft_ratings(client, network, version):
    evaluation = make_evaluation(make_cycle(version), network.tech, network.foreman)
    rate(
        evaluation,
        network.foreman,
        EvaluationRating.Role.MANAGER,
        rating=2,
        comment="MANAGER-SECRET",
        submitted=False,
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(manager_comment="MANAGER-OVERALL")
    login(client, network.tech)
    html = client.get(page(evaluation)).content.decode()
    assert "MANAGER-SECRET" not in html and "MANAGER-OVERALL" not in html
    assert 'data-rating="manager:COMPLIANCE"' not in html


def test_the_reviewer_does_not_see_the_self_ratings_before_his_review_is_in(client, network, version):
    evaluation = make_evaluation(
        make_cycle(version), network.tech, network.foreman, self_comment="SELF-OVERALL"
    )
    rate(evaluation, network.tech, EvaluationRating.Role.SELF, rating=5, comment="SELF-SECRET")
    login(client, network.foreman)
    html = client.get(page(evaluation)).content.decode()
    assert "SELF-SECRET" not in html and "SELF-OVERALL" not in html
    assert 'data-rating="self:COMPLIANCE"' not in html


def test_both_sides_see_the_ratings_once_both_reviews_are_in(client, network, version):
    evaluation = make_evaluation(
        make_cycle(version),
        network.tech,
        network.foreman,
        state=Evaluation.State.CALIBRATION,
        manager_submitted_at=datetime.datetime(2026, 11, 8, tzinfo=datetime.UTC),
        self_comment="SELF-OVERALL",
        manager_comment="MANAGER-OVERALL",
    )
    rate(evaluation, network.tech, EvaluationRating.Role.SELF, rating=5, comment="SELF-SECRET")
    rate(evaluation, network.foreman, EvaluationRating.Role.MANAGER, rating=2, comment="MANAGER-SECRET")
    for person in (network.tech, network.foreman):
        login(client, person)
        html = client.get(page(evaluation)).content.decode()
        assert "SELF-SECRET" in html and "MANAGER-SECRET" in html
        assert "SELF-OVERALL" in html and "MANAGER-OVERALL" in html


def test_the_review_form_starts_from_the_reviewers_rating_for_the_month(client, network, version):
    evaluation = make_evaluation(make_cycle(version), network.tech, network.foreman)
    ManualRating.objects.create(
        employee=network.tech, period="2026-10", indicator="COMPLIANCE", reviewer=network.foreman, rating=4
    )
    login(client, network.foreman)
    response = client.get(page(evaluation))
    cell = response.context["review_form"]["cells"][0]
    assert (cell.code, cell.rating, cell.carried) == ("COMPLIANCE", "4", True)
    assert 'id="rating-review-COMPLIANCE-4" value="4" checked' in response.content.decode()


# --- forms ---------------------------------------------------------------------------------
def test_the_reviewer_submits_the_review_from_the_page(client, network, version):
    evaluation = make_evaluation(make_cycle(version), network.tech, network.foreman)
    login(client, network.foreman)
    response = post(
        client,
        evaluation,
        "evaluation_review",
        {
            "revision": 0,
            "rating:COMPLIANCE": "4",
            "comment:COMPLIANCE": "",
            "comment": "steady",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.CALIBRATION and evaluation.final_score == pytest.approx(92.0)


def test_a_rating_without_its_comment_shows_the_error_at_the_item_and_saves_nothing(
    client, network, version, english
):
    evaluation = make_evaluation(make_cycle(version), network.tech, network.foreman)
    login(client, network.foreman)
    response = post(
        client,
        evaluation,
        "evaluation_review",
        {
            "revision": 0,
            "rating:COMPLIANCE": "1",
            "comment:COMPLIANCE": "",
            "comment": "x",
            "action": "submit",
        },
    )
    assert response.status_code == 422
    cell = response.context["review_form"]["cells"][0]
    assert cell.rating == "1" and "needs a comment" in cell.errors[0]
    assert not EvaluationRating.objects.exists()


def test_the_second_of_two_forms_opened_on_one_revision_gets_409(client, network, version, english):
    evaluation = make_evaluation(make_cycle(version), network.tech, network.foreman)
    login(client, network.foreman)
    data = {"revision": 0, "rating:COMPLIANCE": "4", "comment": "first", "action": "draft"}
    assert post(client, evaluation, "evaluation_review", data).status_code == 302
    response = post(client, evaluation, "evaluation_review", data | {"comment": "second"})
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.manager_comment == "first" and evaluation.revision == 1


def test_the_reviewer_reviewing_his_own_evaluation_is_refused_with_a_message(
    client, network, version, english
):
    evaluation = make_evaluation(make_cycle(version), network.foreman, network.foreman)
    login(client, network.foreman)
    response = post(
        client, evaluation, "evaluation_review", {"revision": 0, "comment": "me", "action": "submit"}
    )
    assert response.status_code == 403
    assert "your own evaluation" in response.content.decode()


def test_the_employee_signs_off_from_the_page_and_a_colleague_cannot(client, network, version):
    cycle = make_cycle(version, stage=Cycle.Stage.TARGETS)
    evaluation = make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.TARGETS)
    login(client, network.foreman)
    assert post(client, evaluation, "evaluation_sign", {"revision": 0}).status_code == 403
    login(client, network.tech)
    assert post(client, evaluation, "evaluation_sign", {"revision": 0}).status_code == 302
    assert Evaluation.objects.get(pk=evaluation.pk).state == Evaluation.State.SIGNED


def test_a_bad_target_is_shown_at_its_row(client, network, version, english):
    cycle = make_cycle(version, stage=Cycle.Stage.TARGETS)
    evaluation = make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.TARGETS)
    login(client, network.foreman)
    response = post(client, evaluation, "evaluation_targets", {"revision": 0, "target:FTFR": "55"})
    assert response.status_code == 422
    row = next(row for row in response.context["target_rows"] if row.code == "FTFR")
    assert row.value == "55" and "threshold" in row.errors[0]


def test_a_form_without_its_revision_is_refused(client, network, version):
    evaluation = make_evaluation(make_cycle(version), network.tech, network.foreman)
    login(client, network.foreman)
    response = post(client, evaluation, "evaluation_review", {"comment": "x", "action": "draft"})
    assert response.status_code == 422
    assert Evaluation.objects.get(pk=evaluation.pk).revision == 0


# --- the to-do list ------------------------------------------------------------------------
def test_the_todo_list_shows_every_step_waiting_for_the_user(client, network, version, english):
    reviewing = make_cycle(version, name="十月考核")
    to_review = make_evaluation(reviewing, network.tech, network.foreman)
    targets = make_cycle(version, name="十一月考核", period="2026-11", stage=Cycle.Stage.TARGETS)
    own = make_evaluation(targets, network.foreman, network.manager, state=Evaluation.State.TARGETS)
    colleague = make_evaluation(reviewing, network.tech_colleague, network.manager)
    feedback = FeedbackRequest.objects.create(
        evaluation=colleague, rater=network.foreman, indicators=["COMPLIANCE"]
    )
    login(client, network.foreman)
    response = client.get(reverse("appraisal:todo"))
    kinds = {(task.kind, task.url) for task in response.context["tasks"]}
    assert kinds == {
        ("review", page(to_review)),
        ("targets", page(own)),
        ("feedback", f"/appraisal/feedback/{feedback.pk}/"),
    }
    assert "data-late" in response.content.decode()  # the October review was due 2026-11-10


def test_the_todo_list_shows_hr_the_open_appeals_but_not_to_the_original_manager(client, network, version):
    cycle = make_cycle(version, stage=Cycle.Stage.PUBLISHED)
    evaluation = make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.APPEALED)
    appeal = Appeal.objects.create(
        evaluation=evaluation,
        reason="wrong order",
        by=network.tech.user,
        due_at=datetime.datetime(2026, 12, 10, tzinfo=datetime.UTC),
    )
    login(client, network.hr)
    urls = [task.url for task in client.get(reverse("appraisal:todo")).context["tasks"]]
    assert urls == [f"/appraisal/appeals/{appeal.pk}/"]
    login(client, network.foreman)
    assert client.get(reverse("appraisal:todo")).context["tasks"] == []


def test_the_todo_list_reads_a_fixed_number_of_queries(
    client, network, version, django_assert_max_num_queries
):
    cycle = make_cycle(version)
    for person in (network.tech, network.tech_colleague):
        evaluation = make_evaluation(cycle, person, network.foreman)
        FeedbackRequest.objects.create(
            evaluation=evaluation, rater=network.foreman, indicators=["COMPLIANCE"]
        )
    login(client, network.foreman)
    client.get(reverse("appraisal:todo"))  # warm the session and the catalogue
    with django_assert_max_num_queries(12) as captured:
        response = client.get(reverse("appraisal:todo"))
    assert len(response.context["tasks"]) == 4
    few = len(captured)
    make_evaluation(make_cycle(version, period="2026-09"), network.tech_other_team, network.foreman)
    with django_assert_max_num_queries(few):
        response = client.get(reverse("appraisal:todo"))
    assert len(response.context["tasks"]) == 5


def test_an_empty_todo_list_says_what_will_appear(client, network, english):
    login(client, network.tech)
    html = client.get(reverse("appraisal:todo")).content.decode()
    assert "data-empty" in html and "self review" in html


def test_the_employee_submits_his_self_review_from_the_page(client, network, version):
    cycle = make_cycle(version, stage=Cycle.Stage.SELF_REVIEW)
    evaluation = make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.SELF_REVIEW)
    login(client, network.tech)
    assert client.get(page(evaluation)).context["self_form"] is not None
    response = post(
        client,
        evaluation,
        "evaluation_self_review",
        {
            "revision": 0,
            "rating:COMPLIANCE": "5",
            "comment:COMPLIANCE": "no missed checklist",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    assert Evaluation.objects.get(pk=evaluation.pk).state == Evaluation.State.MANAGER_REVIEW
