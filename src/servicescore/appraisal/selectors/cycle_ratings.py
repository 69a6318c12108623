"""What the team rating screen of a cycle reads, /appraisal/cycles/<pk>/ratings/: one row
per person whose review the user still owes in the cycle (services.cycle_ratings
`open_reviews`), each with the manual items of that person's scheme version, prefilled
with the user's own cycle ratings (draft or not), else — in a monthly cycle — the rating
the user gave for the month on the day-one rating screen (carried in, as on the
evaluation page), and each item's starting value frozen at the freeze (what counts until
the review is submitted).

Only the user's own ratings are read: never the employee's self ratings nor another
reviewer's, so the hidden-ratings rule of the evaluation page holds here too.

Who opens it: a user who reviews someone in the cycle, and those who open the cycle pages
(HR, service managers: an empty screen when they review no one there); anyone else gets
404, like a cycle out of reach. A fixed number of queries, however many rows."""

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from servicescore.core.errors import NotFound
from servicescore.kpi.models import ManualRating
from servicescore.org.scope import employee_of

from ..models import Cycle, Evaluation, EvaluationRating
from ..services.cycle_ratings import REVIEW_ROLES, open_reviews, reviewed_by
from ..services.reviews import REVIEW_STAGES, manual_items, review_role
from .cycles import may_open_cycle_pages
from .evaluations import readable_evaluations


@dataclass
class TeamCell:
    """One manual item of one person: the rating and comment shown (stored, carried in
    from the month, or as just posted), the frozen starting value and the errors on it."""

    code: str
    label: str
    weight: object
    rating: str = ""
    comment: str = ""
    carried: bool = False
    starting: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def starting_text(self) -> str:
        """The starting value as people read it: 4.5, 3.67, 4."""
        return "" if self.starting is None else f"{round(self.starting, 2):g}"


@dataclass
class TeamRow:
    """One person: the evaluation, the user's role in its review, the cells, whether a
    draft is stored and the problems that belong to no cell."""

    evaluation: Evaluation
    role: str
    cells: list[TeamCell]
    drafted: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def second(self) -> bool:
        return self.role == EvaluationRating.Role.SECOND

    @property
    def may_submit(self) -> bool:
        return self.evaluation.state == Evaluation.State.MANAGER_REVIEW

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(cell.errors for cell in self.cells)


def _starting(evaluation: Evaluation, code: str) -> float | None:
    """The item's frozen value (the month's rating carried in at the freeze), if any."""
    stored = (evaluation.figures or {}).get(code)
    if not stored or stored[0] is None:
        return None
    return float(stored[0])


def cycle_rating_screen(user, pk) -> dict:
    """The screen's rows for `user` in cycle `pk`; NotFound when the cycle is out of reach
    or the user neither reviews anyone in it nor opens the cycle pages."""
    readable = readable_evaluations(user)
    cycle = Cycle.objects.filter(pk=pk, pk__in=readable.values("cycle")).first()
    if cycle is None:
        raise NotFound(_("No such cycle."))
    me = employee_of(user)
    counts = {"total": 0}
    evaluations = []
    if me is not None:
        counts = reviewed_by(user, me, cycle, readable=readable).aggregate(total=Count("pk"))
        if counts["total"]:
            evaluations = list(
                open_reviews(user, me, cycle, readable=readable)
                .select_related("employee__org_unit", "version")
                .prefetch_related("version__items")
                .order_by("employee__org_unit__path", "employee__name", "employee__employee_no")
            )
    if not counts["total"] and not may_open_cycle_pages(user):
        raise NotFound(_("No such cycle."))
    for evaluation in evaluations:
        evaluation.cycle = cycle
    return {
        "cycle": cycle,
        "rows": _rows(cycle, me, evaluations),
        "total": counts["total"],
        "review_open": cycle.stage in REVIEW_STAGES,
        "reviewer": me,
    }


def _rows(cycle: Cycle, me, evaluations: list[Evaluation]) -> list[TeamRow]:
    """The rows of these evaluations: two queries (the user's cycle ratings, and in a
    monthly cycle his ratings of the month)."""
    if not evaluations:
        return []
    ids = [ev.pk for ev in evaluations]
    stored: dict[tuple[int, str], dict[str, tuple[int, str]]] = {}
    for ev_id, role, code, rating, comment in EvaluationRating.objects.filter(
        evaluation__in=ids, rater=me, role__in=REVIEW_ROLES
    ).values_list("evaluation", "role", "indicator", "rating", "comment"):
        stored.setdefault((ev_id, role), {})[code] = (rating, comment)
    month: dict[tuple[int, str], tuple[int, str]] = {}
    if cycle.kind == Cycle.Kind.MONTH:
        for employee, code, rating, comment in ManualRating.objects.filter(
            period=cycle.period, reviewer=me, employee__in=[ev.employee_id for ev in evaluations]
        ).values_list("employee", "indicator", "rating", "comment"):
            month[employee, code] = (rating, comment)
    rows = []
    for evaluation in evaluations:
        role = review_role(evaluation, me)
        own = stored.get((evaluation.pk, role), {})
        cells = []
        for item in manual_items(evaluation):
            given = own.get(item.indicator)
            carried = None if own else month.get((evaluation.employee_id, item.indicator))
            rating, comment = given or carried or (None, "")
            cells.append(
                TeamCell(
                    code=item.indicator,
                    label=item.label,
                    weight=item.weight,
                    rating="" if rating is None else str(rating),
                    comment=comment,
                    carried=carried is not None,
                    starting=_starting(evaluation, item.indicator),
                )
            )
        rows.append(TeamRow(evaluation=evaluation, role=role, cells=cells, drafted=bool(own)))
    return rows


def reviews_to_write(user, me, cycle: Cycle) -> int:
    """How many reviews `me` still owes in the cycle (for the links to the screen)."""
    return open_reviews(user, me, cycle).count()
