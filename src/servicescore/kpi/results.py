"""The employees' stored indicator results, as their readers want them.

A recompute stores each person's figures for a period as one document (EmployeeResults:
code → [value, numerator, denominator, records] or, with a note, [..., note]). This
module writes that form (`entry`) and reads it back: one person's results with what they
rest on (`StoredResult`), many people's figures for scoring (`figures_of`), and the mean
of a few indicators over many people and months in SQL (`mean_values`), so that no
reader unpacks the documents by hand. The org units' results stay one row per indicator
(IndicatorResult).
"""

import datetime
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from django.db.models import Avg, F, FloatField, Func, QuerySet

from .figures import Figure
from .models import EmployeeResults


def entry(value, numerator, denominator, sample, note="") -> list:
    """One indicator's figures as the document stores them; the note only when there is
    one (most values have none)."""
    figure = [value, numerator, denominator, sample]
    return figure + [note] if note else figure


class StoredResult(NamedTuple):
    """One indicator's stored value for one employee and period, with what it rests on."""

    period: str
    indicator: str
    employee_id: int
    value: float | None
    numerator: float | None
    denominator: float | None
    sample: int
    note: str
    computed_at: datetime.datetime


def _result(doc: EmployeeResults, code: str, stored: list) -> StoredResult:
    value, numerator, denominator, sample, *note = stored
    return StoredResult(
        doc.period, code, doc.employee_id, value, numerator, denominator, sample, note[0] if note else "",
        doc.computed_at,
    )  # fmt: skip


def results_in(doc: EmployeeResults, codes: Iterable[str] | None = None) -> dict[str, StoredResult]:
    """code → StoredResult of one document, in code order; only `codes` when given."""
    wanted = None if codes is None else set(codes)
    return {
        code: _result(doc, code, stored)
        for code, stored in sorted(doc.figures.items())
        if wanted is None or code in wanted
    }


def stored_results(employee, period_code: str, codes: Iterable[str] | None = None) -> dict[str, StoredResult]:
    """code → StoredResult of one employee (an instance or an id) and period; empty when
    the period was never computed for them. One query."""
    employee_id = getattr(employee, "pk", employee)
    doc = EmployeeResults.objects.filter(period=period_code, employee_id=employee_id).first()
    return {} if doc is None else results_in(doc, codes)


def stored_result(employee, period_code: str, code: str) -> StoredResult | None:
    """One employee's stored result of one indicator and period, or None. One query."""
    return stored_results(employee, period_code, [code]).get(code)


def figure_of(stored: list) -> Figure:
    """The Figure of one document entry (as `figures_of` gives them)."""
    return Figure(stored[0], stored[1], stored[2], stored[3])


def figures_of(
    periods: str | Iterable[str], people: Iterable[int] | QuerySet | None = None, codes=None
) -> Iterator[tuple[int, str, dict[str, Figure]]]:
    """(employee id, period, code → Figure) of the stored documents of `periods` (a code
    or several), for `people` (ids or a queryset of employees; None: everyone), with only
    `codes` when given. One query, read in chunks."""
    docs = EmployeeResults.objects.order_by()
    docs = docs.filter(period=periods) if isinstance(periods, str) else docs.filter(period__in=list(periods))
    if people is not None:
        docs = (
            docs.filter(employee__in=people)
            if isinstance(people, QuerySet)
            else docs.filter(employee__anyof=list(people))
        )
    wanted = None if codes is None else set(codes)
    for employee_id, period, figures in docs.values_list("employee_id", "period", "figures").iterator(
        chunk_size=5_000
    ):
        yield (
            employee_id,
            period,
            {
                code: Figure(stored[0], stored[1], stored[2], stored[3])
                for code, stored in figures.items()
                if wanted is None or code in wanted
            },
        )


class StoredValue(Func):
    """One indicator's stored value in an EmployeeResults query, as a float (null when the
    person has none, or a null value), for filters and aggregates in SQL. Written out per
    database: Django's JSON key transforms give SQLite's JSON null as the text 'null',
    which a cast turns into 0."""

    output_field = FloatField()

    def __init__(self, code: str):
        super().__init__(F("figures"))
        self.code = code

    def as_sql(self, compiler, connection, **extra):
        figures, params = compiler.compile(self.source_expressions[0])
        return f"JSON_EXTRACT({figures}, %s)", (*params, f'$."{self.code}"[0]')

    def as_postgresql(self, compiler, connection, **extra):
        figures, params = compiler.compile(self.source_expressions[0])
        return f"(({figures} -> %s) ->> 0)::double precision", (*params, self.code)


def mean_values(people: QuerySet, periods: list[str], codes: list[str]) -> dict[tuple[str, str], float]:
    """(period, code) → the mean stored value of `people` (a queryset of employees) over
    those with a value (AVG leaves out the nulls). One aggregate query in the database."""
    if not codes:
        return {}
    means = {f"m{n}": Avg(StoredValue(code)) for n, code in enumerate(codes)}
    rows = (
        EmployeeResults.objects.order_by()
        .filter(employee__in=people, period__in=periods)
        .values("period")
        .annotate(**means)
    )
    return {
        (row["period"], code): row[f"m{n}"]
        for row in rows
        for n, code in enumerate(codes)
        if row[f"m{n}"] is not None
    }
