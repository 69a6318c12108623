"""Component groups and their stored daily sums.

A component group (e.g. "done": the work orders a technician completed, with their
counts and times) is one or a few family `Part`s. `compute_period` runs them over a
period directly; `recompute_period` stores their sums per person and local day in
`DailyComponent` and reads a period back as the sum of its days. A change to a few
records then re-aggregates only the (group, day) pairs it touches — the incremental path
(docs/performance.md) — instead of whole months.

Facts (and AVAILABLE_HOURS) are monthly imports, cheap to read: they are never stored here.
"""

import collections
import contextlib
import datetime
from functools import cache

from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone

from servicescore.core.bulk import copy_rows
from servicescore.core.periods import Period, company_zone, day_start, parse_period

from .families import voice, work_orders
from .families.base import add, to_value
from .models import COMPONENT_COLUMNS, ComponentMonth, DailyComponent

# Heaviest first (on the large demo): `rebuild_days` starts them first.
DAILY_GROUPS = {
    "hours": lambda: [work_orders.labour()],
    "closed": voice.closed,
    "done": lambda: [work_orders.completed("technician")],
    "made": lambda: [work_orders.created("technician")],
    "done_advisor": lambda: [work_orders.completed("advisor")],
    "made_advisor": lambda: [work_orders.created("advisor")],
    "invitations": voice.invitations,
    "calls": voice.calls,
    "responses": voice.responses,
    "rework": lambda: [work_orders.comebacks()],
    "resolved": voice.resolved,
    "complaints": voice.complaints,
    "handled": voice.handled,
    "praise": voice.praise,
}
MONTHLY_GROUPS = {"available": work_orders.available_hours}
ALL_GROUPS = [*DAILY_GROUPS, *MONTHLY_GROUPS]


@cache
def layout(group: str) -> dict[str, tuple[str, str]]:
    """component → (value column, kind) for a daily group, in the parts' order."""
    found: dict[str, tuple[str, str]] = {}
    for part in DAILY_GROUPS[group]():
        for name, kind in part.component_kinds().items():
            if name not in found:
                found[name] = (COMPONENT_COLUMNS[len(found)], kind)
    return found


def direct(group: str, period: Period, people=None) -> dict:
    """{employee id: {component: sum}} of one group over the period, from the records."""
    if group in MONTHLY_GROUPS:
        return MONTHLY_GROUPS[group](period, people)
    parts = DAILY_GROUPS[group]()
    if len(parts) == 1:
        return parts[0].per_person(period, people)
    result: dict = {}
    for part in parts:
        for who, sums in part.per_person(period, people).items():
            mine = result.setdefault(who, {})
            for key, number in sums.items():
                mine[key] = add(mine.get(key), number)
    return result


