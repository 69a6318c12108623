"""Component groups and their stored daily sums.

A component group (e.g. "done": the work orders a technician completed, with their
counts and times) is one or a few family `Part`s. `compute_period` runs them over a
period directly; `recompute_period` stores their sums per person and local day in
`DailyComponent` and reads a period back as the sum of its days. A change to a few
records then re-aggregates only the (group, day) pairs it touches — the incremental path
(docs/performance.md) — instead of whole months.

Facts (and AVAILABLE_HOURS) are monthly imports, cheap to read: they are never stored here.

A built month also keeps each group's sums per person over its days but the last few
(`ComponentPrefix`, "prefixes"): a month's sums then read those and the few days after
them, not every day (on the large demo 1.5 million rows become about 120,000). A change to
a day inside a group's prefix drops that group's prefix (the sums fall back to the days)
until `build_prefixes` runs again, queued after the commit.
"""

import collections
import contextlib
import datetime
import functools
import operator
from functools import cache

from django.db import connection
from django.db.models import F, Max, Q, Sum
from django.utils import timezone

from servicescore.core.bulk import copy_rows
from servicescore.core.periods import Period, company_zone, day_start, parse_period

from .families import voice, work_orders
from .families.base import add, to_value
from .models import COMPONENT_COLUMNS, ComponentMonth, ComponentPrefix, DailyComponent

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


def rebuild_days(
    group_days: dict[str, set[datetime.date]], aside=None
) -> tuple[dict[int, set[str]], dict, set[str]]:
    """Re-aggregate these (group, day) pairs from the records. Returns the people whose
    stored sums changed, each with the groups that changed (so one edited work order
    recomputes its people, not everyone who worked that day, and of them only the
    indicators those groups feed), the pairs' new sums ((employee, group, day) → sums) and the months
    whose prefixes held one of the pairs and were dropped (`build_prefixes` them again).

    With an `aside` (core/second_connection.py) on a second connection, that connection reads some
    groups' sums while this one inserts the others, each taking the next group as it is
    free; this one then copies the rows read in."""
    group_days = {group: group_days[group] for group in DAILY_GROUPS if group_days.get(group)}
    tune()
    dropped = drop_stale_prefixes(group_days)
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
    changed: dict[int, set[str]] = {}
    for key in before.keys() | after.keys():
        if before.get(key) != after.get(key):
            changed.setdefault(key[0], set()).add(key[1])
    return changed, after, dropped


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
        build_prefixes(month)


# The last days of a month with components stay out of its prefixes: most changes land on
# the latest days (orders completed today, yesterday's late answers), which then never
# drop a prefix.
PREFIX_OPEN_DAYS = 2


def build_prefixes(month: Period) -> None:
    """Store every daily group's sums per person over the built month's days before its
    last PREFIX_OPEN_DAYS days with components, and note that day per group on the
    month's `ComponentMonth`. Replaces what was stored; nothing when the month is not
    built or too short. One INSERT … SELECT."""
    row = ComponentMonth.objects.filter(period=month.code).first()
    if row is None:
        return
    stale = ComponentPrefix.objects.filter(period=month.code)
    stale._raw_delete(stale.db)
    first, after = period_days(month)
    last = DailyComponent.objects.filter(day__gte=first, day__lt=after).aggregate(last=Max("day"))["last"]
    until = last - datetime.timedelta(days=PREFIX_OPEN_DAYS - 1) if last else first
    prefixes = {}
    if until > first:
        table = connection.ops.quote_name(ComponentPrefix._meta.db_table)
        days = DailyComponent.objects.order_by().filter(day__gte=first, day__lt=until)
        sql, params = (
            days.values_list("employee", "group")
            .annotate(**{column: Sum(column) for column in COMPONENT_COLUMNS})
            .query.sql_with_params()
        )
        columns = ", ".join(COMPONENT_COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (period, employee_id, grp, {columns}) SELECT %s, s.* FROM ({sql}) s",
                [month.code, *params],
            )
        prefixes = dict.fromkeys(DAILY_GROUPS, until.isoformat())
    row.prefixes = prefixes
    row.save(update_fields=["prefixes"])


