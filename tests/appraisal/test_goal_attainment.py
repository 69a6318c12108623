"""Goal attainment as a scheme item (GOAL_ATTAINMENT): offered by the scheme editor, given
by the appraisal cycle — the person's goal attainment frozen with the other figures — and
without data on the monthly scorecards; its line links to the evaluation's goals."""

from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from servicescore.appraisal.forms import TemplateItemForm
from servicescore.appraisal.models import Evaluation, TemplateItem, default_grade_bands
from servicescore.appraisal.people_scoring import score_people
from servicescore.appraisal.scoring import problems
from servicescore.appraisal.services import cycles as cycle_services
from servicescore.appraisal.services.appeals import exclusion_sections
from servicescore.appraisal.services.evaluations import rescore, save_scored
from servicescore.appraisal.services.goals import goal_add, goal_figures, key_result_mark
from servicescore.core.errors import Invalid
from servicescore.core.periods import parse_period
from servicescore.kpi.catalog import catalog, computed_codes
from servicescore.kpi.registry import GOAL_ATTAINMENT
from servicescore.org.models import Employee

from ..conftest import login
from ..factories import TemplateVersionFactory, employee_result
from .cycles_setup import computed_october, create_args
from .review_factories import PERIOD, make_cycle, make_evaluation
from .scorecards import scorecard

pytestmark = pytest.mark.django_db

FTFR_UP = {"title": "一次修复率提到 90%", "indicator": "FTFR", "baseline": "60", "target": "90"}
CHECK = {"title": "完成高压电安全培训"}


def goal_scheme():
    """An active technicians' scheme: FTFR (60 %, linear 60 → 90) and goal attainment
    (40 %, linear 50 → 100)."""
    version = TemplateVersionFactory(template__position="technician")
    TemplateItem.objects.create(
        version=version, order=0, indicator="FTFR", weight=Decimal(60), rule="linear",
        target=Decimal(90), threshold=Decimal(60),
    )  # fmt: skip
    TemplateItem.objects.create(
        version=version, order=1, indicator=GOAL_ATTAINMENT, weight=Decimal(40), rule="linear",
        target=Decimal(100), threshold=Decimal(50),
    )  # fmt: skip
    return version


@pytest.fixture
def cycle(network):
    return make_cycle(goal_scheme(), stage="targets")


@pytest.fixture
def evaluation(network, cycle):
    return make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.TARGETS)


def three_quarters(network, evaluation):
    """Two goals: FTFR from 60 towards 90 stored at 75 (50 %), a check done (100 %)."""
    employee_result(employee=network.tech, period=PERIOD, indicator="FTFR", value=75.0)
    goal_add(by=network.tech.user, evaluation=evaluation, title="提升一次修复率", key_results=[FTFR_UP])
    goal = goal_add(by=network.tech.user, evaluation=evaluation, title="安全", key_results=[CHECK])
    key_result_mark(
        by=network.foreman.user, key_result=goal.key_results.get(), evaluation=evaluation, done=True
    )


def frozen_as_at_the_freeze(evaluation, state=Evaluation.State.SELF_REVIEW):
    """The evaluation frozen as cycle_freeze freezes it once goal attainment is wired in:
    its FTFR and its goal attainment from goal_figures, then scored."""
    evaluation = Evaluation.objects.select_related("version", "cycle").get(pk=evaluation.pk)
    evaluation.figures = {
        "FTFR": [75.0, 15, 20, 20],
        GOAL_ATTAINMENT: goal_figures([evaluation])[evaluation.pk],
    }
    evaluation.frozen_at = evaluation.created
    evaluation.state = state
    rescore(evaluation)
    save_scored(evaluation, ["figures", "frozen_at", "state"])
    return evaluation


def line_of(evaluation, code=GOAL_ATTAINMENT):
    return next(line for line in evaluation.items if line["indicator"] == code)


