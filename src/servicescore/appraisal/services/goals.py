"""Goals (OKR style) in an appraisal cycle: an objective with key results, each tied to an
indicator (a baseline and a target, e.g. "会员复购率 → 65 %") or a manual check.

Who changes them and when (docs/scoring.md, Appraisal cycles):
- the appraised person sets their own goals until they sign off their targets;
- their reviewer, and whoever runs cycles over them (policy "manage_cycles" in scope),
  until the data freeze;
- after the freeze the goals are fixed; the reviewer still marks manual key results done
  until the review is submitted;
- a final evaluation changes no more.
Every write is audited on the goal.

Goal attainment as a scheme item (GOAL_ATTAINMENT, kpi.registry): at the data freeze
`goal_figures` gives each evaluation its person's goal attainment — the mean progress of
their goals that have a measured key result (selectors.goals.goal_attainment), from the
stored indicator values of the cycle's period — frozen with the other figures. A key
result marked done after the freeze shows on the goals page but does not move the score;
only a recalculation (services/recalculation.py) freezes the goals again.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record
from servicescore.core.errors import Invalid, Refused, declare
from servicescore.kpi.catalog import catalog
from servicescore.kpi.registry import GOAL_ATTAINMENT
from servicescore.org.scope import employee_of, visible_appraisees

from ..errors import AREA
from ..models import Evaluation, Goal, KeyResult
from ..policy import allows
from ..selectors.goals import goal_attainment, loaded_goals, with_progress

GOALS_FIXED = declare(
    "goals_fixed",
    Refused,
    "The goals can no longer be changed at this stage, or not by the caller.",
    area=AREA,
)
GOAL_INVALID = declare("goal_invalid", Invalid, "A goal or key result is incomplete or wrong.", area=AREA)

MAX_KEY_RESULTS = 8
SETTING_STATES = (Evaluation.State.TARGETS, Evaluation.State.SIGNED)
REVIEW_STATES = (Evaluation.State.SELF_REVIEW, Evaluation.State.MANAGER_REVIEW)


def _is_reviewer(user, evaluation: Evaluation) -> bool:
    me = employee_of(user)
    return me is not None and me.pk in (evaluation.reviewer_id, evaluation.second_reviewer_id)


def _runs_cycle_over(user, evaluation: Evaluation) -> bool:
    return (
        allows(user, "manage_cycles")
        and visible_appraisees(user).filter(pk=evaluation.employee_id).exists()
        and evaluation.employee.user_id != user.pk
    )


def may_set_goals(user, evaluation: Evaluation) -> bool:
    """Whether `user` may add, change or remove the evaluation's goals now."""
    if evaluation.state == Evaluation.State.TARGETS and evaluation.employee.user_id == user.pk:
        return True
    if evaluation.state in SETTING_STATES:
        return _is_reviewer(user, evaluation) or _runs_cycle_over(user, evaluation)
    return False


def may_mark_done(user, evaluation: Evaluation) -> bool:
    """Whether `user` may mark the evaluation's manual key results done or not done."""
    if evaluation.state in SETTING_STATES:
        return may_set_goals(user, evaluation) and evaluation.employee.user_id != user.pk
    return evaluation.state in REVIEW_STATES and _is_reviewer(user, evaluation)


def _require(allowed: bool) -> None:
    if not allowed:
        raise Refused(_("The goals can no longer be changed at this stage, or not by you."), code=GOALS_FIXED)


def _number(value, field: str, label: str) -> Decimal | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal("1e10"):
        raise Invalid(
            _("%(what)s: '%(value)s' is not a number.") % {"what": label, "value": text[:20]},
            code=GOAL_INVALID,
            field=field,
        )
    return number


def _checked_key_results(key_results: list[dict]) -> list[dict]:
    """The key results as fields of KeyResult, or Invalid naming the row and field."""
    if not key_results:
        raise Invalid(_("A goal needs at least one key result."), code=GOAL_INVALID, field="key_results")
    if len(key_results) > MAX_KEY_RESULTS:
        raise Invalid(
            _("A goal has at most %(n)s key results.") % {"n": MAX_KEY_RESULTS},
            code=GOAL_INVALID,
            field="key_results",
        )
    known = catalog(manual=False)
    checked = []
    for n, row in enumerate(key_results):
        label = _("Key result %(n)s") % {"n": n + 1}
        title = str(row.get("title") or "").strip()
        if not title:
            raise Invalid(
                _("%(what)s: give it a title.") % {"what": label}, code=GOAL_INVALID, field=f"kr-{n}-title"
            )
        if len(title) > 300:
            raise Invalid(
                _("%(what)s: the title is longer than 300 characters.") % {"what": label},
                code=GOAL_INVALID,
                field=f"kr-{n}-title",
            )
        code = str(row.get("indicator") or "").strip()
        baseline = _number(row.get("baseline"), f"kr-{n}-baseline", label)
        target = _number(row.get("target"), f"kr-{n}-target", label)
        if code:
            if code not in known or not known[code].computed:
                raise Invalid(
                    _("%(what)s: %(code)s is not an indicator the product computes.")
                    % {"what": label, "code": code[:64]},
                    code=GOAL_INVALID,
                    field=f"kr-{n}-indicator",
                )
            if target is None:
                raise Invalid(
                    _("%(what)s: an indicator's key result needs a target.") % {"what": label},
                    code=GOAL_INVALID,
                    field=f"kr-{n}-target",
                )
            if target == (baseline or Decimal(0)):
                raise Invalid(
                    _("%(what)s: the target must differ from the baseline.") % {"what": label},
                    code=GOAL_INVALID,
                    field=f"kr-{n}-target",
                )
        else:
            baseline = target = None
        try:
            weight = int(str(row.get("weight") or 1))
        except ValueError:
            weight = 0
        if not 1 <= weight <= 10:
            raise Invalid(
                _("%(what)s: the weight is a whole number from 1 to 10.") % {"what": label},
                code=GOAL_INVALID,
                field=f"kr-{n}-weight",
            )
        checked.append(
            {
                "title": title,
                "indicator": code,
                "baseline": baseline,
                "target": target,
                "weight": weight,
                "order": n,
            }
        )
    return checked


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise Invalid(_("Give the objective a title."), code=GOAL_INVALID, field="title")
    if len(title) > 300:
        raise Invalid(_("The objective is longer than 300 characters."), code=GOAL_INVALID, field="title")
    return title