def drop_stale_prefixes(group_days: dict[str, set[datetime.date]]) -> set[str]:
    """Drop the prefixes that hold one of these (group, day) pairs, which are about to be
    re-aggregated. Returns the months that lost one (`build_prefixes` them after the
    commit)."""
    touched: dict[str, dict[str, datetime.date]] = collections.defaultdict(dict)
    for group, days in group_days.items():
        for day in days:
            code = f"{day:%Y-%m}"
            earliest = touched[code].get(group)
            touched[code][group] = day if earliest is None else min(earliest, day)
    dropped = set()
    for row in ComponentMonth.objects.filter(period__in=touched):
        stale = [
            group
            for group, day in touched[row.period].items()
            if group in row.prefixes and day < datetime.date.fromisoformat(row.prefixes[group])
        ]
        if not stale:
            continue
        rows = ComponentPrefix.objects.filter(period=row.period, group__in=stale)
        rows._raw_delete(rows.db)
        row.prefixes = {group: day for group, day in row.prefixes.items() if group not in stale}
        row.save(update_fields=["prefixes"])
        dropped.add(row.period)
    return dropped


def _prefixes(period: Period) -> dict[str, dict[str, datetime.date]]:
    """month code → group → the first day its prefix does not hold, for the period's built
    months."""
    return {
        code: {group: datetime.date.fromisoformat(day) for group, day in prefixes.items()}
        for code, prefixes in ComponentMonth.objects.filter(period__in=period.months).values_list(
            "period", "prefixes"
        )
    }


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
    width = COMPONENT_COLUMNS[: _width(groups)]
    usable = _usable_prefixes(period, groups, skip or {})
    rows = DailyComponent.objects.order_by().filter(_days_to_read(period, groups, usable))
    summed = _summed_rows(usable)
    if people is not None:
        rows = rows.filter(employee__anyof=people)
        summed = summed.filter(employee__anyof=people) if summed is not None else None
    if skip:
        # Most rows lie on other days: PostgreSQL stops at the cheap first test and
        # matches the (group, day) pairs only on the skipped days (0.65 → 0.4 s on the
        # large demo, where every row was matched against every pair).
        skipped_days = sorted(set().union(*skip.values()))
        rows = rows.filter(~Q(day__in=skipped_days) | ~_pairs(skip))
    tune(work_mem=True)
    # Straight from the cursor: Django's per-row converters cost more than the sums here.
    named = {"k_group": F("group"), "k_employee": F("employee"), **{f"k_{c}": F(c) for c in width}}
    sql, params = rows.values(**named).query.sql_with_params()
    if summed is not None:
        more, more_params = summed.values(**named).query.sql_with_params()
        sql, params = f"{sql} UNION ALL {more}", (*params, *more_params)
    sums = ", ".join(f"SUM(k_{column})" for column in width)
    with connection.cursor() as cursor, _heap_in_page_order(cursor):
        cursor.execute(
            f"SELECT k_group, k_employee, {sums} FROM ({sql}) u GROUP BY k_group, k_employee", params
        )
        return {(row[0], row[1]): row[2:] for row in cursor.fetchall()}


def _usable_prefixes(period: Period, groups, skip) -> dict[str, dict[str, datetime.date]]:
    """The prefixes `month_sums` reads: month code → group → its first day not summed,
    without those that hold a skipped (group, day) pair."""
    usable = {}
    for code, prefixes in _prefixes(period).items():
        usable[code] = {
            group: until
            for group, until in prefixes.items()
            if group in groups
            and not any(f"{day:%Y-%m}" == code and day < until for day in skip.get(group, ()))
        }
    return usable


def _days_to_read(period: Period, groups, usable) -> Q:
    """The stored days `month_sums` reads: each month's days after its groups' `usable`
    prefixes, every day of a group without one."""
    wanted = []
    for code in period.months:
        first, after = period_days(parse_period(code))
        prefixes = usable.get(code, {})
        by_start: dict[datetime.date, list[str]] = collections.defaultdict(list)
        for group in groups:
            by_start[prefixes.get(group, first)].append(group)
        for start, some in sorted(by_start.items()):
            these = Q(day__gte=start, day__lt=after)
            if set(some) != set(DAILY_GROUPS):
                these &= Q(group__in=sorted(some))
            wanted.append(these)
    return functools.reduce(operator.or_, wanted)


def _summed_rows(usable):
    """The `usable` prefixes as a queryset of `ComponentPrefix` rows (None: none)."""
    wanted = Q()
    for code, prefixes in usable.items():
        if prefixes:
            wanted |= Q(period=code, group__in=sorted(prefixes))
    return ComponentPrefix.objects.order_by().filter(wanted) if wanted else None


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
