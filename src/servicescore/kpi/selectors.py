"""Reads for the scorecard pages: one employee's scorecard, the evidence behind one of its
values, and a team's scorecards. Each takes the requesting user and starts from
core.scope (`visible_appraisees`: leads, managers, HR, auditors and admins read the scores
of the people in their scope, everyone else only their own), so nothing out of scope can
leak: an employee or org unit outside it reads as 404, never 403."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Avg, Case, Count, F, IntegerField, Q, Value, When
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from servicescore.core.periods import parse_period
from servicescore.core.roles import Role
from servicescore.core.scope import (
    APPRAISAL_VIEWER_ROLES,
    visible_appraisal_units,
    visible_appraisees,
    visible_work_orders,
)
from servicescore.org.models import Employee, OrgUnit
from servicescore.workorders.models import WorkOrder

from .catalog import catalog
from .evidence import DENOMINATOR, NUMERATOR, Evidence, Section, as_number, derived_value, evidence
from .models import DEFAULT_GRADE_BANDS, IndicatorResult, Scorecard, TemplateItem

# Roles that open the team view (within their scope): those that read others' scores, less
# an integration's API token, which has no pages. Everyone else sees only their own.
TEAM_VIEW_ROLES = frozenset(APPRAISAL_VIEWER_ROLES - {Role.INTEGRATION})
EVIDENCE_PER_PAGE = 25
TEAM_PER_PAGE = 50
# An org unit is at most four levels deep (company › region › centre › team), so three
# parent hops reach the company: the employee's service centre is found without a query.
UNIT_CHAIN = "org_unit__parent__parent__parent"
# How a value's unit reads after the number; counts and ratings need none.
UNIT_LABELS = {
    "count": "",
    "1–5": "",
    "−100…100": "",
    "points": gettext_lazy("points"),
    "minutes": gettext_lazy("minutes"),
    "hours": gettext_lazy("hours"),
    "%": "%",
    "currency": gettext_lazy("yuan"),
    "per 100": gettext_lazy("per 100 orders"),
    "times": gettext_lazy("times"),
}
SHAPE_EXPLANATIONS = {
    "count": gettext_lazy("The value is the number of records counted."),
    "sum": gettext_lazy("The value is the total of the records' amounts."),
    "mean": gettext_lazy("The value is the numerator divided by the denominator."),
    "rate": gettext_lazy("The value is the numerator divided by the denominator, times the scale."),
    "fact": gettext_lazy("The value is the figure imported from another system."),
    "derived": gettext_lazy("The value is the formula worked out on the indicators it names."),
    "manual": gettext_lazy("The value is the mean of the reviewers' 1–5 ratings."),
}
# Columns that are not plain model fields, or whose field name alone would mislead.
COLUMN_LABELS = {
    "rework_of": gettext_lazy("Comeback of"),
    "rework_of.completed_at": gettext_lazy("Original completed"),
    "work_order.completed_at": gettext_lazy("Work order completed"),
    "covering_call_at": gettext_lazy("Reached follow-up within 7 days"),
    "covering_response_at": gettext_lazy("Survey response within 7 days"),
    "reviewer": gettext_lazy("Reviewer"),
    "created": gettext_lazy("Rated on"),
}


def newest_first(codes) -> list[str]:
    """Period codes newest first: by end, and a month before the quarter that ends with it
    (as text, '2026-Q1' would sort after '2026-12')."""

    def key(code):
        try:
            period = parse_period(code)
        except ValueError:
            return (datetime.datetime.min, datetime.datetime.min)
        return (period.end.replace(tzinfo=None), period.start.replace(tzinfo=None))

    return sorted(set(codes), key=key, reverse=True)


def may_see_team(user) -> bool:
    """Whether the user's role opens the team view (core.scope decides whom it shows)."""
    return user.is_authenticated and user.effective_role in TEAM_VIEW_ROLES


def visible_employee(user, employee_no: str) -> Employee:
    """The employee with this number if the user may see them (org-unit chain joined);
    404 otherwise, whether unknown or out of scope."""
    employee = visible_appraisees(user).select_related(UNIT_CHAIN).filter(employee_no=employee_no).first()
    if employee is None:
        raise Http404
    return employee


