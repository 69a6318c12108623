"""Indicator values for a period: the families' aggregates turned into (value, numerator,
denominator) per employee following kpi-library.md's attribution, then derived
indicators, then roll-ups to org units by pooling.

Each component group is one aggregate query over the whole period (GROUP BY person);
only the groups the requested indicators need are queried.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from servicescore.core.periods import Period
from servicescore.org.models import Position

from . import daily
from .catalog import catalog
from .derived import Formula, evaluation_order
from .registry import DERIVED, FACTS, Indicator

# Above this many people a family query reads everyone (one scan) rather than an IN list.
PEOPLE_FILTER_LIMIT = 5000

ADVISOR_ALTERNATIVES = {"done": "done_advisor", "made": "made_advisor"}


@dataclass(slots=True)
class IndicatorValue:
    employee_id: int
    employee_no: str
    indicator: str
    value: float | int | None
    numerator: float | int | None
    denominator: float | int | None
    sample: int = 0
    note: str = ""


def _number(value):
    """JSON-friendly and unrounded: ints stay ints, Decimals and durations become floats."""
    if value is None or type(value) in (int, float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return value


def _convert(value, convert: str):
    if convert and isinstance(value, datetime.timedelta):
        return value.total_seconds() / (3600 if convert == "hours" else 60)
    if convert and value is None:
        return 0.0
    return value


def value_of(indicator: Indicator, numerator, denominator):
    """The indicator's value from its parts; None (no data) when a denominator is 0."""
    if indicator.shape == "fact":
        if numerator is None:
            return None
        return float(numerator) / float(denominator) if denominator else numerator
    if not indicator.has_denominator:
        return numerator
    if not denominator:
        return None
    return indicator.scale * float(numerator) / float(denominator)


def sample_of(indicator: Indicator, numerator, denominator) -> int:
    """How many records the value rests on (for rates and means, the denominator)."""
    basis = denominator if indicator.has_denominator else numerator
    if indicator.shape in ("fact", "derived") or not basis:
        return 0
    return int(basis) if float(basis).is_integer() else 0


def needed(items: dict[str, Indicator], codes: list[str]) -> list[str]:
    """`codes` plus every indicator a requested derived indicator depends on."""
    wanted, queue = [], list(codes)
    while queue:
        code = queue.pop()
        if code in wanted:
            continue
        wanted.append(code)
        item = items[code]
        if item.family == DERIVED:
            queue.extend(Formula(item.expression).names & set(items))
    return wanted


def _groups_for(items, codes):
    groups = set()
    for code in codes:
        item = items[code]
        for part in (item.numerator, item.denominator):
            if part and part[0] != "facts":
                groups.add(part[0])
                if item.advisor_version and part[0] in ADVISOR_ALTERNATIVES:
                    groups.add(ADVISOR_ALTERNATIVES[part[0]])
    return groups


def facts_of(period: Period, codes: list[str], people=None) -> dict:
    """{employee_id: {code: (total, months)}} of the period's imported facts."""
    from django.db.models import Count, Sum

    from .models import MetricFact

    if not codes:
        return {}
    rows = MetricFact.objects.order_by().filter(
        indicator__in=codes, period__in=period.months, employee__isnull=False
    )
    if people is not None:
        rows = rows.filter(employee__anyof=people)
    result: dict = defaultdict(dict)
    for row in rows.values("employee", "indicator").annotate(total=Sum("value"), months=Count("pk")):
        result[row["employee"]][row["indicator"]] = (row["total"], row["months"])
    return result


class Components:
    """The period's component groups, fetched once, looked up per person: from the records
    (`stored=False`) or summed from the stored daily components (kpi/daily.py)."""

    def __init__(self, period: Period, items, codes, people=None, stored=False, only=None, sums=None):
        self.items = items
        groups = sorted(_groups_for(items, codes))
        if stored:
            self.groups = daily.stored(groups, period, people, only, sums)
        else:
            self.groups = {name: daily.direct(name, period, people) for name in groups}
        fact_codes = [c for c in codes if items[c].family == FACTS]
        self.facts = facts_of(period, fact_codes, people)

    def fact(self, item: Indicator, employee_id: int):
        """(numerator, denominator) of one fact indicator for one person."""
        total, months = self.facts.get(employee_id, {}).get(item.code, (None, 0))
        if total is None:
            return None, None
        return total, (months if item.fact_aggregation == "mean" else None)

    def lookup(self, item: Indicator, advisor: bool):
        """(numerator's rows, key, denominator's rows or None, key) of a computed indicator
        on one side (a service advisor's or not): `_values` reads each person through it."""
        num_group, den_group = item.groups(advisor)
        return (
            self.groups[num_group],
            item.numerator[1],
            self.groups[den_group] if den_group else None,
            item.denominator[1] if den_group else None,
        )


