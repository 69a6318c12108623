"""Reads of the team view: the scorecards of the people in the user's scope for a period,
sorted and paged, with the grade distribution. A fixed number of queries, however many
people; an org unit out of scope is 404.

It opens on the newest complete period (a running month is provisional). Scorecards
without a grade because their data is insufficient or their month provisional are
counted apart from the grade distribution, left out of the mean and sorted last by the
score columns (kpi-library.md, Scoring)."""

from django.core.paginator import Paginator
from django.db.models import Avg, Case, Count, F, IntegerField, Q, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from servicescore.core.periods import parse_period
from servicescore.kpi.selectors import figures_status
from servicescore.org.models import OrgUnit
from servicescore.org.scope import visible_appraisal_units, visible_appraisees

from ..models import DEFAULT_GRADE_BANDS, Scorecard
from ..policy import may_see_team
from .coverage import unscored_count
from .scorecards import default_period, newest_first, running

TEAM_PER_PAGE = 50


def _centre_name():
    """The name of the service centre at or above the employee's unit, for sorting."""
    centre = OrgUnit.Kind.SERVICE_CENTER
    return Case(
        When(employee__org_unit__kind=centre, then=F("employee__org_unit__name")),
        When(employee__org_unit__parent__kind=centre, then=F("employee__org_unit__parent__name")),
        When(
            employee__org_unit__parent__parent__kind=centre,
            then=F("employee__org_unit__parent__parent__name"),
        ),
        default=Value(""),
    )


def _grade_rank():
    order = [band["grade"] for band in DEFAULT_GRADE_BANDS]
    return Case(
        *[When(grade=grade, then=Value(n)) for n, grade in enumerate(order)],
        default=Value(len(order)),
        output_field=IntegerField(),
    )


# sort key → the columns it orders by (the employee number breaks ties).
TEAM_SORTS = {
    "name": ("employee__name",),
    "position": ("employee__position",),
    "centre": ("centre_name",),
    "base": ("base_score",),
    "adjustment": ("adjustment",),
    "final": ("final_score",),
    "grade": ("grade_rank",),
    "vetoed": ("vetoed",),
}
DEFAULT_TEAM_SORT = "-final"
# Sorting by these puts the scorecards counted apart (no grade: insufficient data or a
# provisional month) after the others.
APART_LAST = {"base", "adjustment", "final", "grade", "vetoed"}
# Scorecards without a grade because of too little data, or of a month still running.
INSUFFICIENT = Q(grade="", insufficient_data=True)
PROVISIONAL = Q(grade="", provisional=True, insufficient_data=False)
APART = INSUFFICIENT | PROVISIONAL


def team_sort(sort: str | None) -> str:
    """A valid sort key ('final', '-final', …); anything else is the default."""
    sort = (sort or "").strip()
    return sort if sort.lstrip("-") in TEAM_SORTS else DEFAULT_TEAM_SORT


def _order_by(sort: str) -> list:
    descending = sort.startswith("-")
    columns = [F("apart").asc()] if sort.lstrip("-") in APART_LAST else []
    for name in TEAM_SORTS[sort.lstrip("-")]:
        column = F(name)
        columns.append(column.desc(nulls_last=True) if descending else column.asc(nulls_last=True))
    return columns + ["employee__employee_no", "pk"]


def team_periods(user) -> list[str]:
    """The periods that have scorecards of people the user may see, newest first."""
    return newest_first(
        Scorecard.objects.filter(employee__in=visible_appraisees(user))
        .order_by()
        .values_list("period", flat=True)
        .distinct()
    )


def grade_order(grades) -> list[str]:
    """The grades in the default band order (S, A, B, C, D), any others after them."""
    known = [band["grade"] for band in DEFAULT_GRADE_BANDS]
    return sorted(grades, key=lambda g: (known.index(g) if g in known else len(known), g))


def team_scorecards(
    user, period_code: str | None, *, org_unit=None, sort: str | None = None, page=None
) -> dict:
    """The scorecards of the people in the user's scope (optionally one org unit's subtree)
    for a period: one sorted page, the grade distribution and the mean final score. 404
    for a role without a team or an org unit out of scope; ValueError for a malformed
    period. A fixed number of queries, however many people."""
    if not may_see_team(user):
        raise Http404
    periods = team_periods(user)
    if period_code:
        period = parse_period(period_code).code
    else:
        period = default_period(periods)
    unit = None
    if org_unit not in (None, ""):
        try:
            unit_id = int(org_unit)
        except (TypeError, ValueError):
            raise Http404 from None
        unit = visible_appraisal_units(user).filter(pk=unit_id).first()
        if unit is None:
            raise Http404
    sort = team_sort(sort)
    cards = Scorecard.objects.filter(employee__in=visible_appraisees(user), period=period or "")
    if unit is not None:
        cards = cards.filter(employee__org_unit__path__startswith=unit.path)
    rows = (
        cards.select_related("employee", "version__template")
        .annotate(
            centre_name=_centre_name(),
            grade_rank=_grade_rank(),
            apart=Case(When(APART, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .order_by(*_order_by(sort))
    )
    paginator = Paginator(rows, TEAM_PER_PAGE)
    page_obj = paginator.get_page(page)
    graded = cards.exclude(APART)
    counts = {row["grade"]: row["n"] for row in graded.order_by().values("grade").annotate(n=Count("pk"))}
    summary = cards.aggregate(
        mean=Avg("final_score", filter=~APART),
        vetoed=Count("pk", filter=Q(vetoed=True)),
        insufficient=Count("pk", filter=INSUFFICIENT),
        provisional=Count("pk", filter=PROVISIONAL),
    )
    distribution = [
        {"grade": grade or _("No score"), "count": counts[grade]} for grade in grade_order(counts)
    ]
    units = list(visible_appraisal_units(user).order_by("path"))
    top = min((u.path.count("/") for u in units), default=0)
    for u in units:
        u.indent = "\u00a0" * 3 * (u.path.count("/") - top)
    return {
        "period": period,
        "periods": periods,
        "figures": figures_status(user, period),
        "org_unit": unit,
        "org_units": units,
        "sort": sort,
        "page_obj": page_obj,
        "count": paginator.count,
        "distribution": distribution,
        "mean_final": summary["mean"],
        "vetoed_count": summary["vetoed"],
        "insufficient_count": summary["insufficient"],
        "provisional_count": summary["provisional"],
        # People no active scheme scores are on no scorecard: say so (selectors/coverage.py).
        "unscored_count": unscored_count(user),
        "running": bool(period) and running(period),
        "running_periods": {code for code in periods if running(code)},
    }