def own_employee(user) -> Employee | None:
    """The signed-in user's own active employee record, or None (an unlinked account)."""
    return (
        visible_appraisees(user)
        .filter(user=user, status=Employee.Status.ACTIVE)
        .only("pk", "employee_no", "position")
        .first()
    )


def scorecard_periods(employee: Employee) -> list[str]:
    """The periods the employee has a scorecard for, newest first. One query."""
    return newest_first(Scorecard.objects.filter(employee=employee).values_list("period", flat=True))


def latest_period(employee: Employee) -> str | None:
    """The newest period the employee has a scorecard for."""
    return next(iter(scorecard_periods(employee)), None)


def service_centre_of(employee: Employee) -> OrgUnit | None:
    """The service centre at or above the employee's unit (no query with UNIT_CHAIN)."""
    unit = employee.org_unit
    while unit is not None:
        if unit.kind == OrgUnit.Kind.SERVICE_CENTER:
            return unit
        unit = unit.parent
    return None


def indicator_name(indicator, label: str = "") -> str:
    """The name to show: the template's own label when it has one, otherwise the
    indicator's name in the user's language (scoring stores the Chinese name as label)."""
    if indicator is None:
        return label
    if label and label not in (indicator.name_zh, indicator.name_en):
        return label
    return indicator.name(get_language())


# --- one scorecard ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rank:
    """Place of a scorecard among those of the same position and period in the employee's
    service centre (1 = best; vetoed scorecards come after all others)."""

    position: int
    out_of: int
    centre: OrgUnit


def rank_in_centre(scorecard: Scorecard) -> Rank | None:
    """Rank by final score within the same position in the employee's service centre, for
    the same period; None without a centre or a final score. One query."""
    employee = scorecard.employee
    centre = service_centre_of(employee)
    if centre is None or scorecard.final_score is None:
        return None
    peers = Scorecard.objects.filter(
        period=scorecard.period,
        employee__position=employee.position,
        employee__org_unit__path__startswith=centre.path,
        final_score__isnull=False,
    )
    higher = Q(final_score__gt=scorecard.final_score)
    ahead = (Q(vetoed=False) | higher) if scorecard.vetoed else (Q(vetoed=False) & higher)
    counts = peers.aggregate(out_of=Count("pk"), ahead=Count("pk", filter=ahead))
    return Rank(counts["ahead"] + 1, counts["out_of"], centre)


def _unit_label(unit: str) -> str:
    return str(UNIT_LABELS.get(unit, unit))


def scorecard_lines(scorecard: Scorecard, items: dict) -> list[dict]:
    """The scorecard's items as the page shows them: each stored item dict with `name`,
    `unit_label`, `kind_label`, `rule_label`, `no_data_label` and `code` added."""
    kinds, rules, policies = (
        dict(TemplateItem.Kind.choices),
        dict(TemplateItem.Rule.choices),
        dict(TemplateItem.NoData.choices),
    )
    lines = []
    for stored in scorecard.items or []:
        line = dict(stored)
        code = line.get("indicator", "")
        indicator = items.get(code)
        line.update(
            code=code,
            known=indicator is not None,
            name=indicator_name(indicator, line.get("label", "")),
            unit_label=_unit_label(line.get("unit", "")),
            kind_label=kinds.get(line.get("kind"), line.get("kind")),
            rule_label=rules.get(line.get("rule"), line.get("rule")),
            no_data_label=policies.get(line.get("no_data_policy"), ""),
            direction_label=_("higher is better") if line.get("direction") == "up" else _("lower is better"),
            note=_(line["note"]) if line.get("note") else "",
        )
        lines.append(line)
    return lines


def scorecard_for(user, employee_no: str, period_code: str) -> dict:
    """One employee's scorecard for a period, its items with their working, the periods
    that have one, and the rank in the service centre. ValueError for a malformed period,
    404 for an employee out of scope."""
    period = parse_period(period_code)
    employee = visible_employee(user, employee_no)
    scorecard = (
        Scorecard.objects.select_related("version__template")
        .filter(employee=employee, period=period.code)
        .first()
    )
    periods = scorecard_periods(employee)
    context = {
        "employee": employee,
        "period": period,
        "periods": periods,
        "scorecard": scorecard,
        "centre": service_centre_of(employee),
        "is_own": employee.user_id is not None and employee.user_id == user.pk,
        "may_see_team": may_see_team(user),
    }
    if scorecard is None:
        return context | {"lines": [], "scored": [], "adjustments": [], "vetoes": [], "rank": None}
    scorecard.employee = employee
    lines = scorecard_lines(scorecard, catalog())
    return context | {
        "lines": lines,
        "scored": [line for line in lines if line.get("kind") == TemplateItem.Kind.SCORED],
        "adjustments": [line for line in lines if line.get("kind") in ("bonus", "deduction")],
        "vetoes": [line for line in lines if line.get("kind") == TemplateItem.Kind.VETO],
        "reweighted": any(
            line.get("no_data")
            and line.get("no_data_policy") == TemplateItem.NoData.REWEIGHT
            and line.get("kind") == TemplateItem.Kind.SCORED
            for line in lines
        ),
        "rank": rank_in_centre(scorecard),
    }