def _state(goal: Goal) -> dict:
    return {
        "title": goal.title,
        "shared": goal.shared,
        "key_results": [
            [kr.title, kr.indicator, None if kr.target is None else str(kr.target)]
            for kr in goal.key_results.all()
        ],
    }


@transaction.atomic
def goal_add(*, by, evaluation: Evaluation, title: str, key_results: list[dict], shared: bool = True) -> Goal:
    """Add an objective with its key results to the evaluation's person in its cycle."""
    _require(may_set_goals(by, evaluation))
    title = _title(title)
    rows = _checked_key_results(key_results)
    goal = Goal.objects.create(
        cycle=evaluation.cycle, employee=evaluation.employee, title=title, shared=shared, created_by=by
    )
    KeyResult.objects.bulk_create(KeyResult(goal=goal, **row) for row in rows)
    audit_record(actor=by, action="goal.add", obj=goal, changes={"goal": [None, _state(goal)]})
    return goal


@transaction.atomic
def goal_update(
    *, by, goal: Goal, evaluation: Evaluation, title: str, key_results: list[dict], shared: bool
) -> Goal:
    """Replace an objective's title, visibility and key results."""
    _require(goal.employee_id == evaluation.employee_id and goal.cycle_id == evaluation.cycle_id)
    _require(may_set_goals(by, evaluation))
    before = _state(goal)
    goal.title = _title(title)
    rows = _checked_key_results(key_results)
    goal.shared = shared
    goal.save(update_fields=["title", "shared", "modified"])
    goal.key_results.all().delete()
    KeyResult.objects.bulk_create(KeyResult(goal=goal, **row) for row in rows)
    audit_record(actor=by, action="goal.update", obj=goal, changes={"goal": [before, _state(goal)]})
    return goal


@transaction.atomic
def goal_remove(*, by, goal: Goal, evaluation: Evaluation) -> None:
    """Remove an objective and its key results."""
    _require(goal.employee_id == evaluation.employee_id and goal.cycle_id == evaluation.cycle_id)
    _require(may_set_goals(by, evaluation))
    audit_record(actor=by, action="goal.remove", obj=goal, changes={"goal": [_state(goal), None]})
    goal.delete()


@transaction.atomic
def key_result_mark(*, by, key_result: KeyResult, evaluation: Evaluation, done: bool) -> KeyResult:
    """Mark a manual key result done (or not). An indicator's key result is measured, never
    marked."""
    _require(
        key_result.goal.employee_id == evaluation.employee_id
        and key_result.goal.cycle_id == evaluation.cycle_id
    )
    _require(may_mark_done(by, evaluation))
    if key_result.indicator:
        raise Invalid(
            _("%(title)s is measured by its indicator; it cannot be marked done.")
            % {"title": key_result.title},
            code=GOAL_INVALID,
            field="done",
        )
    if key_result.done != done:
        audit_record(
            actor=by,
            action="goal.mark",
            obj=key_result.goal,
            changes={key_result.title: [key_result.done, done]},
        )
        key_result.done = done
        key_result.save(update_fields=["done"])
    return key_result


def goal_figures(evaluations) -> dict[int, list]:
    """evaluation id → the frozen figure of GOAL_ATTAINMENT, [value, numerator, denominator,
    sample] = [the person's goal attainment in % (None: no goal measured, so no data), None,
    None, the number of goals measured], for the evaluations whose scheme version has a
    GOAL_ATTAINMENT item. A goal counts when at least one of its key results is measured
    (a manual check always is; an indicator's needs a stored value in the cycle's period);
    the others are left out of the mean. Read from the stored values, never from frozen
    figures: the freeze and a recalculation both freeze from what is stored now. Three
    queries (goals, key results, stored values) however many evaluations, none when no
    evaluation's scheme has the item (the versions' items prefetched)."""
    wanted = [ev for ev in evaluations if any(i.indicator == GOAL_ATTAINMENT for i in ev.version.items.all())]
    if not wanted:
        return {}
    goals = loaded_goals(
        Goal.objects.filter(
            cycle__in={ev.cycle_id for ev in wanted},
            employee__anyof=sorted({ev.employee_id for ev in wanted}),
        ).order_by("pk")
    )
    mine: dict[tuple[int, int], list] = {}
    for progress in with_progress(goals):
        mine.setdefault((progress.goal.cycle_id, progress.goal.employee_id), []).append(progress)
    found = {}
    for ev in wanted:
        progress = mine.get((ev.cycle_id, ev.employee_id), [])
        value = goal_attainment(progress)
        measured = sum(1 for goal in progress if goal.progress is not None)
        found[ev.pk] = [None if value is None else round(value, 4), None, None, measured]
    return found
