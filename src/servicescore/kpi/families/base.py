"""The shape every family query takes: a `Part` is one aggregate over one table — the
records whose anchoring timestamp falls in a window, grouped by the person they count for.

A part runs two ways from the same definition:

- `per_person`: one GROUP BY person over a period (what `compute_period` reads);
- `daily_insert`: one INSERT … SELECT that stores its sums per person and local day in
  `DailyComponent`, so a changed day is re-aggregated alone and a month is the sum of its
  days (what `recompute_period` stores and the incremental path relies on);
  `daily_select` is its SELECT alone, for rows read on a second connection and copied in.

A part with `second` counts each record for `person` (the lead technician) and for
`second` (the service advisor), once when they are the same person: the query groups by
the pair and the pair's sums are folded onto both.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import DurationField, F, IntegerField, Q, QuerySet
from django.db.models.functions import TruncDate

from servicescore.core.periods import Period, company_zone

WHO, SECOND, DAY = "kpi_who", "kpi_second", "kpi_day"


def add(a, b):
    """Sum two aggregates either of which may be None (no rows)."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def anchored(field: str, windows) -> Q:
    """`field` within any of `windows` ([start, end) pairs of aware datetimes)."""
    found = Q()
    for start, end in windows:
        found |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return found


def _of(person: str, people) -> Q:
    return Q(**{f"{person}__isnull": False}) if people is None else Q(**{f"{person}__anyof": people})


@dataclass(frozen=True)
class Part:
    queryset: QuerySet | Callable[..., QuerySet]
    person: str
    anchor: str
    annotations: dict | Callable[..., dict]
    second: str | None = None

    def records(self, windows=()) -> QuerySet:
        """The part's queryset; a callable `queryset` is given the windows (to narrow its
        subqueries to them)."""
        return self.queryset(windows) if callable(self.queryset) else self.queryset

    def aggregates(self, windows=()) -> dict:
        """The part's aggregates; callable `annotations` are given the windows too."""
        return self.annotations(windows) if callable(self.annotations) else self.annotations

    def within(self, windows) -> QuerySet:
        """The records anchored in any of `windows` ([start, end) pairs of aware datetimes)."""
        return self.records(windows).order_by().filter(anchored(self.anchor, windows))

    def per_person(self, period: Period, people=None) -> dict:
        """{employee id: {component: sum}} over the period; `people` narrows it."""
        windows = [(period.start, period.end)]
        records, aggregates = self.within(windows), self.aggregates(windows)
        if self.second is None:
            rows = records.filter(_of(self.person, people)).values(self.person).annotate(**aggregates)
            return {row.pop(self.person): row for row in rows}
        records = records.filter(_of(self.person, people) | _of(self.second, people))
        result: dict = {}
        for row in records.values(self.person, self.second).annotate(**aggregates):
            lead, second = row.pop(self.person), row.pop(self.second)
            for who in (lead, second if second != lead else None):
                if who is None or (people is not None and who not in people):
                    continue
                mine = result.setdefault(who, {})
                for key, number in row.items():
                    mine[key] = add(mine.get(key), number)
        return result

    def component_kinds(self) -> dict[str, str]:
        """component → 'int', 'duration' or 'number', read off the resolved aggregates."""
        aggregates = self.aggregates()
        query = self.records().values(self.person).annotate(**aggregates).query
        kinds = {}
        for name in aggregates:
            output = query.annotations[name].output_field
            kinds[name] = (
                "duration"
                if isinstance(output, DurationField)
                else "int"
                if isinstance(output, IntegerField)
                else "number"
            )
        return kinds

    def _daily(self, columns: dict[str, str], windows) -> tuple[str, list, str, list[str]]:
        """The pieces of `daily_select` and `daily_insert`: the records' CTE, its
        parameters, the sums' SELECT list (after who, day, group) with its FROM, and the
        value columns the sums go to."""
        zone = company_zone()
        grouped = {WHO: F(self.person), DAY: TruncDate(self.anchor, tzinfo=zone)}
        if self.second:
            grouped[SECOND] = F(self.second)
        aggregates = self.aggregates(windows)
        records = self.within(windows).annotate(**grouped).values(*grouped).annotate(**aggregates)
        inner, params = records.query.sql_with_params()
        q = connection.ops.quote_name
        kinds = self.component_kinds()

        def seconds(name: str) -> str:
            if kinds[name] != "duration":
                return q(name)
            if connection.vendor == "postgresql":
                return f"EXTRACT(EPOCH FROM {q(name)})"
            return f"({q(name)} / 1000000.0)"  # SQLite keeps durations in microseconds

        measures = ", ".join(f"{seconds(name)} AS {q(name)}" for name in aggregates)
        branches = [f"SELECT {q(WHO)} AS who, {q(DAY)} AS day, {measures} FROM s WHERE {q(WHO)} IS NOT NULL"]
        if self.second:
            branches.append(
                f"SELECT {q(SECOND)}, {q(DAY)}, {measures} FROM s WHERE {q(SECOND)} IS NOT NULL"
                f" AND ({q(WHO)} IS NULL OR {q(SECOND)} <> {q(WHO)})"
            )
        sums = ", ".join(f"SUM({q(name)})" for name in aggregates)
        tail = f"{sums} FROM ({' UNION ALL '.join(branches)}) u GROUP BY who, day"
        return f"WITH s AS ({inner})", params, tail, [columns[name] for name in aggregates]

    def daily_select(self, columns: dict[str, str], windows) -> tuple[str, list, list[str]]:
        """SELECT of this part's sums per (person, local day) over `windows`, as rows
        (employee id, day, *sums); `columns` maps each component to its value column.
        Returns the SQL, its parameters and the value columns in the rows' order."""
        cte, params, tail, targets = self._daily(columns, windows)
        return f"{cte} SELECT who, day, {tail}", params, targets

    def daily_insert(self, table: str, group: str, columns: dict[str, str], windows) -> tuple[str, list]:
        """INSERT … SELECT of `daily_select`'s rows into `table`."""
        cte, params, tail, targets = self._daily(columns, windows)
        q = connection.ops.quote_name
        into = f"INSERT INTO {q(table)} (employee_id, day, grp, {', '.join(map(q, targets))})"
        return f"{cte} {into} SELECT who, day, %s, {tail}", [*params, group]


def to_value(number, kind: str):
    """A stored daily sum (a float) back in the type the direct query gives."""
    if number is None:
        return None
    if kind == "int":
        return int(round(number))
    if kind == "duration":
        return datetime.timedelta(seconds=number)
    return number