def _local(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(company_zone()).date()


def period_days(period: Period) -> tuple[datetime.date, datetime.date]:
    """The period's first local day and the day after its last."""
    return _local(period.start), _local(period.end)


def _windows(days) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Contiguous runs of local days as [start, end) pairs of aware datetimes."""
    windows, run = [], None
    for day in sorted(set(days)):
        if run and day == run[1]:
            run[1] = day + datetime.timedelta(days=1)
        else:
            if run:
                windows.append(tuple(run))
            run = [day, day + datetime.timedelta(days=1)]
    if run:
        windows.append(tuple(run))
    return [(day_start(first), day_start(after)) for first, after in windows]


def _insert(group: str, windows) -> None:
    columns = {name: column for name, (column, _kind) in layout(group).items()}
    with connection.cursor() as cursor:
        for part in DAILY_GROUPS[group]():
            cursor.execute(*part.daily_insert(DailyComponent._meta.db_table, group, columns, windows))


def _select(group: str, days) -> list[tuple[list[str], list[tuple]]]:
    """What `_insert` would store for these days, as rows (employee id, day, group, *the
    group's value columns, as floats), read instead of inserted: for a second connection
    (`rebuild_days`), whose rows this one then copies in. One (value columns, rows) per
    part."""
    columns = {name: column for name, (column, _kind) in layout(group).items()}
    found = []
    with connection.cursor() as cursor:
        for part in DAILY_GROUPS[group]():
            sql, params, targets = part.daily_select(columns, _windows(days))
            cursor.execute(sql, params)
            rows = [
                (who, day, group, *(None if v is None else float(v) for v in sums))
                for who, day, *sums in cursor.fetchall()
            ]
            found.append((targets, rows))
    return found


def _pairs(group_days: dict[str, set[datetime.date]]) -> Q:
    matching = Q()
    for group, days in group_days.items():
        matching |= Q(group=group, day__in=sorted(days))
    return matching


def _fold(rows) -> dict[tuple, tuple]:
    """Rows (employee, group, day, *sums) by their first three: a group of two parts (e.g.
    "complaints") stores two rows for one person and day, added up here."""
    found: dict[tuple, tuple] = {}
    for row in rows:
        key, values = row[:3], row[3:]
        if key in found:
            values = tuple(map(add, found[key], values))
        found[key] = values
    return found


def stored_rows(group_days: dict[str, set[datetime.date]]) -> dict[tuple, tuple]:
    """(employee, group, day) → the stored sums, for these (group, day) pairs."""
    matching = _pairs(group_days)
    if not matching:
        return {}
    rows = (
        DailyComponent.objects.order_by()
        .filter(matching)
        .values_list("employee", "group", "day", *COMPONENT_COLUMNS)
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:  # no per-row converters: only compared and added
        cursor.execute(sql, params)
        return _fold(cursor.fetchall())


def tune(*, work_mem: bool = False) -> None:
    """PostgreSQL settings for the incremental path, until the transaction ends.

    - random_page_cost 1.1 (the usual value for SSDs): a few days are a small share of
      each table, and probing the indexes beats hashing the whole work-order table, which
      the default (4, priced for spinning disks) prefers;
    - `work_mem`: 64 MB, for the month's sums by person (`month_sums`), which then hash in
      memory instead of going through an on-disk sort (0.4 s instead of 0.65 on the
      large demo). Not for the day's re-aggregation (`work_mem=False` resets it): more
      memory makes hashing the whole labour-line table look cheaper than probing it, and
      it is not."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL random_page_cost = 1.1")
            cursor.execute("SET LOCAL work_mem = '64MB'" if work_mem else "RESET work_mem")


def rebuild_days(group_days: dict[str, set[datetime.date]], aside=None) -> tuple[set[int], dict]:
    """Re-aggregate these (group, day) pairs from the records. Returns the people whose
    stored sums changed (so one edited work order recomputes its people, not everyone who
    worked that day) and the pairs' new sums ((employee, group, day) → sums).

    With an `aside` (core/second_connection.py) on a second connection, that connection reads some
    groups' sums while this one inserts the others, each taking the next group as it is
    free; this one then copies the rows read in."""
    group_days = {group: group_days[group] for group in DAILY_GROUPS if group_days.get(group)}
    tune()
    before = stored_rows(group_days)
    stale = DailyComponent.objects.filter(_pairs(group_days)) if group_days else None
    if stale is not None:
        stale._raw_delete(stale.db)
    waiting = collections.deque(group_days.items())
    elsewhere = aside.submit(_select_while, waiting) if aside is not None and aside.parallel else None
    while True:
        try:
            group, days = waiting.popleft()
        except IndexError:
            break
        _insert(group, _windows(days))
    if elsewhere is not None:
        for targets, rows in elsewhere.result():
            copy_rows(DailyComponent, ["employee_id", "day", "group", *targets], rows)
    after = stored_rows(group_days)
    changed = {key[0] for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    return changed, after


def _select_while(waiting: collections.deque) -> list:
    """`_select` the groups still waiting, one by one, until none is left."""
    tune()
    found = []
    while True:
        try:
            group, days = waiting.popleft()
        except IndexError:
            return found
        found.extend(_select(group, days))


def rebuild_period(period: Period) -> None:
    """Re-aggregate every group over every day of the period's months."""
    for code in period.months:
        month = parse_period(code)
        first, after = period_days(month)
        stale = DailyComponent.objects.filter(day__gte=first, day__lt=after)
        stale._raw_delete(stale.db)
        for group in DAILY_GROUPS:
            _insert(group, [(month.start, month.end)])
        ComponentMonth.objects.update_or_create(period=code, defaults={"built_at": timezone.now()})


def forget(period: Period) -> None:
    """Mark the period's months unbuilt (their stored days may be stale) until
    `rebuild_period` builds them again."""
    ComponentMonth.objects.filter(period__in=period.months).delete()


def unbuilt_months(period: Period) -> list[str]:
    built = set(ComponentMonth.objects.filter(period__in=period.months).values_list("period", flat=True))
    return [code for code in period.months if code not in built]


def _width(groups) -> int:
    return max(len(layout(group)) for group in groups)


def month_sums(period: Period, groups=None, people=None, skip=None) -> dict[tuple, tuple]:
    """(group, employee) → the sums of the group's value columns (the first as many as the
    widest of `groups` has) over the stored days of the period: of these daily `groups`
    (default all), of `people` (default everyone), leaving out the (group, day) pairs in
    `skip`."""
    groups = sorted(groups or DAILY_GROUPS)
    first, after = period_days(period)
    rows = DailyComponent.objects.order_by().filter(day__gte=first, day__lt=after)
    if set(groups) != set(DAILY_GROUPS):
        rows = rows.filter(group__in=groups)
    if people is not None:
        rows = rows.filter(employee__anyof=people)
    if skip:
        # Most rows lie on other days: PostgreSQL stops at the cheap first test and
        # matches the (group, day) pairs only on the skipped days (0.65 → 0.4 s on the
        # large demo, where every row was matched against every pair).
        skipped_days = sorted(set().union(*skip.values()))
        rows = rows.filter(~Q(day__in=skipped_days) | ~_pairs(skip))
    sums = {column: Sum(column) for column in COMPONENT_COLUMNS[: _width(groups)]}
    tune(work_mem=True)
    # Straight from the cursor: Django's per-row converters cost more than the sums here.
    sql, params = rows.values_list("group", "employee").annotate(**sums).query.sql_with_params()
    with connection.cursor() as cursor, _heap_in_page_order(cursor):
        cursor.execute(sql, params)
        return {(row[0], row[1]): row[2:] for row in cursor.fetchall()}


@contextlib.contextmanager
def _heap_in_page_order(cursor):
    """For one query that reads most of a month's components: no plain index scan, no
    parallel workers. With `tune`'s random_page_cost the planner walks the day index and
    fetches a heap page per row — the rows of a day are spread over the whole table, so on
    the large demo it read 556,000 pages for 1.5 million rows (2.1 s); a bitmap heap scan
    reads each page once, in order (38,000 pages, 0.75 s). Workers would compete with the
    day's re-aggregation running beside it on two cores. PostgreSQL only; the settings
    are put back after the query."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SET LOCAL enable_indexscan = off")
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    try:
        yield
    finally:
        cursor.execute("RESET enable_indexscan")
        cursor.execute("RESET max_parallel_workers_per_gather")


def plus_days(sums: dict[tuple, tuple], days: dict[tuple, tuple], period: Period) -> dict[tuple, tuple]:
    """`month_sums` of the period without some days, plus those days' sums ((employee,
    group, day) → sums, as `rebuild_days` returns them): the whole period's, in `sums`."""
    first, after = period_days(period)
    width = _width(DAILY_GROUPS)
    for (employee, group, day), values in days.items():
        if first <= day < after and group in DAILY_GROUPS:
            key = (group, employee)
            values = values[:width]
            known = sums.get(key)
            sums[key] = values if known is None else tuple(map(add, known, values))
    return sums


def stored(groups, period: Period, people=None, only=None, sums=None) -> dict[str, dict]:
    """{group: {employee id: {component: sum}}} summed from the stored days, in the types
    `direct` gives; monthly groups are read from the records. `people` narrows the query,
    `only` the people kept from it; `sums` (`month_sums` of every daily group, e.g. as
    `plus_days` gives them) are used instead of the query."""
    result: dict[str, dict] = {group: {} for group in groups}
    daily = [group for group in groups if group in DAILY_GROUPS]
    for group in set(groups) - set(daily):
        result[group] = direct(group, period, people)
    if not daily or (people is not None and not people):
        return result
    if sums is None:
        sums = month_sums(period, daily, people)
    layouts = {
        group: [(int(column[1:]), name, kind) for name, (column, kind) in layout(group).items()]
        for group in daily
    }
    for (group, employee), values in sums.items():
        if (only is not None and employee not in only) or group not in layouts:
            continue
        result[group][employee] = {
            name: values[index] if kind == "number" else to_value(values[index], kind)
            for index, name, kind in layouts[group]
        }
    return result
