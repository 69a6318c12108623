"""What the cycle pages read: the cycles a user may open with their counts, one cycle,
and its progress board (evaluations by state × service centre, late people by name) —
always within the user's scope (selectors/evaluations.py), in a fixed number of queries
however many people the cycle appraises."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from servicescore.core.errors import NotFound
from servicescore.core.periods import local_today
from servicescore.kpi.services.recompute import unit_chains
from servicescore.org.models import Employee, OrgUnit

from ..models import Cycle, Evaluation
from ..people_scoring import centre_of_units
from ..policy import allows
from .evaluations import readable_cycles, readable_evaluations

# The evaluation states in the order the board shows them.
BOARD_STATES = [
    Evaluation.State.TARGETS,
    Evaluation.State.SIGNED,
    Evaluation.State.SELF_REVIEW,
    Evaluation.State.MANAGER_REVIEW,
    Evaluation.State.FEEDBACK,
    Evaluation.State.CALIBRATION,
    Evaluation.State.PUBLISHED,
    Evaluation.State.APPEALED,
    Evaluation.State.FINAL,
]
# The cycle's stages with their deadline fields, for the timeline.
TIMELINE = [
    (Cycle.Stage.DRAFT, None),
    (Cycle.Stage.TARGETS, "targets_due"),
    (Cycle.Stage.SELF_REVIEW, "self_review_due"),
    (Cycle.Stage.MANAGER_REVIEW, "manager_review_due"),
    (Cycle.Stage.FEEDBACK, "feedback_due"),
    (Cycle.Stage.CALIBRATION, "calibration_due"),
    (Cycle.Stage.PUBLISHED, None),
    (Cycle.Stage.CLOSED, None),
]
# The late people the board names (the count says how many more there are): a centre
# that has not started shows its whole staff, and the page must stay quick.
LATE_SHOWN = 50
# An evaluation's state → the deadline of the step it waits on.
STEP_DUE = {
    Evaluation.State.TARGETS: "targets_due",
    Evaluation.State.SELF_REVIEW: "self_review_due",
    Evaluation.State.MANAGER_REVIEW: "manager_review_due",
}


def evaluation_link(pk: int) -> str:
    """The evaluation page's path (the reviews' page, appraisal:evaluation)."""
    try:
        return reverse("appraisal:evaluation", args=[pk])
    except NoReverseMatch:
        return f"/appraisal/evaluations/{pk}/"


def may_open_cycle_pages(user) -> bool:
    """Whether the navigation offers the cycles pages and they open for the user."""
    return allows(user, "manage_cycles") or allows(user, "read_cycle_results")


def cycle_list(user) -> list[Cycle]:
    """The cycles the user may read, newest period first, each with `people` (in the
    user's scope) and `done` (published, appealed or final) counts. Two queries."""
    cycles = list(readable_cycles(user).select_related("created_by").order_by("-period", "-pk"))
    counts = (
        readable_evaluations(user)
        .filter(cycle__in=[c.pk for c in cycles])
        .values("cycle")
        .annotate(
            people=Count("pk"),
            done=Count(
                "pk",
                filter=Q(
                    state__in=[Evaluation.State.PUBLISHED, Evaluation.State.APPEALED, Evaluation.State.FINAL]
                ),
            ),
        )
    )
    by_cycle = {row["cycle"]: row for row in counts}
    for cycle in cycles:
        row = by_cycle.get(cycle.pk, {})
        cycle.people, cycle.done = row.get("people", 0), row.get("done", 0)
        cycle.next_due = next_due(cycle)
    return cycles


def next_due(cycle: Cycle) -> datetime.date | None:
    """The deadline of the cycle's current stage (None: none set, or none for the stage)."""
    name = dict(TIMELINE).get(cycle.stage)
    return getattr(cycle, name) if name else None


def cycle_for(user, pk) -> Cycle:
    """The cycle `pk` if the user may read it; NotFound otherwise."""
    found = readable_cycles(user).select_related("created_by", "appeal_reviewer").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such appraisal cycle."))
    return found


@dataclass
class LatePerson:
    evaluation_id: int
    link: str
    name: str
    employee_no: str
    state_label: str
    due: datetime.date
    actor: str  # who must act: their name
    actor_role: str  # "employee", "reviewer", "second_reviewer"


@dataclass
class Board:
    """A cycle's progress within the reader's scope."""

    states: list  # [(state, label)]
    rows: list  # [{"unit": name, "counts": [n per state], "total": n}]
    totals: list
    total: int
    late: list = field(default_factory=list)  # the first LATE_SHOWN, by name
    late_total: int = 0
    without_scheme: list = field(default_factory=list)


def late_filter(cycle: Cycle, today: datetime.date) -> Q:
    """The evaluations whose step's deadline has passed and whose step is not done."""
    late = Q(pk__in=[])
    if cycle.stage in (Cycle.Stage.DRAFT, Cycle.Stage.PUBLISHED, Cycle.Stage.CLOSED):
        return late
    for state, name in STEP_DUE.items():
        due = getattr(cycle, name)
        if due is None or due >= today:
            continue
        if state == Evaluation.State.TARGETS:
            late |= Q(state=state)
        elif state == Evaluation.State.SELF_REVIEW:
            late |= Q(state=state, self_submitted_at__isnull=True)
        else:
            mine = Q(state=state, manager_submitted_at__isnull=True)
            if cycle.second_level:
                mine |= Q(state=state, second_reviewer__isnull=False, second_submitted_at__isnull=True)
            late |= mine
    return late


def cycle_progress(user, cycle: Cycle, *, today: datetime.date | None = None) -> Board:
    """The board: the user's readable evaluations of the cycle counted by state and
    service centre, the late people with who must act, and the people left out for want
    of a scheme (within the user's scope). Six queries however many people."""
    from ..services.cycles import pending_step

    today = today or local_today()
    evaluations = readable_evaluations(user).filter(cycle=cycle)
    counts = evaluations.order_by().values("org_unit", "state").annotate(n=Count("pk"))
    chains, kinds = unit_chains()
    centre_of = centre_of_units(chains, kinds)
    grid: dict[int | None, dict[str, int]] = {}
    for row in counts:
        centre = centre_of.get(row["org_unit"]) or row["org_unit"]
        cell = grid.setdefault(centre, {})
        cell[row["state"]] = cell.get(row["state"], 0) + row["n"]
    names = dict(OrgUnit.objects.filter(pk__in=[pk for pk in grid if pk]).values_list("pk", "name"))
    rows = []
    for centre, cell in sorted(grid.items(), key=lambda pair: names.get(pair[0], "")):
        counts_row = [cell.get(state, 0) for state in BOARD_STATES]
        rows.append({"unit": names.get(centre, "—"), "counts": counts_row, "total": sum(counts_row)})
    totals = [sum(row["counts"][i] for row in rows) for i in range(len(BOARD_STATES))]
    # Only the states someone is in: the board stays narrow enough for a phone.
    shown = [i for i, total in enumerate(totals) if total]
    for row in rows:
        row["counts"] = [row["counts"][i] for i in shown]
    late = []
    # Leavers hold nothing, so they are never late (services/cycles.py, Leavers).
    late_rows = evaluations.filter(late_filter(cycle, today)).exclude(employee__status=Employee.Status.LEFT)
    late_total = late_rows.count()
    for ev in (
        late_rows.select_related("employee", "reviewer", "second_reviewer")
        .defer(*SNAPSHOT_FIELDS)
        .order_by("pk")[:LATE_SHOWN]  # org-chart order, as the list below
    ):
        ev.cycle = cycle
        actor_role = pending_step(ev, cycle)
        if actor_role is None:
            continue
        actor = ev.employee if actor_role == "employee" else getattr(ev, actor_role)
        late.append(
            LatePerson(
                evaluation_id=ev.pk,
                link=evaluation_link(ev.pk),
                name=ev.employee.name,
                employee_no=ev.employee.employee_no,
                state_label=ev.get_state_display(),
                due=getattr(cycle, STEP_DUE[ev.state]),
                actor=actor.name if actor is not None else _("nobody named"),
                actor_role=actor_role,
            )
        )
    left_out = (cycle.scope or {}).get("without_scheme") or []
    without = []
    if left_out:
        from servicescore.org.scope import visible_appraisees

        without = list(
            visible_appraisees(user).filter(pk__in=left_out).order_by("name").values_list("name", "position")
        )
        positions = dict(Employee._meta.get_field("position").choices)
        without = [(name, positions.get(position, position)) for name, position in without]
    return Board(
        states=[(BOARD_STATES[i], Evaluation.State(BOARD_STATES[i]).label) for i in shown],
        rows=rows,
        totals=[totals[i] for i in shown],
        total=sum(totals),
        late=late,
        late_total=late_total,
        without_scheme=without,
    )


# An evaluation's frozen figures and scored lines: kilobytes each, which no list shows.
SNAPSHOT_FIELDS = ("figures", "priors", "items", "targets")


def cycle_evaluations(user, cycle: Cycle):
    """The cycle's evaluations the user may read, with their people and reviewers, for
    the cycle page's paged list (a queryset; `with_links` adds each one's `link`)."""
    return (
        readable_evaluations(user)
        .filter(cycle=cycle)
        .select_related("employee", "org_unit", "reviewer")
        .defer(*SNAPSHOT_FIELDS)
        .order_by("pk")  # created in org-chart order (unit path, employee no.): no sort of the cycle
    )


def with_links(evaluations) -> list[Evaluation]:
    """The evaluations, each with `link` to its page."""
    found = list(evaluations)
    for ev in found:
        ev.link = evaluation_link(ev.pk)
    return found


def timeline(cycle: Cycle) -> list[dict]:
    """The stages with their deadlines and whether each is done, current or to come."""
    order = [stage for stage, _name in TIMELINE]
    current = order.index(cycle.stage)
    return [
        {
            "stage": stage,
            "label": Cycle.Stage(stage).label,
            "due": getattr(cycle, name) if name else None,
            "state": "done" if i < current else "current" if i == current else "todo",
        }
        for i, (stage, name) in enumerate(TIMELINE)
    ]
