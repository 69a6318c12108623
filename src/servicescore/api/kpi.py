"""/api/kpi: the indicator catalogue, stored indicator results and scorecards, read-only.
Results and scorecards are read through the data scope (org/scope.py): the caller sees those of the
employees and org units in his scope, and a scorecard outside it is a 404."""

import datetime
from typing import Literal

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel, ConfigDict

from servicescore.appraisal.models import Scorecard
from servicescore.core.periods import Period, parse_period
from servicescore.kpi.catalog import catalog
from servicescore.kpi.models import EmployeeResults, IndicatorResult
from servicescore.kpi.registry import FAMILIES
from servicescore.kpi.results import results_in
from servicescore.org.models import OrgUnit, Position
from servicescore.org.scope import visible_appraisal_units, visible_appraisees

from . import auth
from .common import (
    DEFAULT_LIMIT,
    Cursor,
    CursorParam,
    Limit,
    PathText,
    PeriodCode,
    bad_cursor,
    bad_input,
    check_limit,
    error_responses,
)

router = Router(tags=["KPI"])
ERRORS = error_responses(401, 403, 422, 429)
FamilyCode = Literal[tuple(FAMILIES)]
PositionCode = Literal[tuple(Position.values)]
# kpi-library.md: with no stored row a count or a sum is 0; every other shape has no data.
ZERO_WHEN_MISSING = ("count", "sum")


def _period(text: str, field: str = "period") -> Period:
    try:
        return parse_period(text)
    except ValueError as error:
        raise bad_input(field, str(error)) from None


def _employee(user, employee_no: str, field: str = "employee_no"):
    found = visible_appraisees(user).filter(employee_no=employee_no).first()
    if found is None:
        raise bad_input(field, _("unknown employee_no %(no)s") % {"no": employee_no})
    return found


def _org_unit(user, code: str, field: str = "org_unit") -> OrgUnit:
    found = visible_appraisal_units(user).filter(code=code).first()
    if found is None:
        raise bad_input(field, _("unknown org unit code %(code)s") % {"code": code})
    return found


# --- the catalogue -----------------------------------------------------------------------


class IndicatorOut(Schema):
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str = Field(description="`up`: higher is better; `down`: lower is better.")
    family: str = Field(description="work_orders, voice, facts, derived or manual.")
    shape: str = Field(description="count, sum, mean, rate, fact, derived or manual.")
    formula: str = Field(description="In words (derived indicators: `= ` and the expression).")
    population: str = Field(description="Whom a record counts for, in words.")
    value_when_missing: float | None = Field(
        description="The value of a person or unit with no stored result: 0 for counts and sums, "
        "otherwise null (no data)."
    )


@router.get(
    "/indicators",
    response={200: list[IndicatorOut], **ERRORS},
    auth=auth.READ,
    summary="List the indicators",
)
def list_indicators(request, family: FamilyCode | None = None):
    """Built-in, fact, derived and manual indicators, in the order of docs/kpi.md."""
    return [
        {
            "code": item.code,
            "name_zh": item.name_zh,
            "name_en": item.name_en,
            "unit": item.unit,
            "direction": item.direction,
            "family": item.family,
            "shape": item.shape,
            "formula": item.formula,
            "population": item.population,
            "value_when_missing": 0 if item.shape in ZERO_WHEN_MISSING else None,
        }
        for item in catalog().values()
        if family is None or item.family == family
    ]


# --- stored results ----------------------------------------------------------------------


class ResultOut(Schema):
    subject: Literal["employee", "org_unit"] = Field(description="Whom the value is for.")
    employee_no: str | None = Field(description="The employee (null for an org unit's value).")
    employee_name: str | None
    org_unit: str = Field(description="Code of the org unit the value is for, or of the employee's unit.")
    indicator: str
    period: str
    value: float | None = Field(description="null: no data (a mean or rate with denominator 0).")
    numerator: float | None
    denominator: float | None
    sample: int = Field(description="How many records the value rests on.")
    note: str = Field(description="Why the value is null, when that is not plain 'no records'.")
    computed_at: datetime.datetime
    provisional: bool = Field(
        description="Computed before its period ended: the value may still change (a running month)."
    )


