"""Appraisal cycles (考核周期): creating one with an evaluation per person in scope, and
moving it through its stages — open, freeze, self review → manager review → 360° →
calibration, publish, close. Each service is one transaction with its audit entries;
every evaluation a move touches gets an EvaluationChange (who, when, old → new, why).

Rules chosen (issue 18, Bad input and edge cases):
- Who is appraised: the active employees, at creation, of the listed units' subtrees
  holding a listed position (none listed: any position), plus the employees listed by
  name; all within the creator's scope. Someone who has left before creation is not
  included.
- Position: the one held when the cycle is created (the product keeps no position
  history, so "the position held longest in the period" cannot be known, and pro rata
  would need the dates of the change). Someone who changes position mid-cycle keeps the
  evaluation, position, scheme version and reviewer they started with through the
  freeze, publication and ranks (ranked among the position they are appraised in); HR
  may appraise them in their new position in a new cycle.
- Leavers: someone who leaves (employee status "left") after the cycle is created keeps
  their evaluation, which HR reads and which is marked "left" on the results, but it
  holds nothing: at each stage move their unfinished step (targets, self review, the
  reviewer's review) is skipped by itself, recorded per evaluation as a skip with the
  reason "left the company", without HR's reason; they and their reviewers get no "your
  turn", reminder or publication message for it; at publication they take no rank and
  are not counted among the ranked, and calibration leaves them out of the grade shares
  and the forced-distribution check; their unconfirmed result does not hold the close
  (an appeal they filed does).
- Scheme: the active version for the person's position and unit at creation (the
  deepest unit's scheme wins over a company-wide one), pinned on the evaluation; later
  edits make new versions that do not reach the cycle. People whose position has no
  active scheme are left out and listed on the cycle page (`scope["without_scheme"]`);
  a cycle where nobody has one is refused.
- Reviewer: the person's manager; without one (or when it is the person), the nearest
  team lead or service manager up the org chart who is not the person. The second-level
  reviewer (cycles with `second_level`) is the reviewer's reviewer by the same rule,
  never the person.
- Periods: month cycles; quarter and year cycles either scored on the span's pooled
  stored results ("pooled": kpi stores a quarter's or a year's results when it is
  recomputed, `kpi recompute --period 2026-Q4` or `--period 2026`, and they follow their
  months from then on) or as the mean of the published month results ("mean",
  services/cycle_months.py). A span scored from its months freezes once its months'
  cycles that appraise its people are all published.
- Moving on: the people who have not done the step of the stage being left (an unsigned
  target, a self or manager review not submitted) hold the cycle, unless HR (or an
  administrator) skips them with a reason, recorded per evaluation as a skip.
"""

import datetime
from collections import Counter, defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_bulk, audit_record
from servicescore.core.errors import Conflict, Invalid, Refused, declare
from servicescore.core.periods import MONTH_RE, QUARTER_RE, YEAR_RE, add_working_days, parse_span
from servicescore.kpi.catalog import catalog
from servicescore.kpi.figures import NOTHING_STORED, Figure
from servicescore.kpi.models import ComputedPeriod
from servicescore.kpi.registry import GOAL_ATTAINMENT, MANUAL_RATINGS
from servicescore.kpi.services.recompute import unit_chains
from servicescore.org.models import Employee, Position
from servicescore.org.scope import scope_for, visible_appraisees, visible_org_units

from ..errors import AREA
from ..models import Cycle, CycleVersion, Evaluation, EvaluationChange, EvaluationRating, Template
from ..people_scoring import (
    _read_figures,
    _unit_figures,
    active_versions,
    centre_of_units,
    empty_figure,
    from_unit,
    version_for,
)
from ..policy import allows
from .cycle_months import month_cycles_running, month_results, scored_from_months
from .evaluations import rescore
from .goals import goal_figures

CYCLE_MANAGERS_ONLY = declare(
    "cycle_managers_only",
    Refused,
    "Only service managers, HR and administrators run appraisal cycles.",
    area=AREA,
)
CYCLE_NAME_MISSING = declare("cycle_name_missing", Invalid, "An appraisal cycle needs a name.", area=AREA)
CYCLE_PERIOD_INVALID = declare(
    "cycle_period_invalid",
    Invalid,
    "The period does not match the cycle's type (month YYYY-MM, quarter YYYY-Qn, year YYYY).",
    area=AREA,
)
CYCLE_SCOPE_EMPTY = declare(
    "cycle_scope_empty", Invalid, "The chosen units, positions and people hold nobody to appraise.", area=AREA
)
CYCLE_SCOPE_REFUSED = declare(
    "cycle_scope_refused",
    Refused,
    "A chosen org unit or person is outside the caller's part of the organisation.",
    area=AREA,
)
CYCLE_NO_SCHEME = declare(
    "cycle_no_scheme", Invalid, "Nobody in the cycle's scope has an active appraisal scheme.", area=AREA
)
CYCLE_DEADLINES_ORDER = declare(
    "cycle_deadlines_order",
    Invalid,
    "The stage deadlines must follow the stages' order and come after the period starts.",
    area=AREA,
)
CYCLE_STAGE = declare(
    "cycle_stage",
    Conflict,
    "The cycle is not in the stage this move starts from; nothing changed.",
    area=AREA,
)
CYCLE_PERIOD_RUNNING = declare(
    "cycle_period_running", Conflict, "The period has not ended, so its figures cannot be frozen.", area=AREA
)
CYCLE_MONTHS_RUNNING = declare(
    "cycle_months_running",
    Conflict,
    "A quarter or year scored from its months freezes once the month cycles of its people are published.",
    area=AREA,
)
CYCLE_NOT_COMPUTED = declare(
    "cycle_not_computed",
    Conflict,
    "The period's indicator results are not computed yet; recompute it before the freeze.",
    area=AREA,
)
CYCLE_PEOPLE_BEHIND = declare(
    "cycle_people_behind",
    Conflict,
    "Some people have not done the stage's step; only HR may skip them, with a reason.",
    area=AREA,
)
CYCLE_PUBLISHERS_ONLY = declare(
    "cycle_publishers_only", Refused, "Only HR and administrators publish and close cycles.", area=AREA
)