# --- the scheme editor -----------------------------------------------------------------------
def test_the_scheme_editor_offers_goal_attainment_under_goals():
    with translation.override("en"):
        form = TemplateItemForm(indicators=catalog())
        groups = {str(label): options for label, options in form.fields["indicator"].choices[1:]}
    assert (GOAL_ATTAINMENT, f"Goal attainment · {GOAL_ATTAINMENT}") in groups["Goals"]


def test_a_linear_goal_attainment_item_is_a_valid_scheme_item(network):
    version = goal_scheme()
    assert problems(list(version.items.all()), version.grade_bands, catalog(manual=False)) == []


def test_goal_attainment_cannot_be_rated_by_hand(network):
    item = TemplateItem(indicator=GOAL_ATTAINMENT, kind="scored", weight=Decimal(100), rule="manual")
    found = problems([item], default_grade_bands(), catalog(manual=False), activating=False)
    assert [problem.code for problem in found] == ["manual_rule"]


def test_the_kpi_engine_never_computes_goal_attainment():
    assert GOAL_ATTAINMENT in catalog(manual=False)
    assert GOAL_ATTAINMENT not in computed_codes(catalog())


# --- its value in a cycle ---------------------------------------------------------------------
def test_goal_figures_give_the_mean_progress_of_the_persons_goals(network, evaluation):
    three_quarters(network, evaluation)
    assert goal_figures([evaluation]) == {evaluation.pk: [75.0, None, None, 2]}


def test_a_goal_with_no_measured_key_result_is_left_out_of_the_mean(network, evaluation):
    goal = goal_add(by=network.tech.user, evaluation=evaluation, title="安全", key_results=[CHECK])
    key_result_mark(
        by=network.foreman.user, key_result=goal.key_results.get(), evaluation=evaluation, done=True
    )
    goal_add(by=network.tech.user, evaluation=evaluation, title="无数据", key_results=[FTFR_UP])
    assert goal_figures([evaluation]) == {evaluation.pk: [100.0, None, None, 1]}


def test_a_person_without_goals_has_no_goal_attainment(network, evaluation):
    assert goal_figures([evaluation]) == {evaluation.pk: [None, None, None, 0]}


def test_an_evaluation_whose_scheme_has_no_goal_item_gets_no_figure(network, django_assert_num_queries):
    from .review_factories import technician_scheme

    other = make_evaluation(make_cycle(technician_scheme(), stage="targets"), network.tech, network.foreman)
    other = Evaluation.objects.prefetch_related("version__items").get(pk=other.pk)
    with django_assert_num_queries(0):
        assert goal_figures([other]) == {}


@pytest.mark.parametrize("people", [1, 4])
def test_goal_figures_read_a_fixed_number_of_queries(network, cycle, people, django_assert_num_queries):
    staff = list(Employee.objects.filter(position="technician").order_by("pk"))[:people]
    for person in staff:
        ev = make_evaluation(cycle, person, network.foreman, state=Evaluation.State.TARGETS)
        goal_add(by=network.foreman.user, evaluation=ev, title="目标", key_results=[FTFR_UP, CHECK])
    evaluations = list(Evaluation.objects.filter(cycle=cycle).prefetch_related("version__items"))
    assert len(evaluations) == people
    with django_assert_num_queries(3):  # the goals, their key results, the stored values
        found = goal_figures(evaluations)
    assert set(found) == {ev.pk for ev in evaluations}


def test_the_frozen_goal_attainment_is_scored_like_a_percentage(network, evaluation):
    three_quarters(network, evaluation)
    frozen = frozen_as_at_the_freeze(evaluation)
    line = line_of(frozen)
    assert line["value"] == 75.0 and line["points"] == pytest.approx(50.0)
    # FTFR 75 → 50 points; 0.6 × 50 + 0.4 × 50
    assert frozen.kpi_score == pytest.approx(50.0)


def test_without_goals_the_item_is_left_out_and_the_weights_scaled_back(network, evaluation):
    frozen = frozen_as_at_the_freeze(evaluation)
    line = line_of(frozen)
    assert line["no_data"] and line["points"] is None
    assert frozen.base_score == pytest.approx(50.0)  # FTFR alone, re-weighted to 100 %