NOTHING: dict = {}


def compute_period(
    period: Period, employees, codes: list[str] | None = None, items=None, stored=False, only=None
) -> list[IndicatorValue]:
    """Every requested indicator (default: all computed ones) for every employee of the
    queryset `employees`, with a fixed number of aggregate queries whatever their number.
    `stored=True` sums the stored daily components instead of reading the records (the
    caller makes sure they are built: `recompute_period`). `only` (employee ids) keeps
    just those people when `employees` is wider (above the IN-list limit)."""
    return [
        IndicatorValue(employee_id, employee_no, *row)
        for employee_id, employee_no, rows in iter_values(period, employees, codes, items, stored, only)
        for row in rows
    ]


def iter_values(
    period: Period,
    employees,
    codes: list[str] | None = None,
    items=None,
    stored=False,
    only=None,
    sums=None,
) -> Iterator[tuple[int, str, list[tuple]]]:
    """`compute_period` one person at a time (in employee_no order): the queries run now,
    then the generator returned yields (employee id, employee_no, [(indicator, value,
    numerator, denominator, sample, note)]) per person and runs no query, so a caller can
    stream them into a COPY on the same connection. `sums`: the stored days' sums already
    read (`daily.stored`'s `sums`)."""
    items = items or catalog(manual=False)
    codes = codes or [code for code, item in items.items() if item.computed]
    wanted = needed(items, codes)
    people_rows = sorted(
        employees.order_by().values_list("pk", "employee_no", "position"), key=lambda r: r[1]
    )
    if only is not None:
        people_rows = [row for row in people_rows if row[0] in only]
    people = {pk for pk, _no, _pos in people_rows} if len(people_rows) <= PEOPLE_FILTER_LIMIT else None
    components = Components(
        period, items, [c for c in wanted if items[c].family != DERIVED], people, stored, only, sums
    )
    derived = [
        c for c in evaluation_order({c: items[c].expression for c in wanted if items[c].family == DERIVED})
    ]
    formulas = [(code, Formula(items[code].expression), code in codes) for code in derived]
    shown = set(codes)
    # Per side (advisor or not), each indicator's lookups worked out once, not per person:
    # (code, shown, item, numerator's rows, key, denominator's rows or None, key, ratio).
    plans = {}
    for advisor in (False, True):
        plans[advisor] = []
        for code in wanted:
            item = items[code]
            if item.family == DERIVED:
                continue
            if item.family == FACTS:
                plans[advisor].append((code, code in shown, item, None, None, None, None, False))
                continue
            num_rows, num_key, den_rows, den_key = components.lookup(item, advisor)
            ratio = item.has_denominator
            plans[advisor].append((code, code in shown, item, num_rows, num_key, den_rows, den_key, ratio))
    order = {code: n for n, code in enumerate(codes)}
    return _values(people_rows, plans, components, formulas, order)


PLAIN = (int, float)


def _values(people_rows, plans, components, formulas, order) -> Iterator[tuple[int, str, list[tuple]]]:
    """The per-person loop, with the lookups, `value_of` and `sample_of` written out for
    the counts, sums, means and rates (the hot path of an incremental recompute)."""
    for employee_id, employee_no, position in people_rows:
        values = {}
        mine = []
        for code, show, item, num_rows, num_key, den_rows, den_key, ratio in plans[
            position == Position.SERVICE_ADVISOR
        ]:
            if num_rows is None:  # a fact
                numerator, denominator = components.fact(item, employee_id)
                numerator, denominator = _number(numerator), _number(denominator)
                value = _number(value_of(item, numerator, denominator))
                sample = sample_of(item, numerator, denominator)
            else:
                numerator = num_rows.get(employee_id, NOTHING).get(num_key)
                if item.convert:
                    numerator = _convert(numerator, item.convert)
                if numerator is None:
                    numerator = 0
                elif type(numerator) not in PLAIN:
                    numerator = _number(numerator)
                if ratio:
                    denominator = den_rows.get(employee_id, NOTHING).get(den_key) or 0
                    if type(denominator) not in PLAIN:
                        denominator = _number(denominator)
                    value = item.scale * float(numerator) / float(denominator) if denominator else None
                    basis = denominator
                else:
                    denominator = (
                        None if den_rows is None else den_rows.get(employee_id, NOTHING).get(den_key) or 0
                    )
                    value = basis = numerator
                sample = (int(basis) if float(basis).is_integer() else 0) if basis else 0
            values[code] = value
            if show:
                mine.append((code, value, numerator, denominator, sample, ""))
        for code, formula, show in formulas:
            value, note = formula.evaluate(values)
            values[code] = value
            if show:
                mine.append((code, value, value, None, 0, note))
        mine.sort(key=lambda row: order[row[0]])
        yield employee_id, employee_no, mine