NAME_MAX_LENGTH = 200
REASON_MAX_LENGTH = 2000
# The people who review others when someone has no manager (nearest up the org chart).
REVIEWER_POSITIONS = (Position.FOREMAN, Position.SERVICE_MANAGER)
DEADLINES = ("targets_due", "self_review_due", "manager_review_due", "feedback_due", "calibration_due")
SETTINGS = (
    "pooling",
    "confirm_days",
    "appeal_days",
    "second_level",
    "adjustment_limit",
    "feedback_anonymous",
    "forced_distribution",
    "appeal_reviewer",
)


# --- who may -----------------------------------------------------------------------------


def _require_manager(by) -> None:
    if not allows(by, "manage_cycles"):
        raise Refused(
            _("Only service managers, HR and administrators run appraisal cycles."), code=CYCLE_MANAGERS_ONLY
        )


def manageable_cycles(user):
    """The cycles `user` may open and move on: a cycle manager's role, and every person
    appraised in the cycle within the user's scope (a service manager his part, HR all)."""
    if not allows(user, "manage_cycles"):
        return Cycle.objects.none()
    if scope_for(user).everything:
        return Cycle.objects.all()
    outside = Evaluation.objects.exclude(employee__in=visible_appraisees(user)).values("cycle")
    return Cycle.objects.exclude(pk__in=outside)


def _locked(cycle: Cycle, by) -> Cycle:
    """The cycle row, locked for the move, if `by` may move it; Refused otherwise."""
    _require_manager(by)
    found = manageable_cycles(by).select_for_update().filter(pk=cycle.pk).first()
    if found is None:
        raise Refused(
            _("This cycle appraises people outside your part of the organisation; ask HR to move it."),
            code=CYCLE_SCOPE_REFUSED,
        )
    return found


def _stage_conflict(cycle: Cycle, expected) -> Conflict:
    return Conflict(
        _("The cycle is at the stage “%(stage)s”, not “%(expected)s”; nothing changed. Reload the page.")
        % {"stage": cycle.get_stage_display(), "expected": Cycle.Stage(expected).label},
        code=CYCLE_STAGE,
    )


# --- creation ------------------------------------------------------------------------------


def _check_period(kind: str, period: str, pooling: str) -> str:
    period = (period or "").strip()
    if pooling not in Cycle.Pooling.values:
        raise Invalid(
            _("Choose how a quarter or year is scored: the mean of its months, or recomputed."),
            code=CYCLE_PERIOD_INVALID,
            field="pooling",
        )
    if kind == Cycle.Kind.MONTH and not MONTH_RE.fullmatch(period):
        raise Invalid(
            _("“%(period)s” is not a month: write it as YYYY-MM, e.g. 2026-11.") % {"period": period},
            code=CYCLE_PERIOD_INVALID,
            field="period",
        )
    if kind == Cycle.Kind.QUARTER and not QUARTER_RE.fullmatch(period):
        raise Invalid(
            _("“%(period)s” is not a quarter: write it as YYYY-Qn, e.g. 2026-Q4.") % {"period": period},
            code=CYCLE_PERIOD_INVALID,
            field="period",
        )
    if kind == Cycle.Kind.YEAR and not YEAR_RE.fullmatch(period):
        raise Invalid(
            _("“%(period)s” is not a year: write it as YYYY, e.g. 2026.") % {"period": period},
            code=CYCLE_PERIOD_INVALID,
            field="period",
        )
    if kind not in Cycle.Kind.values:
        raise Invalid(
            _("Choose the cycle's type: month, quarter or year."), code=CYCLE_PERIOD_INVALID, field="kind"
        )
    return period