class ResultPage(Schema):
    items: list[ResultOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class ResultQuery(Schema):
    period: PeriodCode
    employee_no: str | None = Field(default=None, description="Only this employee's values.")
    org_unit: str | None = Field(
        default=None, description="Org unit code: the values of the people and units of its subtree."
    )
    indicator: list[str] = Field(default=[], description="Indicator code; repeat for several.")
    subject: Literal["employee", "org_unit"] | None = Field(
        default=None, description="Only employees' or only org units' values."
    )
    cursor: CursorParam | None = None
    limit: Limit = DEFAULT_LIMIT


def _check_indicators(codes: list[str]) -> None:
    if not codes:
        return
    known = catalog()
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise bad_input(
            "indicator",
            _("unknown indicator %(codes)s; GET /api/kpi/indicators lists them")
            % {"codes": ", ".join(unknown)},
        )


SUBJECTS = ("employee", "org_unit")


def visible_results(user, period: Period, query: ResultQuery) -> dict:
    """The stored results in the user's scope that match the query: subject → queryset,
    the employees' (one document per person: EmployeeResults, each listing every
    indicator) and the org units' (one row per indicator) apart."""
    people = visible_appraisees(user)
    units = visible_appraisal_units(user)
    if query.org_unit:
        unit = _org_unit(user, query.org_unit)
        people = people.filter(org_unit__path__startswith=unit.path)
        units = units.filter(path__startswith=unit.path)
    if query.employee_no:
        people = people.filter(pk=_employee(user, query.employee_no).pk)
    streams = {}
    if query.subject != "org_unit":
        streams["employee"] = EmployeeResults.objects.filter(
            period=period.code, employee__in=people.values("pk")
        ).select_related("employee__org_unit")
    if query.subject != "employee" and not query.employee_no:
        results = IndicatorResult.objects.filter(period=period.code, org_unit__in=units.values("pk"))
        if query.indicator:
            results = results.filter(indicator__in=query.indicator)
        streams["org_unit"] = results.select_related("org_unit")
    return streams


def _after(first: str, second: str, position: tuple) -> Q:
    """Rows after `position` in (first, second) order. `first >= a` is spelt out so that
    an index on (…, first, second) finds where to start."""
    a, b = position
    return Q(**{f"{first}__gte": a}) & (Q(**{f"{first}__gt": a}) | Q(**{f"{second}__gt": b}))


def _result_position(cursor: str | None) -> tuple | None:
    """(subject, subject id, indicator) of the last row of the previous page."""
    if not cursor:
        return None
    value, pk = Cursor.decode(cursor, datetime_value=False)
    if not (
        isinstance(value, list) and len(value) == 2 and value[0] in SUBJECTS and isinstance(value[1], str)
    ):
        raise bad_cursor()
    return value[0], pk, value[1]


def _employee_rows(docs, position: tuple | None, codes: set[str] | None, wanted: int) -> list[tuple]:
    """Up to `wanted` (employee, StoredResult) in (employee id, indicator) order after
    `position`, reading the documents a page at a time."""
    rows: list[tuple] = []
    docs = docs.order_by("employee_id")
    if position:
        docs = docs.filter(employee_id__gte=position[1])
    while len(rows) < wanted:
        batch = list(docs[:wanted])
        for doc in batch:
            for code, result in results_in(doc, codes).items():
                if position and doc.employee_id == position[1] and code <= position[2]:
                    continue
                rows.append((doc.employee, result))
        if len(batch) < wanted:
            break
        docs = docs.filter(employee_id__gt=batch[-1].employee_id)
    return rows[:wanted]


def results_page(streams: dict, *, cursor: str | None, limit: int, codes=None):
    """One page: the employees' values, then the org units' values, each in (employee or
    unit id, indicator) order; `codes`: only these indicators (None: all). A recompute
    rewrites the rows but keeps these keys, so a client paging through it sees each value
    once. The employees' come as (employee, StoredResult)."""
    check_limit(limit)
    position = _result_position(cursor)
    codes = set(codes) if codes else None
    rows: list = []
    for subject in SUBJECTS:
        if subject not in streams or (position and SUBJECTS.index(subject) < SUBJECTS.index(position[0])):
            continue
        mine = position if position and position[0] == subject else None
        if subject == "employee":
            rows += _employee_rows(streams[subject], mine, codes, limit + 1 - len(rows))
        else:
            qs = streams[subject]
            if mine:
                qs = qs.filter(_after("org_unit_id", "indicator", mine[1:]))
            rows += qs.order_by("org_unit_id", "indicator")[: limit + 1 - len(rows)]
        if len(rows) > limit:
            break
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    if isinstance(last, tuple):
        return rows, Cursor.encode(["employee", last[1].indicator], last[1].employee_id)
    return rows, Cursor.encode(["org_unit", last.indicator], last.org_unit_id)


def result_out(row, period_end: datetime.datetime | None = None) -> dict:
    """One stored value: an (employee, StoredResult) or an org unit's IndicatorResult;
    `period_end`: the end of its period (read from the row's when not given), before
    which a value is provisional."""
    employee, row = row if isinstance(row, tuple) else (None, row)
    period_end = period_end or parse_period(row.period).end
    return {
        "subject": "employee" if employee else "org_unit",
        "employee_no": employee.employee_no if employee else None,
        "employee_name": employee.name if employee else None,
        "org_unit": employee.org_unit.code if employee else row.org_unit.code,
        "indicator": row.indicator,
        "period": row.period,
        "value": row.value,
        "numerator": row.numerator,
        "denominator": row.denominator,
        "sample": row.sample,
        "note": row.note,
        "computed_at": row.computed_at,
        "provisional": row.computed_at < period_end,
    }


@router.get(
    "/results",
    response={200: ResultPage, **ERRORS},
    auth=auth.READ,
    summary="List stored indicator results",
)
def list_results(request, query: Query[ResultQuery]):
    """Stored values of a period for the employees and org units in the caller's scope:
    employees' first, then org units'. A missing row is the indicator's
    `value_when_missing`; follow `next_cursor`."""
    period = _period(query.period)
    _check_indicators(query.indicator)
    streams = visible_results(request.user, period, query)
    rows, next_cursor = results_page(streams, cursor=query.cursor, limit=query.limit, codes=query.indicator)
    return {"items": [result_out(row, period.end) for row in rows], "next_cursor": next_cursor}


# --- scorecards --------------------------------------------------------------------------


class ScorecardOut(Schema):
    employee_no: str
    employee_name: str
    position: str
    org_unit: str = Field(description="Code of the employee's org unit.")
    service_center: str | None = Field(description="Code of the employee's service centre, if any.")
    period: str
    template: str = Field(description="Code of the appraisal template.")
    template_version: int
    base_score: float | None
    adjustment: float = Field(description="Bonus and deduction points together.")
    final_score: float | None
    grade: str = Field(
        description="Empty when there is no grade: insufficient data, or a provisional scorecard of a "
        "scheme that does not grade a running month."
    )
    vetoed: bool
    computed_at: datetime.datetime = Field(description="When the scorecard was scored.")
    provisional: bool = Field(
        description="Scored before its period ended (a running month): the score may still change."
    )
    insufficient_data: bool = Field(
        description="The items with data carry less than the scheme's minimum share of the weight: "
        "no score and no grade."
    )


class ScorecardPage(Schema):
    items: list[ScorecardOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class ScorecardItemOut(BaseModel):
    """One line of the scorecard with its working, as the scoring stored it. A plain
    pydantic model, not a ninja Schema, so that keys added by the scoring pass through."""

    model_config = ConfigDict(extra="allow")

    item: int | None = Field(default=None, description="The template item's id.")
    indicator: str | None = None
    label: str | None = None
    kind: str | None = Field(default=None, description="scored, bonus, deduction or veto.")
    rule: str | None = Field(default=None, description="linear, bands, ratio or manual.")
    unit: str | None = None
    direction: str | None = None
    value: float | None = Field(default=None, description="The value scored (shrunk when `shrunk`).")
    raw_value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    sample: int | None = None
    shrunk: bool | None = None
    prior: float | None = None
    k: float | None = None
    target: float | None = None
    threshold: float | None = None
    cap: float | None = None
    no_data: bool | None = None
    no_data_policy: str | None = Field(default=None, description="reweight, zero or target.")
    points: float | None = None
    weight: float | None = None
    effective_weight: float | None = Field(default=None, description="After re-weighting for no data.")
    contribution: float | None = None
    adjustment: float | None = None
    vetoed: bool | None = None
    note: str | None = None


class ScorecardDetailOut(ScorecardOut):
    template_name: str
    items: list[ScorecardItemOut]


class ScorecardQuery(Schema):
    period: PeriodCode | None = Field(
        default=None, description="YYYY-MM or YYYY-Qn; all periods when left out."
    )
    org_unit: str | None = Field(default=None, description="Org unit code; the people of its subtree.")
    position: PositionCode | None = Field(default=None, description="The employee's position.")
    cursor: CursorParam | None = None
    limit: Limit = DEFAULT_LIMIT


def visible_scorecards(user):
    """Scorecards of the employees in the user's scope, with what a row shows joined."""
    return Scorecard.objects.filter(employee__in=visible_appraisees(user)).select_related(
        "employee__org_unit__parent", "version__template"
    )


def service_center_of(unit: OrgUnit) -> OrgUnit | None:
    """The unit itself or its parent: only teams sit below a service centre (KIND_RANK)."""
    for candidate in (unit, unit.parent):
        if candidate is not None and candidate.kind == OrgUnit.Kind.SERVICE_CENTER:
            return candidate
    return None


def scorecard_out(card: Scorecard) -> dict:
    employee = card.employee
    centre = service_center_of(employee.org_unit)
    return {
        "employee_no": employee.employee_no,
        "employee_name": employee.name,
        "position": employee.position,
        "org_unit": employee.org_unit.code,
        "service_center": centre.code if centre else None,
        "period": card.period,
        "template": card.version.template.code,
        "template_version": card.version.number,
        "base_score": card.base_score,
        "adjustment": card.adjustment,
        "final_score": card.final_score,
        "grade": card.grade,
        "vetoed": card.vetoed,
        "computed_at": card.computed_at,
        "provisional": card.provisional,
        "insufficient_data": card.insufficient_data,
    }


def scorecards_page(cards, *, cursor: str | None, limit: int):
    """One page in (employee id, period) order, the unique index's: a recompute replaces
    scorecards under new ids but keeps these keys, so no card is seen twice."""
    check_limit(limit)
    if cursor:
        period, pk = Cursor.decode(cursor, datetime_value=False)
        if not isinstance(period, str):
            raise bad_cursor()
        cards = cards.filter(_after("employee_id", "period", (pk, period)))
    rows = list(cards.order_by("employee_id", "period")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], Cursor.encode(last.period, last.employee_id)


@router.get(
    "/scorecards",
    response={200: ScorecardPage, **ERRORS},
    auth=auth.READ,
    summary="List scorecards",
)
def list_scorecards(request, query: Query[ScorecardQuery]):
    """Scorecards of the employees in the caller's scope, without their items, by employee
    and period; follow `next_cursor`."""
    cards = visible_scorecards(request.user)
    if query.period:
        cards = cards.filter(period=_period(query.period).code)
    if query.org_unit:
        cards = cards.filter(
            employee__org_unit__path__startswith=_org_unit(request.user, query.org_unit).path
        )
    if query.position:
        cards = cards.filter(employee__position=query.position)
    rows, next_cursor = scorecards_page(cards, cursor=query.cursor, limit=query.limit)
    return {"items": [scorecard_out(card) for card in rows], "next_cursor": next_cursor}


@router.get(
    "/scorecards/{employee_no}/{period}",
    response={200: ScorecardDetailOut, **error_responses(401, 403, 404, 422, 429)},
    auth=auth.READ,
    summary="Retrieve an employee's scorecard for a period, with its items",
)
def get_scorecard(request, employee_no: PathText, period: PeriodCode):
    code = _period(period).code
    card = visible_scorecards(request.user).filter(employee__employee_no=employee_no, period=code).first()
    if card is None:
        raise Http404
    return {**scorecard_out(card), "template_name": card.version.template.display_name, "items": card.items}
