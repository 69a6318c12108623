"""The recompute engine: compute and store a period's indicator results (employees, then
the org-unit roll-ups by pooling), queue recomputes when records change and drain the
queue. When a period's figures are stored it sends `kpi.signals.figures_stored` inside
the same transaction (the appraisal app scores the scorecards then), and writes one audit
entry on the period's `ComputedPeriod` row."""

import functools
import gc
import time
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from servicescore.core.audit import audit_record, diff, snapshot
from servicescore.core.bulk import copy_rows
from servicescore.core.periods import Period, day_start, month_of, parse_period, parse_span, quarter_of
from servicescore.core.second_connection import SecondConnection
from servicescore.org.models import Employee, OrgUnit, Position

from .. import compute, daily
from ..catalog import catalog, computed_codes
from ..derived import Formula, evaluation_order
from ..figures import NOTHING_STORED, Figure, StoredFigures
from ..models import (
    ComputedPeriod,
    DailyComponent,
    EmployeeResults,
    IndicatorResult,
    MetricFact,
    RecomputeRequest,
)
from ..registry import DERIVED, FACTS
from ..results import figures_of
from ..signals import figures_stored, figures_storing


def _period(period) -> Period:
    # a month, a quarter or a year (a year is stored only when asked for: an annual cycle
    # recomputed over the whole year)
    return period if isinstance(period, Period) else parse_span(period)


# --- indicator results -------------------------------------------------------------------


RESULT_COLUMNS = ["period", "employee_id", "figures", "computed_at"]


UNIT_RESULT_COLUMNS = [
    "period", "indicator", "org_unit_id", "value", "numerator", "denominator", "sample", "note",
    "computed_at",
]  # fmt: skip


def _pooled_codes(items) -> tuple[set[str], set[str]]:
    """The codes org units pool from their employees, and those pooled without the service
    advisors (a work order counts for its technician and its advisor: once is enough)."""
    poolable = {
        code
        for code, item in items.items()
        if item.shape in ("count", "sum", "mean", "rate")
        or (item.family == FACTS and item.fact_aggregation == "sum")
    }
    return poolable, {code for code, item in items.items() if item.pooled_without_advisors}


def _delete_stale_results(period: Period, people) -> None:
    """Delete the stored results about to be written again: everyone's (`people` None) or
    the people's."""
    stale = EmployeeResults.objects.filter(period=period.code)
    if people is not None:
        stale = stale.filter(employee__anyof=people)
    stale._raw_delete(stale.db)


def _store_employee_results(period: Period, per_person, people, now, items, staff):
    """Replace the stored results of `people` (None: everyone) by `per_person` (what
    `iter_values` yields): one document per person (EmployeeResults), each going into the
    COPY stream as it is worked out. Returns (the ids of the people given, their figures:
    employee id → code → Figure as the database would give them back, their pools: (org
    unit, code) → [numerator, denominator, sample] as `roll_up` sums them) as
    StoredFigures, so neither the roll-up nor the receivers of `figures_stored` read them
    again. `staff`: employee id → (org unit id, position), for the pools."""
    _delete_stale_results(period, people)
    given: set[int] = set()
    figures: dict[int, dict[str, Figure]] = {}
    pools: dict[tuple[int, str], list] = {}
    counted = {code: item.shape in ("count", "sum") for code, item in items.items()}
    poolable, without_advisors = _pooled_codes(items)
    pooled_by = {False: poolable, True: poolable - without_advisors}

    def rows():
        for employee_id, _no, values in per_person:
            given.add(employee_id)
            mine = figures[employee_id] = {}
            document = {}
            unit, position = staff[employee_id]
            pooled = pooled_by[position == Position.SERVICE_ADVISOR]
            for code, value, numerator, denominator, sample, note in values:
                if not (note or denominator) and (not value if counted[code] else value is None):
                    # Nothing worth storing: reading a missing one gives the same (0 for a
                    # count or sum, no data otherwise). A fact or formula at 0 is kept.
                    continue
                if numerator is not None:
                    numerator = float(numerator)
                if denominator is not None:
                    denominator = float(denominator)
                if value is not None:
                    value = float(value)
                mine[code] = Figure(value, numerator, denominator, sample)
                document[code] = (
                    [value, numerator, denominator, sample, note[:300]]
                    if note
                    else [value, numerator, denominator, sample]
                )  # results.entry, written out: the hot path
                if code in pooled:
                    pool = pools.get((unit, code))
                    if pool is None:
                        pool = pools[unit, code] = [0.0, 0.0, 0]
                    pool[0] += numerator or 0
                    pool[1] += denominator or 0
                    pool[2] += sample
            yield (period.code, employee_id, document, now)

    copy_rows(EmployeeResults, RESULT_COLUMNS, rows())
    return StoredFigures(given, figures, pools)


