"""Goals (OKR) in an appraisal cycle: who sets them when, their progress from the stored
figures (then the frozen ones), the team's view of shared goals, and the bad inputs."""

import pytest
from django.test import Client

from servicescore.appraisal.models import Evaluation, Goal, KeyResult
from servicescore.appraisal.selectors.goals import evaluation_goals, goal_attainment, team_goals
from servicescore.appraisal.services.goals import goal_add, goal_update, key_result_mark
from servicescore.core.errors import Invalid, NotFound, Refused
from servicescore.core.models import AuditEntry

from ..conftest import login
from ..factories import employee_result
from .review_factories import PERIOD, make_cycle, make_evaluation, technician_scheme

FTFR_UP = {"title": "一次修复率提到 95%", "indicator": "FTFR", "baseline": "80", "target": "95"}
CHECK = {"title": "完成高压电安全培训"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(network):
    return make_cycle(technician_scheme(), stage="targets")


@pytest.fixture
def evaluation(network, cycle):
    return make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.TARGETS)


def test_the_person_sets_their_own_goals_before_signing_off(network, evaluation):
    goal = goal_add(
        by=network.tech.user, evaluation=evaluation, title="提升一次修复率", key_results=[FTFR_UP, CHECK]
    )
    assert [kr.title for kr in goal.key_results.all()] == ["一次修复率提到 95%", "完成高压电安全培训"]
    assert AuditEntry.objects.filter(action="goal.add", object_id=str(goal.pk)).count() == 1


def test_after_signing_off_only_the_reviewer_changes_the_goals(network, evaluation):
    evaluation.state = Evaluation.State.SIGNED
    with pytest.raises(Refused):
        goal_add(by=network.tech.user, evaluation=evaluation, title="x", key_results=[CHECK])
    goal_add(by=network.foreman.user, evaluation=evaluation, title="团队目标", key_results=[CHECK])


def test_after_the_freeze_nobody_changes_the_goals(network, evaluation):
    goal = goal_add(by=network.tech.user, evaluation=evaluation, title="目标", key_results=[CHECK])
    evaluation.state = Evaluation.State.SELF_REVIEW
    with pytest.raises(Refused):
        goal_update(
            by=network.foreman.user,
            goal=goal,
            evaluation=evaluation,
            title="改",
            key_results=[CHECK],
            shared=True,
        )


def test_a_colleague_cannot_set_someone_elses_goals(network, evaluation):
    with pytest.raises(Refused):
        goal_add(by=network.tech_colleague.user, evaluation=evaluation, title="x", key_results=[CHECK])


@pytest.mark.parametrize(
    ("key_results", "field"),
    [
        ([], "key_results"),
        ([{"title": "", "indicator": "FTFR", "target": "95"}], "kr-0-title"),
        ([{"title": "x", "indicator": "NOPE", "target": "95"}], "kr-0-indicator"),
        ([{"title": "x", "indicator": "FTFR", "target": ""}], "kr-0-target"),
        ([{"title": "x", "indicator": "FTFR", "target": "abc"}], "kr-0-target"),
        ([{"title": "x", "indicator": "FTFR", "baseline": "95", "target": "95"}], "kr-0-target"),
        ([CHECK, {"title": "x", "weight": "11"}], "kr-1-weight"),
    ],
)
def test_a_bad_key_result_is_refused_at_its_field_and_nothing_is_written(
    network, evaluation, key_results, field
):
    with pytest.raises(Invalid) as refused:
        goal_add(by=network.tech.user, evaluation=evaluation, title="目标", key_results=key_results)
    assert refused.value.field == field
    assert not Goal.objects.exists() and not KeyResult.objects.exists()


def test_progress_runs_from_the_baseline_to_the_target_on_the_stored_value(network, evaluation):
    employee_result(employee=network.tech, period=PERIOD, indicator="FTFR", value=89.0)
    goal_add(by=network.tech.user, evaluation=evaluation, title="目标", key_results=[FTFR_UP])
    [goal] = evaluation_goals(evaluation)
    assert goal.key_results[0].current == 89.0
    assert goal.progress == pytest.approx(60.0)  # (89 − 80) / (95 − 80)


