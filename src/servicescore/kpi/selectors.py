"""Reads of the indicator pages: the evidence behind one employee's value — the formula,
the stored figure and a page of records per section — and the labels the scorecards use
for indicators and units. Each starts from org.scope (`visible_appraisees`: leads,
managers, HR, auditors and admins read the figures of the people in their scope,
everyone else only their own), so an employee outside it reads as 404, never 403."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from servicescore.core.periods import parse_period
from servicescore.org.models import Employee
from servicescore.org.scope import visible_appraisees
from servicescore.workorders.models import WorkOrder
from servicescore.workorders.scope import visible_work_orders

from .catalog import catalog
from .evidence import DENOMINATOR, NUMERATOR, Evidence, Section, as_number, derived_value, evidence
from .models import ComputedPeriod, RecomputeJob
from .policy import may_recompute
from .results import StoredResult, stored_results

EVIDENCE_PER_PAGE = 25
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
    "goal": gettext_lazy(
        "The value is the person's goal attainment in an appraisal cycle, frozen at the data "
        "freeze; it has no records here: the evaluation's goals page shows the goals behind it."
    ),
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


def visible_employee(user, employee_no: str) -> Employee:
    """The employee with this number if the user may see them (org-unit chain joined);
    404 otherwise, whether unknown or out of scope."""
    employee = visible_appraisees(user).select_related(UNIT_CHAIN).filter(employee_no=employee_no).first()
    if employee is None:
        raise Http404
    return employee


def indicator_name(indicator, label: str = "") -> str:
    """The name to show: the template's own label when it has one, otherwise the
    indicator's name in the user's language (scoring stores the Chinese name as label)."""
    if indicator is None:
        return label
    if label and label not in (indicator.name_zh, indicator.name_en):
        return label
    return indicator.name(get_language())


def unit_label(unit: str) -> str:
    """How a value's unit reads after the number."""
    return str(UNIT_LABELS.get(unit, unit))


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
    stored result and a page of records per section,
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
    results = stored_results(employee, period.code)
    stored = results.get(code)
    sections = [
        _section_page(user, section, pages.get(f"{section.role}_page"), f"{section.role}_page")
        for section in found.sections
    ]
    numerator, denominator = found.totals()
    value = found.value(numerator, denominator) if not found.is_derived else None
    components = []
    if found.is_derived:
        known = results
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
                    "unit_label": unit_label(item.unit) if item else "",
                    "known": item is not None,
                }
            )
        value, _note = derived_value(indicator, values)
    return {
        "employee": employee,
        "period": period,
        "indicator": indicator,
        "name": indicator_name(indicator),
        "unit_label": unit_label(indicator.unit),
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
        "components": components,
        "is_own": employee.user_id is not None and employee.user_id == user.pk,
        "roles": {"numerator": NUMERATOR, "denominator": DENOMINATOR},
    }


def _same(stored: StoredResult, numerator, denominator, found: Evidence) -> bool:
    """Whether the stored result still matches the records (they may have changed since)."""
    if found.is_derived:
        return True

    def close(a, b):
        if a is None or b is None:
            return (a or 0) == (b or 0)
        return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(a)))

    return close(stored.numerator, numerator) and close(stored.denominator, denominator)


# --- when the figures were computed, and the recompute page ---------------------------------

RECENT_JOBS = 10
LISTED_PERIODS = 24


def last_computed(period_code: str | None) -> ComputedPeriod | None:
    """The period's `ComputedPeriod` row (when its figures were last stored), or None."""
    if not period_code:
        return None
    return ComputedPeriod.objects.filter(period=period_code).first()


def figures_status(user, period_code: str | None) -> dict:
    """What a score page says about its figures (kpi/_last_computed.html and
    kpi/_how_to_get_figures.html): when they were last computed, whether the nightly run
    covers the period, and whether the user may recompute now. One query."""
    from .services.jobs import open_months

    return {
        "period": period_code,
        "computed": last_computed(period_code),
        "nightly": not period_code or period_code in open_months(),
        "nightly_at": settings.KPI_NIGHTLY_RECOMPUTE_AT,
        "may_recompute": may_recompute(user),
    }


def _require_recomputer(user) -> None:
    if not may_recompute(user):
        raise PermissionDenied


def recompute_overview(user) -> dict:
    """The recompute page: the open months, the periods with stored figures (newest first,
    the open months among them even when not computed yet), the recent jobs and the active
    one. HR and administrators only (PermissionDenied otherwise). A fixed number of queries."""
    from .services.jobs import ACTIVE, open_months

    _require_recomputer(user)
    months = open_months()
    computed = {row.period: row for row in ComputedPeriod.objects.all()[:LISTED_PERIODS]}
    periods = [
        {"period": code, "computed": computed.get(code), "open": code in months}
        for code in sorted(set(computed) | set(months), reverse=True)
    ]
    jobs = list(RecomputeJob.objects.select_related("requested_by")[:RECENT_JOBS])
    active = next((job for job in jobs if job.status in ACTIVE), None)
    if active is None:
        active = RecomputeJob.objects.filter(status__in=ACTIVE).select_related("requested_by").first()
    return {
        "open_months": months,
        "periods": periods,
        "jobs": jobs,
        "active": active,
        "nightly_at": settings.KPI_NIGHTLY_RECOMPUTE_AT,
    }


def recompute_job(user, job_id: int) -> RecomputeJob:
    """One job, for the page's progress poll; PermissionDenied unless the user may
    recompute, 404 for an unknown job."""
    _require_recomputer(user)
    job = RecomputeJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job
