"""Reads of the rating page: whom a reviewer may rate for a month (org.scope's
`visible_appraisees`, less the reviewer, through policy.may_rate), the manual items of
the scheme that scores each of them (appraisal/people_scoring.py: the active version,
or for a finished month the version an existing scorecard was scored with), and the
ratings already given — the reviewer's own to edit, the other reviewers' as a count and
a mean. A fixed number of queries, however many people."""

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.errors import Invalid
from servicescore.core.periods import Period, parse_period
from servicescore.kpi.errors import PERIOD_FORMAT
from servicescore.kpi.models import ManualRating
from servicescore.kpi.registry import MANUAL_RATINGS
from servicescore.kpi.selectors import indicator_name
from servicescore.kpi.services.recompute import unit_chains
from servicescore.org.models import Employee
from servicescore.org.scope import employee_of, visible_appraisal_units, visible_appraisees

from ..errors import RATING_FUTURE_PERIOD
from ..models import Scorecard, TemplateItem, TemplateVersion
from ..people_scoring import active_versions, version_for
from ..policy import may_rate

RATEES_PER_PAGE = 40


def rating_month(code: str | None, *, now: datetime.datetime | None = None) -> Period:
    """The month `code` names if it may be rated: a month (YYYY-MM), not one that has not
    started (the running month may: its scorecard is provisional). Invalid otherwise."""
    try:
        period = parse_period(code or "")
    except ValueError as error:
        raise Invalid(str(error), code=PERIOD_FORMAT, field="period") from None
    if "Q" in period.code:
        raise Invalid(
            _("Ratings are given per month: use YYYY-MM (e.g. 2026-10), not a quarter."),
            code=PERIOD_FORMAT,
            field="period",
        )
    if period.start > (now or timezone.now()):
        raise Invalid(
            _("%(period)s has not started yet; rate a month that has begun.") % {"period": period.code},
            code=RATING_FUTURE_PERIOD,
            field="period",
        )
    return period


def reviewer_of(user) -> Employee | None:
    """The employee record that signs the user's ratings, or None."""
    return employee_of(user)


@dataclass
class Ratee:
    """A person the reviewer may rate, with the manual items of their scheme."""

    employee: Employee
    version: TemplateVersion
    items: list[TemplateItem]

    @property
    def codes(self) -> set[str]:
        return {item.indicator for item in self.items}


def _versions_for(period: Period, people: list[Employee]) -> dict[int, TemplateVersion]:
    """employee id → the scheme version that scores them for the period, as
    people_scoring.iter_scores chooses it (a finished period keeps its scorecard's)."""
    versions = active_versions()
    kept: dict[int, TemplateVersion] = {}
    if period.end <= timezone.now() and people:
        version_of = dict(
            Scorecard.objects.filter(period=period.code, employee__in=[p.pk for p in people]).values_list(
                "employee", "version"
            )
        )
        by_pk = {v.pk: v for v in versions.values()}
        missing = set(version_of.values()) - set(by_pk)
        if missing:
            by_pk |= {
                v.pk: v
                for v in TemplateVersion.objects.filter(pk__in=missing)
                .select_related("template")
                .prefetch_related("items")
            }
        kept = {emp: by_pk[pk] for emp, pk in version_of.items() if pk in by_pk}
    chains, _kinds = unit_chains()
    chosen = {}
    for person in people:
        version = kept.get(person.pk) or version_for(
            versions, person.position, chains.get(person.org_unit_id, [])
        )
        if version is not None:
            chosen[person.pk] = version
    return chosen