def unit_chains() -> tuple[dict[int, list[int]], dict[int, str]]:
    """unit id → its ids from the root down (itself included), and unit id → kind. One
    query."""
    chains, kinds = {}, {}
    for pk, path, kind in OrgUnit.objects.values_list("pk", "path", "kind"):
        chains[pk] = [int(part) for part in path.strip("/").split("/") if part] or [pk]
        kinds[pk] = kind
    return chains, kinds


def stored_pools(period: Period, items, leave_out=None) -> list[tuple]:
    """The stored employee results of the period pooled by (org unit, code): rows (org unit
    id, code, numerator, denominator, sample), without the people in `leave_out`. One
    query; safe on a second connection while the recompute stores `leave_out`'s."""
    poolable, advisor_codes = _pooled_codes(items)
    staff = {
        pk: (unit, position == Position.SERVICE_ADVISOR)
        for pk, unit, position in Employee.objects.values_list("pk", "org_unit", "position")
    }
    people = None
    if leave_out:
        people = set(staff) - set(leave_out)
        if not people:
            return []
    pooled: dict[tuple[int, str], list] = {}
    without = {False: poolable, True: poolable - advisor_codes}
    for employee_id, _period, figures in figures_of(period.code, people):
        unit, advisor = staff.get(employee_id, (None, False))
        if unit is None:
            continue
        wanted = without[advisor]
        for code, (_value, numerator, denominator, sample) in figures.items():
            if code in wanted:
                pool = pooled.get((unit, code))
                if pool is None:
                    pool = pooled[unit, code] = [0.0, 0.0, 0]
                pool[0] += numerator or 0
                pool[1] += denominator or 0
                pool[2] += sample or 0
    return [(unit, code, *sums) for (unit, code), sums in pooled.items()]


def roll_up(
    period: Period, items=None, now=None, known: StoredFigures | None = None, others: list | None = None
) -> int:
    """Every org unit's results for the period, pooling its employees' stored numerators
    and denominators (never averaging rates); derived indicators are evaluated on the
    pooled values. Advisor-version values stay out of the pool so a work order is not
    counted twice; averaged facts come only from facts imported for the unit. `known` is
    what `_store_employee_results` returned for the people just stored: their pools are
    taken as they are, only everyone else's are read — or taken from `others`
    (`stored_pools` leaving `known.people` out, read beforehand). Returns the number of
    rows stored."""
    return _roll_up(period, items, now, known, others)[0]