def _check_deadlines(period: str, deadlines: dict) -> None:
    start = parse_span(period).start.date()
    previous = None
    for name in DEADLINES:
        due = deadlines.get(name)
        if due is None:
            continue
        if due < start or (previous is not None and due < previous):
            raise Invalid(
                _(
                    "The deadlines must follow the stages in order (targets, self review, manager "
                    "review, 360° feedback, calibration), none before the period starts."
                ),
                code=CYCLE_DEADLINES_ORDER,
                field=name,
            )
        previous = due


def _people(by, units, positions, employees) -> list[Employee]:
    """The active employees the scope names, checked against `by`'s scope."""
    unit_ids = {int(pk) for pk in units}
    employee_ids = {int(pk) for pk in employees}
    found_units = list(visible_org_units(by).filter(pk__in=unit_ids))
    if len(found_units) != len(unit_ids):
        raise Refused(
            _(
                "One of the chosen org units is outside your part of the organisation; "
                "choose units within it."
            ),
            code=CYCLE_SCOPE_REFUSED,
            field="units",
        )
    seen = visible_appraisees(by).filter(pk__in=employee_ids)
    if seen.count() != len(employee_ids):
        raise Refused(
            _("One of the chosen people is outside your part of the organisation; choose people within it."),
            code=CYCLE_SCOPE_REFUSED,
            field="employees",
        )
    people = visible_appraisees(by).filter(status=Employee.Status.ACTIVE)
    wanted = Q(pk__in=employee_ids)
    if found_units:
        in_units = Q(pk__in=[])
        for unit in found_units:
            in_units |= Q(org_unit__path__startswith=unit.path)
        if positions:
            in_units &= Q(position__in=list(positions))
        wanted |= in_units
    return list(
        people.filter(wanted).select_related("org_unit", "user").order_by("org_unit__path", "employee_no")
    )


def _reviewers(people: list[Employee], chains: dict) -> dict[int, Employee | None]:
    """employee id → their reviewer: the manager, else the nearest team lead or service
    manager up the org chart; never the person."""
    by_unit: dict[int, list[Employee]] = defaultdict(list)
    for candidate in Employee.objects.filter(
        status=Employee.Status.ACTIVE, position__in=REVIEWER_POSITIONS
    ).order_by("employee_no"):
        by_unit[candidate.org_unit_id].append(candidate)
    managers = {
        m.pk: m
        for m in Employee.objects.filter(
            pk__in={p.manager_id for p in people if p.manager_id}, status=Employee.Status.ACTIVE
        )
    }

    def up_chain(person_id, unit_id):
        for unit in reversed(chains.get(unit_id, [])):
            for candidate in by_unit.get(unit, ()):
                if candidate.pk != person_id:
                    return candidate
        return None

    def reviewer(person_id, manager_id, unit_id):
        manager = managers.get(manager_id)
        if manager is not None and manager.pk != person_id:
            return manager
        return up_chain(person_id, unit_id)

    found = {p.pk: reviewer(p.pk, p.manager_id, p.org_unit_id) for p in people}
    return found


def _second_reviewers(people, reviewers: dict, chains: dict) -> dict[int, Employee | None]:
    """employee id → the reviewer's reviewer, never the person nor the reviewer."""
    first = {r.pk: r for r in reviewers.values() if r is not None}
    above = _reviewers(list(first.values()), chains)
    found = {}
    for person in people:
        reviewer = reviewers.get(person.pk)
        second = above.get(reviewer.pk) if reviewer is not None else None
        found[person.pk] = second if second is not None and second.pk != person.pk else None
    return found