def ratable_people(
    user, reviewer: Employee, period: Period, *, org_unit=None, employee_nos=None
) -> list[Ratee]:
    """The active people `user` may rate for the period whose scheme has manual items,
    ordered by org unit and name; only those numbered `employee_nos` when given, only
    within `org_unit`'s subtree when given."""
    people = (
        visible_appraisees(user)
        .filter(status=Employee.Status.ACTIVE)
        .exclude(pk=reviewer.pk)
        .select_related("org_unit")
        .order_by("org_unit__path", "name", "employee_no")
    )
    if org_unit is not None:
        people = people.filter(org_unit__path__startswith=org_unit.path)
    if employee_nos is not None:
        people = people.filter(employee_no__in=list(employee_nos))
    people = [person for person in people if may_rate(user, person)]
    versions = _versions_for(period, people)
    ratees = []
    for person in people:
        version = versions.get(person.pk)
        if version is None:
            continue
        items = [item for item in version.items.all() if item.rule == TemplateItem.Rule.MANUAL]
        if items:
            ratees.append(Ratee(person, version, items))
    return ratees


@dataclass
class RatingCell:
    """One manual item of one person on the page: the reviewer's rating and comment (as
    saved, or as just posted), the other reviewers' count and mean, and its errors."""

    code: str
    name: str
    weight: object
    rating: str = ""
    comment: str = ""
    others_count: int = 0
    others_mean: float | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class RatingRow:
    employee: Employee
    cells: list[RatingCell]

    @property
    def has_errors(self) -> bool:
        return any(cell.errors for cell in self.cells)


def _rows(ratees: list[Ratee], reviewer: Employee, period: Period) -> list[RatingRow]:
    """The page's rows for these people: one query for every rating already given."""
    mine: dict[tuple[int, str], tuple[int, str]] = {}
    others: dict[tuple[int, str], list[int]] = {}
    if ratees:
        given_here = ManualRating.objects.filter(
            period=period.code,
            employee__in=[ratee.employee.pk for ratee in ratees],
            indicator__in=sorted(set().union(*(ratee.codes for ratee in ratees))),
        )
        for employee, indicator, by, rating, comment in given_here.values_list(
            "employee", "indicator", "reviewer", "rating", "comment"
        ):
            if by == reviewer.pk:
                mine[employee, indicator] = (rating, comment)
            else:
                others.setdefault((employee, indicator), []).append(rating)
    rows = []
    for ratee in ratees:
        cells = []
        for item in ratee.items:
            key = (ratee.employee.pk, item.indicator)
            rating, comment = mine.get(key, (None, ""))
            given = others.get(key, [])
            cells.append(
                RatingCell(
                    code=item.indicator,
                    name=indicator_name(MANUAL_RATINGS.get(item.indicator), item.label),
                    weight=item.weight,
                    rating="" if rating is None else str(rating),
                    comment=comment,
                    others_count=len(given),
                    others_mean=sum(given) / len(given) if given else None,
                )
            )
        rows.append(RatingRow(ratee.employee, cells))
    return rows


def rating_sheet(user, reviewer: Employee, period: Period, *, org_unit=None, page=None) -> dict:
    """The rating page of a reviewer for a month: one page of people (optionally within
    an org unit's subtree; 404 when it is out of scope) with each manual item's rating
    and the other reviewers' count and mean, and the org units to choose from."""
    unit = None
    if org_unit not in (None, ""):
        try:
            unit_id = int(org_unit)
        except (TypeError, ValueError):
            raise Http404 from None
        unit = visible_appraisal_units(user).filter(pk=unit_id).first()
        if unit is None:
            raise Http404
    ratees = ratable_people(user, reviewer, period, org_unit=unit)
    page_obj = Paginator(ratees, RATEES_PER_PAGE).get_page(page)
    units = list(visible_appraisal_units(user).order_by("path"))
    top = min((u.path.count("/") for u in units), default=0)
    for u in units:
        u.indent = "\u00a0" * 3 * (u.path.count("/") - top)
    return {
        "period": period,
        "org_unit": unit,
        "org_units": units,
        "page_obj": page_obj,
        "rows": _rows(list(page_obj.object_list), reviewer, period),
        "reviewer": reviewer,
    }