def test_a_key_result_marked_done_after_the_freeze_does_not_move_the_score(network, evaluation):
    employee_result(employee=network.tech, period=PERIOD, indicator="FTFR", value=75.0)
    goal_add(by=network.tech.user, evaluation=evaluation, title="提升一次修复率", key_results=[FTFR_UP])
    goal = goal_add(by=network.tech.user, evaluation=evaluation, title="安全", key_results=[CHECK])
    frozen = frozen_as_at_the_freeze(evaluation)
    before = (frozen.final_score, line_of(frozen)["value"])
    key_result_mark(by=network.foreman.user, key_result=goal.key_results.get(), evaluation=frozen, done=True)
    rescore(frozen)
    assert (frozen.final_score, line_of(frozen)["value"]) == before == (pytest.approx(30.0), 25.0)


def test_the_freeze_stores_the_goal_attainment_and_later_checks_do_not_move_it(network):
    goal_scheme()
    computed_october({network.tech: 75.0})
    cycle = cycle_services.cycle_create(**create_args(network))
    cycle = cycle_services.cycle_open(cycle=cycle, by=network.hr.user)
    evaluation = Evaluation.objects.get(cycle=cycle, employee=network.tech)
    goal_add(by=network.tech.user, evaluation=evaluation, title="提升一次修复率", key_results=[FTFR_UP])
    goal = goal_add(by=network.tech.user, evaluation=evaluation, title="安全", key_results=[CHECK])
    cycle_services.cycle_freeze(cycle=cycle, by=network.hr.user, reason="目标确认已截止")
    evaluation.refresh_from_db()
    assert evaluation.figures[GOAL_ATTAINMENT] == [25.0, None, None, 2]
    before = evaluation.final_score
    key_result_mark(
        by=network.foreman.user, key_result=goal.key_results.get(), evaluation=evaluation, done=True
    )
    rescore(evaluation)
    assert evaluation.final_score == before


def test_a_recalculation_freezes_the_goals_again_and_records_the_move(network):
    from servicescore.appraisal.models import EvaluationChange
    from servicescore.appraisal.services.recalculation import evaluation_recalculate

    goal_scheme()
    computed_october({network.tech: 75.0})
    cycle = cycle_services.cycle_open(
        cycle=cycle_services.cycle_create(**create_args(network)), by=network.hr.user
    )
    evaluation = Evaluation.objects.get(cycle=cycle, employee=network.tech)
    goal = goal_add(by=network.tech.user, evaluation=evaluation, title="安全", key_results=[CHECK])
    cycle_services.cycle_freeze(cycle=cycle, by=network.hr.user, reason="目标确认已截止")
    evaluation.refresh_from_db()
    key_result_mark(
        by=network.foreman.user, key_result=goal.key_results.get(), evaluation=evaluation, done=True
    )
    evaluation_recalculate(
        by=network.hr.user, evaluation=evaluation, revision=evaluation.revision, reason="补记培训"
    )
    evaluation.refresh_from_db()
    assert evaluation.figures[GOAL_ATTAINMENT] == [100.0, None, None, 1]
    change = EvaluationChange.objects.get(evaluation=evaluation, field=f"figures.{GOAL_ATTAINMENT}")
    assert (change.old, change.new) == (0.0, 100.0)


def test_a_key_result_cannot_be_tied_to_goal_attainment_itself(network, evaluation):
    tied = {"title": "目标达成", "indicator": GOAL_ATTAINMENT, "target": "100"}
    with pytest.raises(Invalid) as refused:
        goal_add(by=network.tech.user, evaluation=evaluation, title="循环", key_results=[tied])
    assert refused.value.field == "kr-0-indicator"
    assert not evaluation.employee.goals.exists()


# --- the pages ------------------------------------------------------------------------------
@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield client