@transaction.atomic
def cycle_create(
    *,
    by,
    name: str,
    kind: str = Cycle.Kind.MONTH,
    period: str,
    units=(),
    positions=(),
    employees=(),
    targets_due: datetime.date | None = None,
    self_review_due: datetime.date | None = None,
    manager_review_due: datetime.date | None = None,
    feedback_due: datetime.date | None = None,
    calibration_due: datetime.date | None = None,
    **settings,
) -> Cycle:
    """Create a draft cycle and one evaluation per person in scope (module docstring for
    the rules), with each person's pinned scheme version and reviewers."""
    _require_manager(by)
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown cycle settings: {sorted(unknown)}")
    name = (name or "").strip()
    if not name:
        raise Invalid(_("Give the cycle a name."), code=CYCLE_NAME_MISSING, field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise Invalid(
            _("The name is longer than %(n)s characters.") % {"n": NAME_MAX_LENGTH},
            code=CYCLE_NAME_MISSING,
            field="name",
        )
    pooling = settings.get("pooling") or (
        Cycle.Pooling.POOLED if kind == Cycle.Kind.QUARTER else Cycle.Pooling.MEAN
    )
    settings["pooling"] = pooling
    period = _check_period(kind, period, pooling)
    deadlines = {
        "targets_due": targets_due,
        "self_review_due": self_review_due,
        "manager_review_due": manager_review_due,
        "feedback_due": feedback_due,
        "calibration_due": calibration_due,
    }
    _check_deadlines(period, deadlines)
    positions = [p for p in positions if p]
    bad_positions = set(positions) - set(Position.values)
    if bad_positions:
        raise Invalid(_("Choose positions from the list."), code=CYCLE_SCOPE_EMPTY, field="positions")
    people = _people(by, units, positions, employees)
    if not people:
        raise Invalid(
            _("The chosen units, positions and people hold nobody to appraise; widen the choice."),
            code=CYCLE_SCOPE_EMPTY,
            field="units",
        )

    versions = active_versions()
    chains, _kinds = unit_chains()
    chosen = {p.pk: version_for(versions, p.position, chains.get(p.org_unit_id, [])) for p in people}
    without = [p for p in people if chosen[p.pk] is None]
    appraised = [p for p in people if chosen[p.pk] is not None]
    if not appraised:
        raise Invalid(
            _("Nobody chosen has an active appraisal template for their position: %(names)s.")
            % {"names": ", ".join(p.name for p in without[:20])},
            code=CYCLE_NO_SCHEME,
            field="positions",
        )
    reviewers = _reviewers(appraised, chains)
    seconds = _second_reviewers(appraised, reviewers, chains) if settings.get("second_level") else {}

    cycle = Cycle(
        name=name,
        kind=kind,
        period=period,
        scope={
            "units": sorted(int(pk) for pk in units),
            "positions": sorted(positions),
            "employees": sorted(int(pk) for pk in employees),
            "without_scheme": [p.pk for p in without],
        },
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **deadlines,
        **settings,
    )
    try:
        cycle.full_clean(exclude=["stage", "scope", "grade_bands", "forced_distribution"])
    except ValidationError as error:
        raise Invalid(
            {name: ValidationError(messages[0]) for name, messages in error.message_dict.items()},
            code="invalid",
        ) from error
    cycle.save()
    per_position = defaultdict(Counter)
    for person in appraised:
        per_position[person.position][chosen[person.pk]] += 1
    CycleVersion.objects.bulk_create(
        CycleVersion(cycle=cycle, position=position, version=counts.most_common(1)[0][0])
        for position, counts in sorted(per_position.items())
    )
    evaluations = Evaluation.objects.bulk_create(
        Evaluation(
            cycle=cycle,
            employee=person,
            position=person.position,
            org_unit_id=person.org_unit_id,
            version=chosen[person.pk],
            reviewer=reviewers.get(person.pk),
            second_reviewer=seconds.get(person.pk),
        )
        for person in appraised
    )
    if not all(e.pk for e in evaluations):  # backends that do not return ids
        evaluations = list(Evaluation.objects.filter(cycle=cycle))
    audit_record(
        actor=by,
        action="cycle.create",
        obj=cycle,
        changes={
            "period": [None, period],
            "evaluations": [None, len(evaluations)],
            "without_scheme": [None, len(without)],
        },
    )
    audit_bulk(
        actor=by,
        action="cycle.evaluation_create",
        objects=evaluations,
        changes_of=lambda e: {"version": [None, e.version_id], "reviewer": [None, e.reviewer_id]},
    )
    return cycle


# --- moving on ----------------------------------------------------------------------------


def pending_step(evaluation: Evaluation, cycle: Cycle) -> str | None:
    """Who must act for the evaluation's own state: "employee", "reviewer",
    "second_reviewer", or None when it waits on nobody in particular."""
    state = evaluation.state
    if state == Evaluation.State.TARGETS:
        return "employee"
    if state == Evaluation.State.SELF_REVIEW and evaluation.self_submitted_at is None:
        return "employee"
    if state == Evaluation.State.MANAGER_REVIEW:
        if evaluation.manager_submitted_at is None:
            return "reviewer"
        if cycle.second_level and evaluation.second_reviewer_id and evaluation.second_submitted_at is None:
            return "second_reviewer"
    return None


def has_left(evaluation: Evaluation) -> bool:
    """Whether the appraised person has left the company (the employee record's status,
    read when asked): their evaluation holds no stage, gets no messages and takes no rank."""
    return evaluation.employee.status == Employee.Status.LEFT


def left_reason() -> str:
    """The reason a leaver's step is skipped with, as the change record keeps it."""
    return _("left the company")


def _moves(cycle: Cycle, evaluations, target: str):
    """[(evaluation, transition name, skipped?)] to bring the evaluations to the cycle's
    stage `target`."""
    moves = []
    for ev in evaluations:
        behind = pending_step(ev, cycle) is not None
        if target == Cycle.Stage.MANAGER_REVIEW and ev.state == Evaluation.State.SELF_REVIEW:
            moves.append((ev, "submit_self_review", behind))
        elif target == Cycle.Stage.FEEDBACK and ev.state in (
            Evaluation.State.SELF_REVIEW,
            Evaluation.State.MANAGER_REVIEW,
        ):
            moves.append((ev, "open_feedback", behind or ev.state == Evaluation.State.SELF_REVIEW))
        elif target == Cycle.Stage.CALIBRATION and ev.state in (
            Evaluation.State.SELF_REVIEW,
            Evaluation.State.MANAGER_REVIEW,
            Evaluation.State.FEEDBACK,
        ):
            moves.append((ev, "to_calibration", behind or ev.state == Evaluation.State.SELF_REVIEW))
    return moves


def _refuse_behind(behind: list[Evaluation], by, reason: str) -> None:
    behind = [ev for ev in behind if not has_left(ev)]  # skipped by themselves (_record_moves)
    if behind and not (allows(by, "skip_stages") and reason.strip()):
        names = ", ".join(ev.employee.name for ev in behind[:10])
        more = len(behind) - 10
        raise Conflict(
            _(
                "%(count)s people have not done this stage's step yet: %(names)s. Wait for them, or "
                "(HR only) skip them with a reason."
            )
            % {"count": len(behind), "names": names + (f" … (+{more})" if more > 0 else "")},
            code=CYCLE_PEOPLE_BEHIND,
            field="reason",
        )


def _record_moves(cycle, moved: list[tuple], by, reason: str, action: str) -> None:
    """Save the moved evaluations' states (bumping their revisions) and write a STAGE or
    SKIP change per evaluation, with the audit entries in bulk."""
    if not moved:
        return
    now = timezone.now()
    changes = []
    left = left_reason()
    for ev, old, skipped in moved:
        changes.append(
            EvaluationChange(
                evaluation=ev,
                kind=EvaluationChange.Kind.SKIP if skipped else EvaluationChange.Kind.STAGE,
                field="state",
                old=old,
                new=ev.state,
                reason=(left if has_left(ev) else reason) if skipped else "",
                by=by if getattr(by, "is_authenticated", False) else None,
                at=now,
            )
        )
    evaluations = [ev for ev, _old, _skipped in moved]
    Evaluation.objects.bulk_update(
        evaluations,
        ["state", "frozen_at", "published_at", "final_at", "confirm_due", "modified"],
        batch_size=500,
    )
    Evaluation.objects.filter(pk__in=[ev.pk for ev in evaluations]).update(revision=F("revision") + 1)
    EvaluationChange.objects.bulk_create(changes, batch_size=1000)
    old_of = {ev.pk: old for ev, old, _skipped in moved}
    skipped_ids = {ev.pk for ev, _old, skipped in moved if skipped}
    audit_bulk(
        actor=by,
        action=action,
        objects=evaluations,
        changes_of=lambda ev: {"state": [old_of[ev.pk], ev.state]},
        reason=(reason or left) if skipped_ids else "",
    )


def _move_cycle(cycle: Cycle, by, transition: str, reason: str = "") -> None:
    old = cycle.stage
    getattr(cycle, transition)()
    cycle.save()
    audit_record(
        actor=by,
        action=f"cycle.{transition}",
        obj=cycle,
        changes={"stage": [old, cycle.stage]},
        reason=reason,
    )


def _evaluations(cycle: Cycle):
    """The cycle's evaluations, locked for the move: a review saved meanwhile waits, then
    finds its revision taken (claim_revision: a conflict, not a lost update)."""
    return list(
        Evaluation.objects.filter(cycle=cycle)
        .select_for_update(of=("self",))
        .select_related("employee__user", "reviewer__user", "second_reviewer__user", "version__template")
        .prefetch_related("version__items")
        .order_by("pk")
    )


@transaction.atomic
def cycle_open(*, cycle: Cycle, by) -> Cycle:
    """Draft → target sign-off: the people see their scheme and targets and are told it is
    their turn."""
    cycle = _locked(cycle, by)
    if cycle.stage != Cycle.Stage.DRAFT:
        raise _stage_conflict(cycle, Cycle.Stage.DRAFT)
    _move_cycle(cycle, by, "open")
    from .cycle_notices import notify_turn

    notify_turn(_evaluations(cycle), Cycle.Stage.TARGETS, by=by, groups=True)
    return cycle


def _freeze_period(cycle: Cycle):
    period = parse_span(cycle.period)
    if period.end > timezone.now():
        raise Conflict(
            _("%(period)s has not ended yet: its figures can be frozen once it is over.")
            % {"period": cycle.period},
            code=CYCLE_PERIOD_RUNNING,
        )
    if scored_from_months(cycle):
        return period  # scored from the months' published results, not from stored figures
    if not ComputedPeriod.objects.filter(period=cycle.period).exists():
        raise Conflict(
            _(
                "The indicator results of %(period)s are not computed yet: recompute them first, e.g. "
                "`servicescore kpi recompute --period %(period)s` (a quarter or year recomputed once "
                "then follows its months)."
            )
            % {"period": cycle.period},
            code=CYCLE_NOT_COMPUTED,
        )
    return period


def _months_to_freeze(cycle: Cycle, evaluations) -> dict[int, list[dict]]:
    """A span scored from its months: each person's published month results, once no
    month cycle of theirs in the span is still running."""
    people = [ev.employee_id for ev in evaluations]
    running = month_cycles_running(cycle, people)
    if running:
        raise Conflict(
            _(
                "These month cycles of %(period)s are not published yet: %(names)s. The %(kind)s is "
                "scored from its months' published results, so publish them first."
            )
            % {
                "period": cycle.period,
                "names": ", ".join(f"{c.name} ({c.period})" for c in running[:10]),
                "kind": cycle.get_kind_display().lower(),
            },
            code=CYCLE_MONTHS_RUNNING,
        )
    return month_results(cycle, people)


def frozen_snapshot(period, evaluations) -> dict[int, tuple[dict, dict]]:
    """evaluation id → (figures {code: [value, numerator, denominator, sample]}, priors
    {code: value}) from the stored results: each person's own (their unit's on a
    unit-subject scheme), the month's manual ratings as the starting values, and their
    service centre's values. A fixed number of queries however many people."""
    lookup = catalog(manual=False) | MANUAL_RATINGS
    people = [ev.employee_id for ev in evaluations]
    codes = {item.indicator for ev in evaluations for item in ev.version.items.all()}
    read = _read_figures(period, people, codes, frozenset())
    unit_codes = {
        item.indicator
        for ev in evaluations
        if ev.version.template.subject == Template.Subject.UNIT
        for item in ev.version.items.all()
        if from_unit(ev.version, lookup.get(item.indicator))
    }
    unit_of = {
        ev.employee_id: ev.org_unit_id
        for ev in evaluations
        if ev.version.template.subject == Template.Subject.UNIT
    }
    pooled = _unit_figures(period, set(unit_of.values()), unit_codes, NOTHING_STORED) if unit_of else {}
    chains, kinds = unit_chains()
    centre_of = centre_of_units(chains, kinds)
    centres = {centre_of.get(ev.org_unit_id) for ev in evaluations} - {None}
    priors_of = _unit_figures(period, centres, codes, NOTHING_STORED)
    goals = goal_figures(evaluations)
    snapshot = {}
    for ev in evaluations:
        mine = dict(read.get(ev.employee_id, {}))
        if ev.employee_id in unit_of:
            theirs = pooled.get(unit_of[ev.employee_id], {})
            for code in unit_codes:
                if code in theirs:
                    mine[code] = theirs[code]
                else:
                    mine.pop(code, None)
        figures = {}
        for item in ev.version.items.all():
            figure = mine.get(item.indicator) or empty_figure(lookup.get(item.indicator))
            figures[item.indicator] = [_plain(v) for v in figure]
        if ev.pk in goals:
            figures[GOAL_ATTAINMENT] = goals[ev.pk]
        prior = {
            code: _plain(figure.value)
            for code, figure in priors_of.get(centre_of.get(ev.org_unit_id), {}).items()
        }
        snapshot[ev.pk] = (figures, prior)
    return snapshot


def _plain(value):
    """A stored number as JSON takes it."""
    if value is None or isinstance(value, int | float):
        return value
    return float(value)


def _cycle_ratings(evaluations) -> dict[int, dict]:
    """evaluation id → the cycle's submitted reviewer ratings as `rescore` takes them, in
    one query (services.evaluations.reviewer_ratings for many)."""
    found: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for ev_id, code, rating in EvaluationRating.objects.filter(
        evaluation__in=[ev.pk for ev in evaluations],
        role__in=[EvaluationRating.Role.MANAGER, EvaluationRating.Role.SECOND],
        submitted_at__isnull=False,
    ).values_list("evaluation", "indicator", "rating"):
        found[ev_id][code].append(rating)
    return {
        ev.pk: {code: Figure(sum(r) / len(r), None, None, len(r)) for code, r in found.get(ev.pk, {}).items()}
        for ev in evaluations
    }


@transaction.atomic
def cycle_freeze(*, cycle: Cycle, by, reason: str = "") -> Cycle:
    """Target sign-off → self review: snapshot each person's stored figures and centre
    priors, score from the snapshot, and start the self reviews. Unsigned targets hold
    the freeze unless HR skips them with a reason."""
    cycle = _locked(cycle, by)
    if cycle.stage != Cycle.Stage.TARGETS:
        raise _stage_conflict(cycle, Cycle.Stage.TARGETS)
    reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    period = _freeze_period(cycle)
    evaluations = _evaluations(cycle)
    for ev in evaluations:
        ev.cycle = cycle
    _refuse_behind([ev for ev in evaluations if ev.state == Evaluation.State.TARGETS], by, reason)
    months = None
    if scored_from_months(cycle):
        months = _months_to_freeze(cycle, evaluations)
        snapshot = {ev.pk: ({}, {}) for ev in evaluations}
    else:
        snapshot = frozen_snapshot(period, evaluations)
    ratings = _cycle_ratings(evaluations)
    indicators = catalog(manual=False) | MANUAL_RATINGS
    moved = []
    for ev in evaluations:
        old = ev.state
        if old not in (Evaluation.State.TARGETS, Evaluation.State.SIGNED):
            continue
        ev.freeze()
        ev.figures, ev.priors = snapshot[ev.pk]
        if months is not None:
            ev.months = months.get(ev.employee_id, [])
        rescore(ev, ratings=ratings[ev.pk], indicators=indicators)
        moved.append((ev, old, old == Evaluation.State.TARGETS))
    Evaluation.objects.bulk_update(
        [ev for ev, _o, _s in moved],
        [
            "figures",
            "priors",
            "months",
            "items",
            "kpi_score",
            "manual_score",
            "kpi_points",
            "kpi_error",
            "base_score",
            "final_score",
            "grade",
            "vetoed",
            "insufficient_data",
        ],
        batch_size=500,
    )
    now = timezone.now()
    EvaluationChange.objects.bulk_create(
        (
            EvaluationChange(
                evaluation=ev,
                kind=EvaluationChange.Kind.FREEZE,
                field="final_score",
                old=None,
                new={"final_score": ev.final_score, "grade": ev.grade},
                by=by if getattr(by, "is_authenticated", False) else None,
                at=now,
            )
            for ev, _o, _s in moved
        ),
        batch_size=1000,
    )
    _move_cycle(cycle, by, "freeze", reason)
    _record_moves(cycle, moved, by, reason, "cycle.freeze")
    from .cycle_notices import notify_turn

    notify_turn([ev for ev, _o, _s in moved], Cycle.Stage.SELF_REVIEW, by=by, groups=True)
    return cycle


# stage → (the cycle's transition, the stages it may go to)
NEXT_STAGES = {
    Cycle.Stage.SELF_REVIEW: (Cycle.Stage.MANAGER_REVIEW,),
    Cycle.Stage.MANAGER_REVIEW: (Cycle.Stage.FEEDBACK, Cycle.Stage.CALIBRATION),
    Cycle.Stage.FEEDBACK: (Cycle.Stage.CALIBRATION,),
}
CYCLE_TRANSITIONS = {
    Cycle.Stage.MANAGER_REVIEW: "start_manager_review",
    Cycle.Stage.FEEDBACK: "start_feedback",
    Cycle.Stage.CALIBRATION: "start_calibration",
}


@transaction.atomic
def cycle_advance(*, cycle: Cycle, by, reason: str = "", to: str | None = None) -> Cycle:
    """Self review → manager review → 360° feedback → calibration (or manager review
    straight to calibration with `to`): the evaluations follow; those whose step is not
    done hold the cycle unless HR skips them with a reason."""
    cycle = _locked(cycle, by)
    allowed = NEXT_STAGES.get(cycle.stage)
    if not allowed:
        raise _stage_conflict(cycle, Cycle.Stage.SELF_REVIEW)
    target = to or allowed[0]
    if target not in allowed:
        raise Conflict(
            _("The cycle cannot move from “%(stage)s” to that stage.") % {"stage": cycle.get_stage_display()},
            code=CYCLE_STAGE,
        )
    reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    evaluations = _evaluations(cycle)
    moves = _moves(cycle, evaluations, target)
    _refuse_behind([ev for ev, _t, skipped in moves if skipped], by, reason)
    moved = []
    for ev, transition, skipped in moves:
        old = ev.state
        if transition == "open_feedback" and old == Evaluation.State.SELF_REVIEW:
            ev.submit_self_review()
        elif transition == "to_calibration" and old == Evaluation.State.SELF_REVIEW:
            ev.submit_self_review()
        getattr(ev, transition)()
        moved.append((ev, old, skipped))
    _move_cycle(cycle, by, CYCLE_TRANSITIONS[target], reason)
    _record_moves(cycle, moved, by, reason, f"cycle.{CYCLE_TRANSITIONS[target]}")
    if target == Cycle.Stage.MANAGER_REVIEW:
        from .cycle_notices import notify_turn

        notify_turn([ev for ev, _o, _s in moved], Cycle.Stage.MANAGER_REVIEW, by=by, groups=True)
    return cycle


def competition_ranks(scored: list[tuple[int, float]]) -> dict[int, int]:
    """id → rank by score, highest first; ties share a rank and the next rank skips
    (1, 1, 3)."""
    ranks, previous, rank = {}, None, 0
    for index, (pk, value) in enumerate(sorted(scored, key=lambda pair: (-pair[1], pair[0])), start=1):
        if value != previous:
            rank, previous = index, value
        ranks[pk] = rank
    return ranks


def _rank(evaluations) -> None:
    """Set rank_in_position, rank_in_centre and ranked_among on the evaluations: by final
    score within the cycle and position, and within position and service centre; people
    who have left take no rank and do not count among the ranked."""
    chains, kinds = unit_chains()
    centre_of = centre_of_units(chains, kinds)
    by_position, by_centre = defaultdict(list), defaultdict(list)
    for ev in evaluations:
        ev.rank_in_position = ev.rank_in_centre = ev.ranked_among = None
        if ev.final_score is None or has_left(ev):
            continue
        by_position[ev.position].append((ev.pk, ev.final_score))
        by_centre[ev.position, centre_of.get(ev.org_unit_id)].append((ev.pk, ev.final_score))
    position_ranks = {
        pk: rank for group in by_position.values() for pk, rank in competition_ranks(group).items()
    }
    centre_ranks = {pk: rank for group in by_centre.values() for pk, rank in competition_ranks(group).items()}
    for ev in evaluations:
        if ev.pk in position_ranks:
            ev.rank_in_position = position_ranks[ev.pk]
            ev.rank_in_centre = centre_ranks[ev.pk]
            ev.ranked_among = len(by_position[ev.position])


@transaction.atomic
def cycle_publish(*, cycle: Cycle, by, reason: str = "") -> Cycle:
    """Calibration → published (HR): rank everyone, open each person's window to confirm
    or appeal (the cycle's working days), and tell each person."""
    if not allows(by, "publish_cycles"):
        raise Refused(_("Only HR and administrators publish and close cycles."), code=CYCLE_PUBLISHERS_ONLY)
    cycle = _locked(cycle, by)
    if cycle.stage != Cycle.Stage.CALIBRATION:
        raise _stage_conflict(cycle, Cycle.Stage.CALIBRATION)
    reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    evaluations = _evaluations(cycle)
    behind = [
        ev
        for ev in evaluations
        if ev.state in (Evaluation.State.SELF_REVIEW, Evaluation.State.MANAGER_REVIEW)
    ]
    _refuse_behind(behind, by, reason)
    _rank(evaluations)
    now = timezone.now()
    confirm_due = add_working_days(now, cycle.confirm_days)
    moved = []
    for ev in evaluations:
        old = ev.state
        if old == Evaluation.State.SELF_REVIEW:
            ev.submit_self_review()
        if ev.state == Evaluation.State.MANAGER_REVIEW:
            ev.to_calibration()
        if ev.state != Evaluation.State.CALIBRATION:
            continue
        ev.publish()
        ev.confirm_due = confirm_due
        moved.append((ev, old, old != Evaluation.State.CALIBRATION and old != Evaluation.State.FEEDBACK))
    Evaluation.objects.bulk_update(
        evaluations, ["rank_in_position", "rank_in_centre", "ranked_among"], batch_size=500
    )
    _move_cycle(cycle, by, "publish", reason)
    _record_moves(cycle, moved, by, reason, "cycle.publish")
    from .cycle_notices import notify_published

    notify_published([ev for ev, _o, _s in moved], by=by)
    return cycle


@transaction.atomic
def cycle_close(*, cycle: Cycle, by, reason: str = "") -> Cycle:
    """Published → closed (HR), once every result is final; with a reason HR finalises
    the results still open (unconfirmed, or under appeal)."""
    if not allows(by, "publish_cycles"):
        raise Refused(_("Only HR and administrators publish and close cycles."), code=CYCLE_PUBLISHERS_ONLY)
    cycle = _locked(cycle, by)
    if cycle.stage != Cycle.Stage.PUBLISHED:
        raise _stage_conflict(cycle, Cycle.Stage.PUBLISHED)
    reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    evaluations = _evaluations(cycle)
    open_ones = [
        ev for ev in evaluations if ev.state in (Evaluation.State.PUBLISHED, Evaluation.State.APPEALED)
    ]
    # A leaver's unconfirmed result holds nothing; an appeal they filed still does.
    holding = [ev for ev in open_ones if ev.state == Evaluation.State.APPEALED or not has_left(ev)]
    if holding and not reason:
        raise Conflict(
            _(
                "%(count)s results are not final yet (not confirmed, or under appeal): %(names)s. Wait for "
                "them, or give a reason to finalise them now."
            )
            % {"count": len(holding), "names": ", ".join(ev.employee.name for ev in holding[:10])},
            code=CYCLE_PEOPLE_BEHIND,
            field="reason",
        )
    moved = []
    for ev in open_ones:
        old = ev.state
        ev.finalise()
        moved.append((ev, old, True))
    _move_cycle(cycle, by, "close", reason)
    _record_moves(cycle, moved, by, reason, "cycle.close")
    return cycle


def cycle_history_labels() -> None:
    """How the audit history names the cycles' actions and changes (AppConfig.ready)."""
    from django.utils.translation import gettext_lazy

    from servicescore.core.history import register_history_labels

    moves = {
        "cycle.open": gettext_lazy("cycle opened"),
        "cycle.freeze": gettext_lazy("figures frozen and scored"),
        "cycle.start_manager_review": gettext_lazy("manager reviews started"),
        "cycle.start_feedback": gettext_lazy("360° feedback started"),
        "cycle.start_calibration": gettext_lazy("calibration started"),
        "cycle.publish": gettext_lazy("results published"),
        "cycle.close": gettext_lazy("cycle closed"),
    }
    register_history_labels(
        Cycle,
        actions={"cycle.create": gettext_lazy("cycle created"), **moves},
        changes={
            "evaluations": gettext_lazy("evaluations"),
            "without_scheme": gettext_lazy("left out without a template"),
        },
        values={"stage": dict(Cycle.Stage.choices)},
    )
    register_history_labels(
        Evaluation,
        actions={"cycle.evaluation_create": gettext_lazy("evaluation created"), **moves},
        values={"state": dict(Evaluation.State.choices)},
    )