# --- evidence --------------------------------------------------------------------------


@dataclass
class Cell:
    value: object
    is_datetime: bool = False
    is_bool: bool = False
    is_number: bool = False
    link: int | None = None  # a work order's pk the user may open


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # an annotation, not a field
        return None


def _column_label(model, path: str) -> str:
    if path in COLUMN_LABELS:
        return str(COLUMN_LABELS[path])
    field = None
    for name in path.split("."):
        field = _field(model, name)
        if field is None:
            return path
        if field.is_relation:
            model = field.related_model
    return capfirst(field.verbose_name)


def _cell(record, path: str, visible: set[int]) -> Cell:
    holder, names = record, path.split(".")
    for name in names[:-1]:
        holder = getattr(holder, name, None)
        if holder is None:
            return Cell(None)
    name = names[-1]
    field = _field(type(holder), name) if hasattr(holder, "_meta") else None
    value = getattr(holder, name, None)
    if field is not None and field.is_relation:
        if value is None:
            return Cell(None)
        if isinstance(value, WorkOrder):
            return Cell(value.external_id, link=value.pk if value.pk in visible else None)
        if isinstance(value, Employee):
            return Cell(value.name)
        return Cell(str(value))
    if field is not None and field.choices:
        value = getattr(holder, f"get_{name}_display")() if value not in (None, "") else None
    link = None
    if name == "external_id" and isinstance(holder, WorkOrder) and holder.pk in visible:
        link = holder.pk
    return Cell(
        value,
        is_datetime=isinstance(value, datetime.datetime),
        is_bool=isinstance(value, bool),
        is_number=isinstance(value, Decimal | float),
        link=link,
    )


def _order_ids(section: Section, rows) -> set[int]:
    ids = set()
    for record in rows:
        if section.order_field:
            ids.add(getattr(record, section.order_field))
        ids.add(getattr(record, "rework_of_id", None))
    return ids - {None}


@dataclass
class SectionPage:
    """One page of a section's records, ready to show."""

    section: Section
    page: object
    columns: list[str]
    rows: list[dict]
    page_param: str

    @property
    def role(self) -> str:
        return self.section.role

    @property
    def show_parts(self) -> bool:
        """Facts and ratings show their amount as a field already."""
        return self.section.kind not in ("fact", "rating")

    @property
    def show_flag(self) -> bool:
        """A tick per record for 'counts in the numerator' (a count among the denominator's)."""
        return self.show_parts and self.section.numerator_is_count and self.section.denominator is not None

    @property
    def show_numerator_amount(self) -> bool:
        return self.show_parts and self.section.numerator is not None and not self.section.numerator_is_count

    @property
    def show_denominator_amount(self) -> bool:
        return (
            self.show_parts and self.section.denominator is not None and not self.section.denominator_is_count
        )