def test_the_goal_line_links_to_the_evaluations_goals_not_to_records(english, network, evaluation):
    three_quarters(network, evaluation)
    frozen_as_at_the_freeze(evaluation, state=Evaluation.State.CALIBRATION)
    login(english, network.tech)
    html = english.get(reverse("appraisal:evaluation", args=[evaluation.pk])).content.decode()
    goals = reverse("appraisal:goals", args=[evaluation.pk])
    assert f'href="{goals}" class="fw-bold" data-goals-link' in html
    assert 'data-evidence-link="FTFR"' in html
    assert reverse("kpi:evidence", args=["T1", PERIOD, GOAL_ATTAINMENT]) not in html


def test_a_monthly_scorecard_leaves_goal_attainment_out_as_no_data(network):
    goal_scheme()
    employee_result(employee=network.tech, period=PERIOD, indicator="FTFR", value=75.0)
    [(_pk, _version, result)] = score_people(
        parse_period(PERIOD), Employee.objects.filter(pk=network.tech.pk)
    )
    line = next(line for line in result.items if line["indicator"] == GOAL_ATTAINMENT)
    assert line["no_data"] and line["points"] is None
    assert result.base == pytest.approx(50.0) and result.reweighted


def test_the_monthly_scorecard_says_no_data_and_links_no_evidence_for_it(english, network):
    version = goal_scheme()
    employee_result(employee=network.tech, period=PERIOD, indicator="FTFR", value=75.0)
    [(_pk, _version, result)] = score_people(
        parse_period(PERIOD), Employee.objects.filter(pk=network.tech.pk)
    )
    scorecard(network.tech, version, items=result.items, final=result.final, grade=result.grade)
    login(english, network.tech)
    response = english.get(reverse("kpi:scorecard", args=["T1", PERIOD]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-item="{GOAL_ATTAINMENT}" data-no-data="reweight"' in html
    assert "this item is left out and the other items' weights are scaled back up to 100" in html
    assert reverse("kpi:evidence", args=["T1", PERIOD, GOAL_ATTAINMENT]) not in html


def test_the_evidence_page_of_goal_attainment_lists_no_records_and_no_value(english, network):
    login(english, network.tech)
    response = english.get(reverse("kpi:evidence", args=["T1", PERIOD, GOAL_ATTAINMENT]))
    assert response.status_code == 200
    assert response.context["sections"] == [] and response.context["value"] is None
    html = unescape(response.content.decode())
    assert "the evaluation's goals page shows the goals behind it" in html
    assert "data-no-data" not in html  # not "no record in the denominator"


def test_an_appeal_cannot_exclude_a_work_order_from_goal_attainment(network, evaluation):
    with pytest.raises(Invalid):
        exclusion_sections(evaluation, catalog()[GOAL_ATTAINMENT], parse_period(PERIOD))


def test_the_goals_page_shows_the_frozen_attainment_beside_the_current_one(english, network, evaluation):
    employee_result(employee=network.tech, period=PERIOD, indicator="FTFR", value=75.0)
    goal_add(by=network.tech.user, evaluation=evaluation, title="提升一次修复率", key_results=[FTFR_UP])
    goal = goal_add(by=network.tech.user, evaluation=evaluation, title="安全", key_results=[CHECK])
    frozen = frozen_as_at_the_freeze(evaluation)
    key_result_mark(by=network.foreman.user, key_result=goal.key_results.get(), evaluation=frozen, done=True)
    login(english, network.tech)
    html = english.get(reverse("appraisal:goals", args=[evaluation.pk])).content.decode()
    assert 'data-attainment="75.0"' in html and 'data-scored-attainment="25.0"' in html
    assert "The score uses the goal attainment frozen at the data freeze: 25 %." in html


def test_the_goals_page_says_nothing_of_a_score_without_the_item(english, network):
    from .review_factories import technician_scheme

    cycle = make_cycle(technician_scheme(), stage="self_review")
    evaluation = make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.SELF_REVIEW)
    login(english, network.tech)
    html = english.get(reverse("appraisal:goals", args=[evaluation.pk])).content.decode()
    assert "data-scored-attainment" not in html
