"""The team rating screen of a cycle (/appraisal/cycles/<pk>/ratings/): the reviewer's
rows and their starting values, draft saves through services.reviews (all or nothing,
each revision claimed), the comment rule on the right row, foreign ids, the closed stage,
who may open it, its query count, and the hidden-ratings rule kept."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from servicescore.appraisal.models import Cycle, Evaluation, EvaluationRating
from servicescore.core.models import AuditEntry
from servicescore.kpi.models import ManualRating

from ..conftest import login
from ..factories import EmployeeFactory, UserFactory
from .review_factories import FIGURES, make_cycle, make_evaluation, rate, technician_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(network):
    return technician_scheme()


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def team(network, version):
    """A cycle in the manager review; the foreman reviews T1 (self review in) and T2 (self
    review not in yet); the service manager reviews T3."""
    cycle = make_cycle(version)
    return {
        "cycle": cycle,
        "tech": make_evaluation(cycle, network.tech, network.foreman),
        "colleague": make_evaluation(
            cycle, network.tech_colleague, network.foreman, state=Evaluation.State.SELF_REVIEW
        ),
        "other": make_evaluation(cycle, network.tech_other_team, network.manager),
    }


def screen(cycle):
    return reverse("appraisal:cycle_ratings", args=[cycle.pk])


def row_data(evaluation, rating="", comment="", revision=None, code="COMPLIANCE"):
    pk = evaluation.pk
    return {
        f"revision:{pk}": evaluation.revision if revision is None else revision,
        f"rating:{pk}:{code}": rating,
        f"comment:{pk}:{code}": comment,
    }


def row_of(response, evaluation):
    return next(row for row in response.context["rows"] if row.evaluation.pk == evaluation.pk)


# --- reading -------------------------------------------------------------------------------
def test_the_screen_lists_the_reviews_the_reviewer_still_owes_in_the_cycle(client, network, team):
    submitted = make_evaluation(
        team["cycle"],
        network.advisor,
        network.foreman,
        manager_submitted_at=datetime.datetime(2026, 11, 8, tzinfo=datetime.UTC),
    )
    login(client, network.foreman)
    response = client.get(screen(team["cycle"]))
    assert response.status_code == 200
    shown = [row.evaluation.pk for row in response.context["rows"]]
    assert sorted(shown) == sorted([team["tech"].pk, team["colleague"].pk])
    assert submitted.pk not in shown and team["other"].pk not in shown
    assert 'data-open="2" data-total="3"' in response.content.decode()


def test_a_row_starts_from_the_reviewers_rating_for_the_month_and_shows_the_frozen_value(
    client, network, team
):
    Evaluation.objects.filter(pk=team["tech"].pk).update(
        figures=FIGURES | {"COMPLIANCE": [4.5, None, None, 2]}
    )
    ManualRating.objects.create(
        employee=network.tech,
        period="2026-10",
        indicator="COMPLIANCE",
        reviewer=network.foreman,
        rating=5,
        comment="excellent month",
    )
    login(client, network.foreman)
    response = client.get(screen(team["cycle"]))
    cell = row_of(response, team["tech"]).cells[0]
    assert (cell.rating, cell.comment, cell.carried, cell.starting) == ("5", "excellent month", True, 4.5)
    html = response.content.decode()
    assert f'id="rating-{team["tech"].pk}-COMPLIANCE-5" value="5" checked' in html
    assert 'data-starting="4.5"' in html


def test_the_reviewers_cycle_draft_wins_over_the_month(client, network, team):
    ManualRating.objects.create(
        employee=network.tech, period="2026-10", indicator="COMPLIANCE", reviewer=network.foreman, rating=4
    )
    rate(team["tech"], network.foreman, EvaluationRating.Role.MANAGER, rating=3, submitted=False)
    login(client, network.foreman)
    cell = row_of(client.get(screen(team["cycle"])), team["tech"]).cells[0]
    assert (cell.rating, cell.carried) == ("3", False)


def test_a_technician_who_reviews_no_one_gets_404(client, network, team):
    login(client, network.tech)
    assert client.get(screen(team["cycle"])).status_code == 404
    response = client.post(screen(team["cycle"]), row_data(team["tech"], "4"))
    assert response.status_code == 404
    assert not EvaluationRating.objects.exists()


def test_hr_who_reviews_no_one_in_the_cycle_sees_an_empty_screen(client, network, team):
    login(client, network.hr)
    response = client.get(screen(team["cycle"]))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert 'data-empty-reason="none"' in response.content.decode()


def test_the_screen_of_twenty_reviewees_reads_a_fixed_number_of_queries(
    client, network, version, django_assert_max_num_queries
):
    cycle = make_cycle(version)
    make_evaluation(cycle, network.tech, network.foreman)
    login(client, network.foreman)
    client.get(screen(cycle))  # warm the session and the catalogue
    with django_assert_max_num_queries(14) as captured:
        assert len(client.get(screen(cycle)).context["rows"]) == 1
    few = len(captured)
    for _n in range(19):
        person = EmployeeFactory(org_unit=network.t11, manager=network.foreman, user=UserFactory())
        evaluation = make_evaluation(cycle, person, network.foreman)
        rate(evaluation, network.foreman, EvaluationRating.Role.MANAGER, rating=4, submitted=False)
    with django_assert_max_num_queries(few):
        response = client.get(screen(cycle))
    assert len(response.context["rows"]) == 20


# --- saving --------------------------------------------------------------------------------
def test_saving_writes_draft_manager_ratings_for_each_row_with_its_audit_entry(client, network, team):
    login(client, network.foreman)
    data = row_data(team["tech"], "4") | row_data(team["colleague"], "2", "late twice")
    response = client.post(screen(team["cycle"]), data)
    assert response.status_code == 302
    stored = {
        (r.evaluation_id, r.rating, r.comment, r.role, r.submitted_at) for r in EvaluationRating.objects.all()
    }
    assert stored == {
        (team["tech"].pk, 4, "", "manager", None),
        (team["colleague"].pk, 2, "late twice", "manager", None),
    }
    assert AuditEntry.objects.filter(action="cycle.manager_review_draft").count() == 2
    tech = Evaluation.objects.get(pk=team["tech"].pk)
    assert (tech.revision, tech.state, tech.manager_submitted_at) == (1, "manager_review", None)


def test_a_row_left_as_stored_is_not_written_again(client, network, team):
    rate(team["tech"], network.foreman, EvaluationRating.Role.MANAGER, rating=4, submitted=False)
    login(client, network.foreman)
    response = client.post(screen(team["cycle"]), row_data(team["tech"], "4"))
    assert response.status_code == 302
    assert Evaluation.objects.get(pk=team["tech"].pk).revision == 0
    assert not AuditEntry.objects.filter(action="cycle.manager_review_draft").exists()


def test_the_draft_keeps_the_reviewers_overall_comment_and_adjustment(client, network, team):
    Evaluation.objects.filter(pk=team["tech"].pk).update(
        manager_comment="steady", review_adjustment=2.0, review_adjustment_reason="helped SC2"
    )
    login(client, network.foreman)
    assert client.post(screen(team["cycle"]), row_data(team["tech"], "3")).status_code == 302
    tech = Evaluation.objects.get(pk=team["tech"].pk)
    assert (tech.manager_comment, tech.review_adjustment, tech.review_adjustment_reason) == (
        "steady",
        2.0,
        "helped SC2",
    )


def test_a_rating_of_one_without_a_comment_is_an_error_on_its_row_and_nothing_is_saved(
    client, network, team, english
):
    login(client, network.foreman)
    data = row_data(team["tech"], "4") | row_data(team["colleague"], "1")
    response = client.post(screen(team["cycle"]), data)
    assert response.status_code == 422
    wrong = row_of(response, team["colleague"]).cells[0]
    assert wrong.rating == "1" and "needs a comment" in wrong.errors[0]
    fine = row_of(response, team["tech"]).cells[0]
    assert fine.rating == "4" and fine.errors == []
    assert response.context["problems"] == [f"员工T2: {wrong.errors[0]}"]
    assert "Nothing was saved" in response.content.decode()
    assert not EvaluationRating.objects.exists()
    assert Evaluation.objects.get(pk=team["tech"].pk).revision == 0


def test_a_rating_off_the_scale_is_an_error_on_its_cell(client, network, team, english):
    login(client, network.foreman)
    response = client.post(screen(team["cycle"]), row_data(team["tech"], "7"))
    assert response.status_code == 422
    assert "choose a rating from 1 to 5" in row_of(response, team["tech"]).cells[0].errors[0]
    assert not EvaluationRating.objects.exists()


def test_a_row_changed_by_someone_else_since_the_screen_opened_is_a_conflict_and_nothing_is_saved(
    client, network, team, english
):
    login(client, network.foreman)
    data = row_data(team["tech"], "4", revision=0) | row_data(team["colleague"], "3")
    Evaluation.objects.filter(pk=team["tech"].pk).update(revision=1)  # the employee saved meanwhile
    response = client.post(screen(team["cycle"]), data)
    assert response.status_code == 409
    stale = row_of(response, team["tech"])
    assert "changed by someone else" in " ".join(stale.errors)
    assert stale.cells[0].rating == ""  # what is stored now, not what was typed over it
    colleague = row_of(response, team["colleague"])
    assert colleague.errors == [] and colleague.cells[0].rating == "3"
    assert not EvaluationRating.objects.exists()
    assert Evaluation.objects.get(pk=team["colleague"].pk).revision == 0
    assert not AuditEntry.objects.filter(action="cycle.manager_review_draft").exists()


def test_an_evaluation_the_caller_does_not_review_in_the_post_is_refused_and_nothing_is_written(
    client, network, team, english
):
    login(client, network.foreman)
    data = row_data(team["tech"], "4") | row_data(team["other"], "4")
    response = client.post(screen(team["cycle"]), data)
    assert response.status_code == 403
    assert "not yours" in response.content.decode()
    assert not EvaluationRating.objects.exists()
    assert Evaluation.objects.get(pk=team["tech"].pk).revision == 0


def test_an_evaluation_of_another_cycle_in_the_post_is_refused(client, network, team, version):
    elsewhere = make_evaluation(make_cycle(version, period="2026-09"), network.tech, network.foreman)
    login(client, network.foreman)
    response = client.post(screen(team["cycle"]), row_data(elsewhere, "4"))
    assert response.status_code == 403
    assert not EvaluationRating.objects.exists()


def test_a_row_without_its_revision_is_refused_with_nothing_saved(client, network, team, english):
    login(client, network.foreman)
    data = row_data(team["tech"], "4")
    data[f"revision:{team['tech'].pk}"] = "x"
    response = client.post(screen(team["cycle"]), data)
    assert response.status_code == 422
    assert "revision is missing" in " ".join(row_of(response, team["tech"]).errors)
    assert not EvaluationRating.objects.exists()


def test_after_the_manager_review_stage_closed_saving_is_a_conflict(client, network, team, english):
    Cycle.objects.filter(pk=team["cycle"].pk).update(stage=Cycle.Stage.CALIBRATION)
    login(client, network.foreman)
    response = client.post(screen(team["cycle"]), row_data(team["tech"], "4"))
    assert response.status_code == 409
    assert "has closed" in response.content.decode()
    assert not EvaluationRating.objects.exists()


def test_a_review_submitted_in_another_tab_meanwhile_is_a_conflict(client, network, team, english):
    login(client, network.foreman)
    data = row_data(team["tech"], "4")
    Evaluation.objects.filter(pk=team["tech"].pk).update(
        manager_submitted_at=datetime.datetime(2026, 11, 8, tzinfo=datetime.UTC)
    )
    response = client.post(screen(team["cycle"]), data)
    assert response.status_code == 409
    assert "submitted this review already" in response.content.decode()
    assert not EvaluationRating.objects.exists()


def test_the_second_level_reviewer_saves_second_level_drafts(client, network, version):
    cycle = make_cycle(version, second_level=True)
    evaluation = make_evaluation(cycle, network.tech, network.foreman, second_reviewer=network.manager)
    login(client, network.manager)
    response = client.get(screen(cycle))
    assert row_of(response, evaluation).second
    assert client.post(screen(cycle), row_data(evaluation, "4")).status_code == 302
    stored = EvaluationRating.objects.get()
    assert (stored.rater_id, stored.role, stored.submitted_at) == (network.manager.pk, "second", None)


def test_the_employee_still_does_not_see_the_drafts_saved_on_the_screen(client, network, team):
    login(client, network.foreman)
    client.post(screen(team["cycle"]), row_data(team["tech"], "2", "DRAFT-SECRET"))
    assert EvaluationRating.objects.filter(comment="DRAFT-SECRET").exists()
    login(client, network.tech)
    html = client.get(reverse("appraisal:evaluation", args=[team["tech"].pk])).content.decode()
    assert "DRAFT-SECRET" not in html
    assert 'data-rating="manager:COMPLIANCE"' not in html


# --- the links to the screen ----------------------------------------------------------------
def test_the_todo_list_links_the_screen_for_a_reviewer_with_several_reviews_in_a_cycle(client, network, team):
    login(client, network.foreman)
    html = client.get(reverse("appraisal:todo")).content.decode()
    assert f'href="{screen(team["cycle"])}"' in html
    assert html.count('data-task="team-ratings"') == 1


def test_the_todo_list_does_not_link_the_screen_for_a_single_review(client, network, team):
    login(client, network.manager)  # reviews T3 only
    html = client.get(reverse("appraisal:todo")).content.decode()
    assert 'data-task="review"' in html
    assert screen(team["cycle"]) not in html


def test_the_cycle_page_links_the_screen_for_a_reviewer_with_several_reviews(client, network, team):
    make_evaluation(team["cycle"], network.advisor, network.manager)
    login(client, network.manager)
    html = client.get(reverse("appraisal:cycle", args=[team["cycle"].pk])).content.decode()
    assert f'href="{screen(team["cycle"])}" data-action="cycle-ratings"' in html
    login(client, network.hr)
    html = client.get(reverse("appraisal:cycle", args=[team["cycle"].pk])).content.decode()
    assert 'data-action="cycle-ratings"' not in html