def _roll_up(period, items, now, known, others) -> tuple[int, dict[int, dict[str, Figure]]]:
    """`roll_up`, also returning the org units' figures as stored (unit id → code →
    Figure), for the scorecards."""
    items = items or catalog(manual=False)
    now = now or timezone.now()
    known_people, _figures, known_pools, _units = known or NOTHING_STORED
    if others is None:
        others = stored_pools(period, items, leave_out=known_people)
    chains, _kinds = unit_chains()
    pooled: dict[tuple[int, str], list] = defaultdict(lambda: [0.0, 0.0, 0])
    for rows in (others, ((unit, code, *sums) for (unit, code), sums in known_pools.items())):
        for unit_id, code, num, den, sample in rows:
            for unit in chains.get(unit_id, ()):
                acc = pooled[unit, code]
                acc[0] += num or 0
                acc[1] += den or 0
                acc[2] += sample or 0
    own_facts = {
        (row["org_unit"], row["indicator"]): (row["total"], row["months"])
        for row in MetricFact.objects.order_by()
        .filter(period__in=period.months, org_unit__isnull=False)
        .values("org_unit", "indicator")
        .annotate(total=Sum("value"), months=Count("pk"))
    }
    values: dict[int, dict[str, float | None]] = defaultdict(dict)
    figures: dict[int, dict[str, Figure]] = defaultdict(dict)
    out = []

    def emit(unit, code, value, numerator, denominator, sample=0, note=""):
        values[unit][code] = value
        if value is None and not numerator and not denominator and not note:
            return
        # As the database gives them back (float columns).
        value = None if value is None else float(value)
        numerator = None if numerator is None else float(numerator)
        denominator = None if denominator is None else float(denominator)
        figures[unit][code] = Figure(value, numerator, denominator, sample or 0)
        out.append((period.code, code, unit, value, numerator, denominator, sample, note[:300], now))

    for (unit, code), (num, den, sample) in pooled.items():
        if (unit, code) in own_facts:
            continue
        item = items[code]
        if item.family == FACTS:
            emit(unit, code, num, num, None)
        elif item.has_denominator:
            emit(unit, code, item.scale * num / den if den else None, num, den, sample)
        else:
            emit(unit, code, num, num, None, sample)
    for (unit, code), (total, months) in own_facts.items():
        item = items.get(code)
        if item is None:
            continue
        total = float(total)
        value = total / months if item.fact_aggregation == "mean" and months else total
        emit(unit, code, value, total, months if item.fact_aggregation == "mean" else None)
    derived = evaluation_order({c: i.expression for c, i in items.items() if i.family == DERIVED})
    if derived:
        formulas = {code: Formula(items[code].expression) for code in derived}
        for unit in list(chains):
            for code in derived:
                value, note = formulas[code].evaluate(values.get(unit, {}))
                emit(unit, code, value, value, None, 0, note if any(values.get(unit, {}).values()) else "")
    stale = IndicatorResult.objects.filter(period=period.code)
    stale._raw_delete(stale.db)
    return copy_rows(IndicatorResult, UNIT_RESULT_COLUMNS, out), dict(figures)


# --- the run -----------------------------------------------------------------------------


