"""Goals with their progress, for the evaluation page and the team's goals.

Progress of a key result tied to an indicator is read from the stored indicator values of
the cycle's period (a quarter or year without stored results of its own: the latest of
its months that has one); once the evaluation is frozen, from its frozen figures, so the
goals agree with the score. It is (value − baseline) / (target − baseline), between 0 and
100 %: a target below the baseline (a complaint rate to bring down) works the same way. A
manual key result is 0 or 100 %. A goal's progress is its key results' weighted mean; the
person's goal attainment the mean of their goals'.

Visibility: a person's goals are read with their evaluation (selectors/evaluations.py).
Goals marked shared are also shown to the person's team — the colleagues of the same org
unit in the same cycle — as service teams share their targets; nothing else of a
colleague's evaluation is.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from servicescore.core.errors import NotFound
from servicescore.core.periods import parse_span
from servicescore.kpi.registry import GOAL_ATTAINMENT
from servicescore.kpi.results import figures_of
from servicescore.org.scope import employee_of

from ..models import Cycle, Evaluation, Goal, KeyResult
from .evaluations import readable_evaluations


@dataclass
class KeyResultProgress:
    key_result: KeyResult
    current: float | None
    progress: float | None  # 0–100; None: no value yet


@dataclass
class GoalProgress:
    goal: Goal
    key_results: list[KeyResultProgress] = field(default_factory=list)

    @property
    def progress(self) -> float | None:
        measured = [(kr.key_result.weight, kr.progress) for kr in self.key_results if kr.progress is not None]
        if not measured:
            return None
        return sum(weight * value for weight, value in measured) / sum(weight for weight, _ in measured)


def key_result_progress(key_result: KeyResult, current: float | None) -> float | None:
    """0–100 % of the way from the baseline to the target (manual: done or not)."""
    if not key_result.indicator:
        return 100.0 if key_result.done else 0.0
    if current is None or key_result.target is None:
        return None
    baseline = float(key_result.baseline or 0)
    span = float(key_result.target) - baseline
    if span == 0:
        return None
    return max(0.0, min(100.0, 100.0 * (current - baseline) / span))


def _periods(cycle: Cycle) -> list[str]:
    """The cycle's period code, then its months newest first."""
    codes = [cycle.period]
    try:
        codes += list(reversed(parse_span(cycle.period).months))
    except ValueError:
        pass
    return list(dict.fromkeys(codes))


def loaded_goals(goals: QuerySet) -> list[Goal]:
    """The goals with their person, cycle and ordered key results (two queries)."""
    return list(
        goals.select_related("employee", "cycle").prefetch_related(
            Prefetch("key_results", queryset=KeyResult.objects.order_by("order", "pk"))
        )
    )


def with_progress(goals: list[Goal], frozen: dict[int, dict] | None = None) -> list[GoalProgress]:
    """The goals with each key result's current value and progress: two queries at most
    (the goals' key results are prefetched), however many goals. `frozen`: employee id →
    frozen figures, which win over the stored values."""
    frozen = frozen or {}
    wanted = {
        (goal.employee_id, kr.indicator, goal.cycle_id)
        for goal in goals
        for kr in goal.key_results.all()
        if kr.indicator
    }
    values: dict[tuple[int, str, int], float] = {}
    if wanted:
        cycles = {goal.cycle_id: goal.cycle for goal in goals}
        order = {cycle_id: _periods(cycle) for cycle_id, cycle in cycles.items()}
        periods = {code for codes in order.values() for code in codes}
        stored = figures_of(
            periods,
            {employee for employee, _code, _cycle in wanted},
            {code for _employee, code, _cycle in wanted},
        )
        by_period: dict[tuple[int, str], dict[str, float]] = {}
        for employee, period, figures in stored:
            for code, figure in figures.items():
                if figure.value is not None:
                    by_period.setdefault((employee, code), {})[period] = figure.value
        for employee, code, cycle_id in wanted:
            found = by_period.get((employee, code), {})
            for period in order[cycle_id]:
                if period in found:
                    values[employee, code, cycle_id] = found[period]
                    break
    result = []
    for goal in goals:
        mine = frozen.get(goal.employee_id) or {}
        rows = []
        for kr in goal.key_results.all():
            current = None
            if kr.indicator:
                snapshot = mine.get(kr.indicator)
                current = (
                    snapshot[0] if snapshot else values.get((goal.employee_id, kr.indicator, goal.cycle_id))
                )
            rows.append(KeyResultProgress(kr, current, key_result_progress(kr, current)))
        result.append(GoalProgress(goal, rows))
    return result


def goal_attainment(progress: list[GoalProgress]) -> float | None:
    """The mean progress of the goals that have one (None: no goals measured yet)."""
    measured = [goal.progress for goal in progress if goal.progress is not None]
    return sum(measured) / len(measured) if measured else None


def scored_goal_attainment(evaluation: Evaluation) -> dict | None:
    """{"value": the goal attainment the score uses, None for no data} when the evaluation
    is frozen and its scheme scores goal attainment (GOAL_ATTAINMENT); None otherwise.
    Frozen at the data freeze (services.goals.goal_figures): a check marked done later
    shows in the goals' progress but not here. No query."""
    figure = (evaluation.figures or {}).get(GOAL_ATTAINMENT) if evaluation.frozen_at else None
    return None if figure is None else {"value": figure[0]}


def evaluation_goals(evaluation: Evaluation) -> list[GoalProgress]:
    """The goals of an evaluation the caller already may read (`evaluation_for`)."""
    goals = loaded_goals(Goal.objects.filter(cycle=evaluation.cycle_id, employee=evaluation.employee_id))
    frozen = {evaluation.employee_id: evaluation.figures} if evaluation.frozen_at else None
    return with_progress(goals, frozen)


def team_goals(user, cycle_id) -> tuple[Cycle, list[GoalProgress]]:
    """The cycle's shared goals of the user's team (their org unit's people in the cycle),
    and every goal of the people whose evaluations the user reads otherwise (a manager's
    team). NotFound when the user has no evaluation to read in the cycle and no team in
    it, or the cycle is still a draft."""
    cycle = Cycle.objects.filter(pk=cycle_id).exclude(stage=Cycle.Stage.DRAFT).first()
    if cycle is None:
        raise NotFound(_("No such cycle."))
    readable = readable_evaluations(user).filter(cycle=cycle)
    me = employee_of(user)
    people = set(readable.values_list("employee", flat=True))
    team = set()
    if me is not None and Evaluation.objects.filter(cycle=cycle, employee=me).exists():
        team = set(
            Evaluation.objects.filter(cycle=cycle, org_unit=me.org_unit_id).values_list("employee", flat=True)
        )
    if not people and not team:
        raise NotFound(_("No such cycle."))
    goals = Goal.objects.filter(cycle=cycle, employee__in=people | team)
    shown = [goal for goal in loaded_goals(goals) if goal.employee_id in people or goal.shared]
    frozen = dict(
        Evaluation.objects.filter(
            cycle=cycle, employee__in={goal.employee_id for goal in shown}, frozen_at__isnull=False
        ).values_list("employee", "figures")
    )
    return cycle, with_progress(shown, frozen)
