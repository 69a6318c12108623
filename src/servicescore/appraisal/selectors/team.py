"""Reads of the team view: the scorecards of the people in the user's scope for a period,
sorted and paged, with the grade distribution. A fixed number of queries, however many
people; an org unit out of scope is 404.

It opens on the newest complete period (a running month is provisional). Scorecards
without a grade because their data is insufficient or their month provisional are
counted apart from the grade distribution, left out of the mean and sorted last by the
score columns (kpi-library.md, Scoring)."""

import re

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


def _team_cards(user, period_code: str | None, org_unit):
    """(the periods with scorecards, the period shown, the org unit or None, its
    scorecards in the user's scope). 404 for a role without a team or an org unit out of
    scope; ValueError for a malformed period."""
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
    cards = Scorecard.objects.filter(employee__in=visible_appraisees(user), period=period or "")
    if unit is not None:
        cards = cards.filter(employee__org_unit__path__startswith=unit.path)
    return periods, period, unit, cards


def _sorted_rows(cards, sort: str):
    return (
        cards.select_related("employee", "version__template")
        .annotate(
            centre_name=_centre_name(),
            grade_rank=_grade_rank(),
            apart=Case(When(APART, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .order_by(*_order_by(sort))
    )


# The grade filter's values for the scorecards counted apart (the home page's score panel
# links to them); any other value is a grade.
GRADE_FILTER_APART = {"provisional": PROVISIONAL, "insufficient": INSUFFICIENT}
GRADE_RE = re.compile(r"[A-Za-z0-9+-]{1,10}")


def team_grade(grade: str | None) -> str:
    """A valid grade filter ('A', 'provisional', 'insufficient'), or '' for none: a
    malformed value is ignored, like the other filters of a link."""
    grade = (grade or "").strip()
    return grade if grade in GRADE_FILTER_APART or GRADE_RE.fullmatch(grade) else ""


def _of_grade(cards, grade: str):
    """The scorecards of one grade (graded ones only), or of one kind counted apart."""
    if not grade:
        return cards
    if grade in GRADE_FILTER_APART:
        return cards.filter(GRADE_FILTER_APART[grade])
    return cards.filter(grade=grade).exclude(APART)


def team_export(user, period_code: str | None, *, org_unit=None, sort: str | None = None, grade=None) -> dict:
    """Every scorecard of the team view (same scope, filters and order; not paged) for the
    Excel export: {"period", "org_unit", "scorecards"}. The same 404s and ValueError as
    `team_scorecards`; a fixed number of queries."""
    _periods, period, unit, cards = _team_cards(user, period_code, org_unit)
    rows = _sorted_rows(_of_grade(cards, team_grade(grade)), team_sort(sort))
    return {"period": period, "org_unit": unit, "scorecards": list(rows)}


def team_scorecards(
    user, period_code: str | None, *, org_unit=None, sort: str | None = None, page=None, grade=None
) -> dict:
    """The scorecards of the people in the user's scope (optionally one org unit's subtree)
    for a period: one sorted page, the grade distribution and the mean final score. 404
    for a role without a team or an org unit out of scope; ValueError for a malformed
    period. A fixed number of queries, however many people."""
    periods, period, unit, cards = _team_cards(user, period_code, org_unit)
    sort = team_sort(sort)
    grade = team_grade(grade)
    rows = _sorted_rows(_of_grade(cards, grade), sort)
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
        "grade": grade,
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