def _collecting_after(function):
    """Run `function` with Python's cyclic garbage collector paused. A recompute keeps
    hundreds of thousands of small tuples and dicts alive until it ends (the figures it
    scores and rolls up), and each automatic collection on the way would walk all of them
    again: about 0.2 s of a 4 s day on the large demo. They are freed by reference
    counting as usual; the collector resumes afterwards."""

    @functools.wraps(function)
    def paused(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


RECOMPUTE_LOCK = 0x4B5049  # "KPI": PostgreSQL advisory lock key


def _one_at_a_time() -> None:
    """Recomputes run one at a time until their transaction ends: two workers replacing the
    same day's components would each delete the old rows and both insert new ones. SQLite
    serialises writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK])


def recompute_period(period, people=None, days=None, *, rebuild=None) -> dict:
    """Compute and store the period's indicator results, the org-unit roll-ups and the
    scorecards — for everyone, or for the employee ids in `people`.

    Everyone (`rebuild`, the default with no `people` and no `days`), or a month whose
    daily components are not built: the figures come straight from the records, the
    month is marked unbuilt and `build_components` is queued for after the commit — the
    figures do not wait for the daily layer. Otherwise the figures are summed from the
    stored daily components (kpi/daily.py): `days` ({group: {local date}}) re-aggregates
    those days first and adds the people whose sums changed to `people`. The scorecards
    of everyone in the touched people's service centres are scored again (their
    shrinkage prior moved; appraisal does it on `figures_stored`). Returns counts and
    seconds."""
    return _recompute(period, people, days, rebuild)[0]


@_collecting_after
@transaction.atomic
def _recompute(period, people, days, rebuild) -> tuple[dict, set[int] | None]:
    """`recompute_period`, also returning the ids of the people recomputed (None:
    everyone)."""
    _one_at_a_time()
    # Opened inside this transaction: it reads on another core only when this one is the
    # outermost (core/second_connection.py).
    with SecondConnection() as aside:
        return _recompute_reading_aside(period, people, days, rebuild, aside)


def _recompute_reading_aside(period, people, days, rebuild, aside) -> tuple[dict, set[int] | None]:
    """`_recompute`, with `aside` for the reads that can run on the other core: the other
    days' sums beside the day's re-aggregation, then the roll-up's and the scorecards'
    reads of what this run does not change while the figures are stored."""
    period = _period(period)
    started = time.perf_counter()
    now = timezone.now()
    items = catalog(manual=False)
    if rebuild is None:
        rebuild = people is None and not days
    direct = rebuild or bool(daily.unbuilt_months(period))
    sums = None
    if direct:
        daily.forget(period)
        people = None  # the records may have changed unseen: everyone
        from ..tasks import build_components_task

        transaction.on_commit(lambda: build_components_task.delay(period.code))
    elif days:
        elsewhere = aside.submit(daily.month_sums, period, skip=days)
        changed, fresh, dropped = daily.rebuild_days(days, aside)
        sums = daily.plus_days(elsewhere.result(), fresh, period)
        if dropped:
            from ..tasks import build_prefixes_task

            for month in sorted(dropped):
                transaction.on_commit(functools.partial(build_prefixes_task.delay, month))
        # The people asked for, and those whose sums changed.
        people = set(changed) | set(people or ())
    aggregated = time.perf_counter()
    if people is not None and not people:
        # Nothing anyone counts changed (e.g. an edit of a field no indicator reads).
        return {
            "period": period.code,
            "people": 0,
            "results": 0,
            "org_unit_results": 0,
            "seconds": {"aggregate": round(aggregated - started, 3)},
        }, set()
    employees = Employee.objects.all()
    if people is not None:
        people = set(people)
        if len(people) <= compute.PEOPLE_FILTER_LIMIT:
            employees = employees.filter(pk__anyof=people)
    # Each person's figures are stored while the next person's are worked out.
    values = compute.iter_values(
        period, employees, computed_codes(items), items, stored=not direct, only=people, sums=sums
    )
    staff = {
        pk: (unit, position)
        for pk, unit, position in Employee.objects.values_list("pk", "org_unit", "position")
    }
    others, handover = None, {}
    if people is not None:
        # Read on the other core while this connection stores the figures: everyone
        # else's pools for the roll-up, and what the receivers ask for (the scorecards).
        others = aside.submit(stored_pools, period, items, leave_out=people)
        figures_storing.send(
            sender=ComputedPeriod, period=period, people=people, items=items, reader=aside, handover=handover
        )
    known = _store_employee_results(period, values, people, now, items, staff)
    stored = time.perf_counter()
    units, unit_figures = _roll_up(period, items, now, known, others.result() if others else None)
    known = known._replace(units=unit_figures)
    rolled = time.perf_counter()
    summary = {
        "period": period.code,
        "people": len(known.people),
        "results": sum(map(len, known.figures.values())),
        "org_unit_results": units,
        "seconds": {
            "aggregate": round(aggregated - started, 3),
            "figures": round(stored - aggregated, 3),
            "roll_up": round(rolled - stored, 3),
        },
    }
    for _receiver, answer in figures_stored.send(
        sender=ComputedPeriod,
        period=period,
        people=people,
        stored=known,
        items=items,
        now=now,
        handover=handover,
    ):
        if isinstance(answer, dict):
            summary["seconds"].update(answer.get("seconds", {}))
            summary.update({key: value for key, value in answer.items() if key != "seconds"})
    _audit_recompute(period, now, summary)
    return summary, people


def _audit_recompute(period: Period, now, summary: dict) -> None:
    """The period's ComputedPeriod row, updated with what this run stored, and one audit
    entry on it: before → after of the counts, plus what the receivers reported."""
    row = ComputedPeriod.objects.select_for_update().filter(period=period.code).first()
    before = snapshot(row) if row is not None else {}
    fields = {
        "computed_at": now,
        "people": summary["people"],
        "results": summary["results"],
        "org_unit_results": summary["org_unit_results"],
    }
    if row is None:
        row = ComputedPeriod.objects.create(period=period.code, **fields)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
        row.save(update_fields=list(fields))
    changes = diff(before, snapshot(row))
    for key, value in summary.items():
        if key not in changes and key not in fields and key not in ("period", "seconds"):
            changes[key] = [None, value]
    audit_record(actor=None, action="recompute", obj=row, changes=changes)


@transaction.atomic
def build_components(period) -> dict:
    """Build the daily components (kpi/daily.py) of the period's months not built yet; the
    incremental path needs them. Queued by a full recompute; idempotent."""
    period = _period(period)
    _one_at_a_time()
    started = time.perf_counter()
    months = daily.unbuilt_months(period)
    for code in months:
        daily.rebuild_period(parse_period(code))
    return {"period": period.code, "built": months, "seconds": round(time.perf_counter() - started, 3)}


@transaction.atomic
def build_prefixes(month_code: str) -> None:
    """Sum a built month's days again into its prefixes (kpi/daily.py), one recompute at a
    time: queued when an incremental run dropped one."""
    _one_at_a_time()
    daily.build_prefixes(parse_period(month_code))


def tidy_components() -> None:
    """VACUUM (ANALYZE) the daily components after a build replaced a month of them: the
    next incremental runs then read no dead rows and plan with fresh statistics. PostgreSQL
    only, and only outside a transaction (VACUUM cannot run in one)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(DailyComponent._meta.db_table)}")