def _section_page(user, section: Section, page_number, page_param: str) -> SectionPage:
    page = Paginator(section.records, EVIDENCE_PER_PAGE).get_page(page_number)
    records = list(page.object_list)
    wanted = _order_ids(section, records)
    visible = (
        set(visible_work_orders(user).filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()
    )
    model = section.records.model
    rows = []
    for record in records:
        rows.append(
            {
                "record": record,
                "cells": [_cell(record, path, visible) for path in section.columns],
                "in_numerator": getattr(record, "in_numerator", None),
                "numerator_part": as_number(getattr(record, "numerator_part", None), section.convert),
                "denominator_part": as_number(getattr(record, "denominator_part", None)),
            }
        )
    return SectionPage(
        section, page, [_column_label(model, path) for path in section.columns], rows, page_param
    )


def _missing_value(indicator):
    """What a missing stored result means (kpi-library.md): 0 for counts and sums."""
    return 0 if indicator is not None and indicator.shape in ("count", "sum") else None


def evidence_for(user, employee_no: str, period_code: str, code: str, pages=None) -> dict:
    """The evidence behind one indicator of one employee and period: the formula, the
    stored result and the scorecard's working of it, and a page of records per section,
    each linking to the work order behind it when the user may open it. ValueError for a
    malformed period; 404 for an unknown indicator or an employee out of scope. A fixed
    number of queries, however many records."""
    pages = pages or {}
    period = parse_period(period_code)
    items = catalog()
    indicator = items.get(code)
    if indicator is None:
        raise Http404
    employee = visible_employee(user, employee_no)
    found: Evidence = evidence(indicator, employee, period)
    stored = IndicatorResult.objects.filter(employee=employee, period=period.code, indicator=code).first()
    scorecard = Scorecard.objects.filter(employee=employee, period=period.code).only("items").first()
    lines = [line for line in scorecard_lines(scorecard, items) if line["code"] == code] if scorecard else []
    sections = [
        _section_page(user, section, pages.get(f"{section.role}_page"), f"{section.role}_page")
        for section in found.sections
    ]
    numerator, denominator = found.totals()
    value = found.value(numerator, denominator) if not found.is_derived else None
    components = []
    if found.is_derived:
        known = {
            row.indicator: row
            for row in IndicatorResult.objects.filter(
                employee=employee, period=period.code, indicator__in=found.components
            )
        }
        values = {}
        for component in found.components:
            item = items.get(component)
            row = known.get(component)
            values[component] = row.value if row is not None else _missing_value(item)
            components.append(
                {
                    "code": component,
                    "name": indicator_name(item),
                    "value": values[component],
                    "unit_label": _unit_label(item.unit) if item else "",
                    "known": item is not None,
                }
            )
        value, _note = derived_value(indicator, values)
    return {
        "employee": employee,
        "period": period,
        "indicator": indicator,
        "name": indicator_name(indicator),
        "unit_label": _unit_label(indicator.unit),
        "formula": _(indicator.formula) if indicator.formula else "",
        "population": _(indicator.population) if indicator.population else "",
        "shape_explanation": SHAPE_EXPLANATIONS.get(indicator.shape, ""),
        "evidence": found,
        "sections": sections,
        "numerator": numerator,
        "denominator": denominator,
        "value": value,
        "stored": stored,
        "stale": stored is not None and not _same(stored, numerator, denominator, found),
        "lines": lines,
        "components": components,
        "is_own": employee.user_id is not None and employee.user_id == user.pk,
        "roles": {"numerator": NUMERATOR, "denominator": DENOMINATOR},
    }


def _same(stored: IndicatorResult, numerator, denominator, found: Evidence) -> bool:
    """Whether the stored result still matches the records (they may have changed since)."""
    if found.is_derived:
        return True

    def close(a, b):
        if a is None or b is None:
            return (a or 0) == (b or 0)
        return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(a)))

    return close(stored.numerator, numerator) and close(stored.denominator, denominator)


# --- the team view -----------------------------------------------------------------------


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


def team_sort(sort: str | None) -> str:
    """A valid sort key ('final', '-final', …); anything else is the default."""
    sort = (sort or "").strip()
    return sort if sort.lstrip("-") in TEAM_SORTS else DEFAULT_TEAM_SORT


def _order_by(sort: str) -> list:
    descending = sort.startswith("-")
    columns = []
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
        period = periods[0] if periods else None
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
        .annotate(centre_name=_centre_name(), grade_rank=_grade_rank())
        .order_by(*_order_by(sort))
    )
    paginator = Paginator(rows, TEAM_PER_PAGE)
    page_obj = paginator.get_page(page)
    counts = {row["grade"]: row["n"] for row in cards.order_by().values("grade").annotate(n=Count("pk"))}
    summary = cards.aggregate(mean=Avg("final_score"), vetoed=Count("pk", filter=Q(vetoed=True)))
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
        "org_unit": unit,
        "org_units": units,
        "sort": sort,
        "page_obj": page_obj,
        "count": paginator.count,
        "distribution": distribution,
        "mean_final": summary["mean"],
        "vetoed_count": summary["vetoed"],
    }