def test_a_target_below_the_baseline_counts_the_way_down(network, evaluation):
    employee_result(employee=network.tech, period=PERIOD, indicator="FTFR", value=5.0)
    down = {"title": "返修降到 2", "indicator": "FTFR", "baseline": "8", "target": "2"}
    goal_add(by=network.tech.user, evaluation=evaluation, title="目标", key_results=[down])
    assert evaluation_goals(evaluation)[0].progress == pytest.approx(50.0)


def test_once_frozen_the_progress_reads_the_frozen_figures(network, evaluation):
    employee_result(employee=network.tech, period=PERIOD, indicator="FTFR", value=95.0)
    goal_add(by=network.tech.user, evaluation=evaluation, title="目标", key_results=[FTFR_UP])
    evaluation.figures = {"FTFR": [83.0, 83, 100, 100]}
    evaluation.frozen_at = evaluation.created
    assert evaluation_goals(evaluation)[0].key_results[0].current == 83.0


def test_the_reviewer_marks_a_check_done_and_attainment_follows_the_weights(network, evaluation):
    goal = goal_add(
        by=network.tech.user,
        evaluation=evaluation,
        title="目标",
        key_results=[CHECK, {"title": "带一名学徒", "weight": "3"}],
    )
    evaluation.state = Evaluation.State.SELF_REVIEW
    key_result_mark(
        by=network.foreman.user,
        key_result=goal.key_results.get(title="带一名学徒"),
        evaluation=evaluation,
        done=True,
    )
    assert goal_attainment(evaluation_goals(evaluation)) == pytest.approx(75.0)


def test_the_person_cannot_mark_their_own_check_done(network, evaluation):
    goal = goal_add(by=network.tech.user, evaluation=evaluation, title="目标", key_results=[CHECK])
    with pytest.raises(Refused):
        key_result_mark(
            by=network.tech.user, key_result=goal.key_results.get(), evaluation=evaluation, done=True
        )


def test_the_team_sees_shared_goals_but_not_private_ones(network, cycle, evaluation):
    make_evaluation(cycle, network.tech_colleague, network.foreman, state=Evaluation.State.TARGETS)
    goal_add(by=network.tech.user, evaluation=evaluation, title="公开目标", key_results=[CHECK])
    goal_add(by=network.tech.user, evaluation=evaluation, title="个人目标", key_results=[CHECK], shared=False)
    _cycle, shown = team_goals(network.tech_colleague.user, cycle.pk)
    assert [g.goal.title for g in shown] == ["公开目标"]
    _cycle, shown = team_goals(network.foreman.user, cycle.pk)
    assert sorted(g.goal.title for g in shown) == ["个人目标", "公开目标"]


def test_another_teams_technician_does_not_see_the_goals(network, cycle, evaluation):
    make_evaluation(cycle, network.tech_other_team, network.manager, state=Evaluation.State.TARGETS)
    goal_add(by=network.tech.user, evaluation=evaluation, title="公开目标", key_results=[CHECK])
    _cycle, shown = team_goals(network.tech_other_team.user, cycle.pk)
    assert shown == []
    with pytest.raises(NotFound):
        team_goals(network.tech_sc2.user, cycle.pk)


def test_a_colleague_guessing_the_goals_page_gets_404(network, evaluation):
    client = Client()
    login(client, network.tech_colleague)
    assert client.get(f"/appraisal/evaluations/{evaluation.pk}/goals/").status_code == 404


def test_the_goals_page_adds_a_goal_and_shows_a_bad_one_at_its_field(
    network, evaluation, django_assert_max_num_queries
):
    client = Client()
    login(client, network.tech)
    url = f"/appraisal/evaluations/{evaluation.pk}/goals/"
    answer = client.post(
        url,
        {
            "action": "add",
            "title": "目标",
            "shared": "1",
            "kr-0-title": "x",
            "kr-0-indicator": "FTFR",
            "kr-0-target": "abc",
        },
    )
    assert answer.status_code == 400
    assert 'data-field="kr-0-target"' in answer.content.decode()
    assert not Goal.objects.exists()
    answer = client.post(
        url,
        {
            "action": "add",
            "title": "目标",
            "shared": "1",
            "kr-0-title": "提升",
            "kr-0-indicator": "FTFR",
            "kr-0-target": "95",
        },
    )
    assert answer.status_code == 302
    for n in range(3):
        goal_add(by=network.tech.user, evaluation=evaluation, title=f"目标{n}", key_results=[CHECK, FTFR_UP])
    with django_assert_max_num_queries(20):
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count("data-goal=") == 4