def _after_commit() -> None:
    from ..tasks import process_recompute_requests_task

    transaction.on_commit(process_recompute_requests_task.delay)


def request_recompute(period_code: str, employee_ids=None, *, rebuild: bool = True) -> None:
    """Queue a recompute of these people's results (None: everyone) for the period; the
    task runs after the transaction commits (inline when no broker is configured).
    Everyone with `rebuild=False` recomputes the figures from the stored components
    without re-aggregating the records (an org unit's fact changed)."""
    if employee_ids is not None and not employee_ids:
        return  # nobody touched
    if employee_ids is None:
        group = "" if rebuild else RecomputeRequest.EVERYONE
        rows = [RecomputeRequest(period=period_code, group=group)]
    else:
        rows = [RecomputeRequest(period=period_code, employee_id=pk) for pk in employee_ids]
    RecomputeRequest.objects.bulk_create(rows, batch_size=5000)
    _after_commit()


def request_recompute_days(group_days: dict) -> None:
    """Queue the re-aggregation of these (group, local day) pairs and the recompute of the
    people they count for (kpi/dirty_days.py finds the pairs)."""
    rows = [
        RecomputeRequest(period=month_of(day_start(day)), group=group, day=day)
        for group, days in sorted(group_days.items())
        for day in sorted(days)
    ]
    if not rows:
        return
    RecomputeRequest.objects.bulk_create(rows, batch_size=5000)
    _after_commit()


def process_recompute_requests() -> dict:
    """Recompute what the queued requests name, once per period; drains the queue."""
    done = {}
    last = RecomputeRequest.objects.order_by("-pk").values_list("pk", flat=True).first()
    if last is None:
        return done
    queued = RecomputeRequest.objects.filter(pk__lte=last)
    wanted: dict[str, dict] = {}
    for period_code, employee, group, day in queued.values_list(
        "period", "employee", "group", "day"
    ).distinct():
        asked = wanted.setdefault(period_code, {"people": set(), "days": {}, "rebuild": False})
        if group == RecomputeRequest.EVERYONE:
            asked["people"] = None
        elif day is not None:
            asked["days"].setdefault(group, set()).add(day)
        elif employee is not None:
            if asked["people"] is not None:
                asked["people"].add(employee)
        else:
            asked["rebuild"] = True
    recomputed = {}
    for period_code, asked in sorted(wanted.items()):
        if asked["rebuild"]:
            done[period_code], recomputed[period_code] = _recompute(period_code, None, None, True)
        else:
            people = asked["people"]
            if people is None and asked["days"]:
                # Everyone, besides the days: with days, no people means only those whose
                # sums the days change.
                people = set(Employee.objects.values_list("pk", flat=True))
            done[period_code], recomputed[period_code] = _recompute(period_code, people, asked["days"], False)
    for span, people in _stored_quarters(recomputed).items():
        done[span] = recompute_period(span, people, rebuild=False)
    queued._raw_delete(queued.db)
    return done


def _stored_quarters(recomputed: dict[str, set[int] | None]) -> dict[str, set[int] | None]:
    """The quarters and years, among those of the months just recomputed, whose results
    are stored (`kpi recompute --period 2026-Q4` or `--period 2026`), each with the people
    to recompute in it (None: everyone): they pool the same records, so they follow their
    months."""
    wanted: dict[str, set[int] | None] = {}
    for month, people in recomputed.items():
        if "-" not in month or "Q" in month or people == set():
            continue
        for span in (quarter_of(month), month[:4]):
            if span in wanted and wanted[span] is None:
                continue
            wanted[span] = None if people is None else wanted.get(span, set()) | people
    return {
        quarter: people
        for quarter, people in sorted(wanted.items())
        if EmployeeResults.objects.filter(period=quarter).exists()
    }
