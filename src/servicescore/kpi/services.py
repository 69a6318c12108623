"""KPI writes: compute and store a period's indicator results (employees, then org-unit
roll-ups by pooling), score the scorecards, queue and drain recompute requests, and
manage appraisal template versions."""

import functools
import gc
import time
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.aside import Aside
from servicescore.core.bulk import copy_rows
from servicescore.core.periods import Period, day_start, month_of, parse_period, quarter_of
from servicescore.org.models import Employee, OrgUnit, Position
from servicescore.voice.models import Complaint, FollowUp, SurveyResponse

from . import daily, touches
from .catalog import catalog, computed_codes
from .compute import PEOPLE_FILTER_LIMIT, iter_values
from .derived import Formula, evaluation_order
from .models import (
    DailyComponent,
    IndicatorResult,
    ManualRating,
    MetricFact,
    RecomputeRequest,
    Scorecard,
    Template,
    TemplateItem,
    TemplateVersion,
)
from .registry import DERIVED, FACTS, MANUAL_RATINGS
from .scoring import Figure, prepare, problems, score_prepared


class TemplateError(Exception):
    """A template version cannot be activated; `problems` lists (item, field, message)."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(message for _item, _field, message in problems))


def _period(period) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


# --- indicator results -------------------------------------------------------------------


RESULT_COLUMNS = [
    "period", "indicator", "employee_id", "value", "numerator", "denominator", "sample", "note",
    "computed_at",
]  # fmt: skip


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


def _store_employee_results(period: Period, per_person, people, now, items, staff):
    """Replace the stored results of `people` (None: everyone) by `per_person` (what
    `iter_values` yields). Each person's values go into the COPY stream as they are
    worked out. Returns (the ids of the people given, their figures: employee id → code →
    Figure as the database would give them back, their pools: (org unit, code) →
    [numerator, denominator, sample] as `roll_up` sums them), so neither scoring nor the
    roll-up read them again. `staff`: employee id → (org unit id, position), for the
    pools."""
    stale = IndicatorResult.objects.filter(period=period.code, employee__isnull=False)
    if people is not None:
        stale = stale.filter(employee__anyof=people)
    stale._raw_delete(stale.db)
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
            unit, position = staff[employee_id]
            pooled = pooled_by[position == Position.SERVICE_ADVISOR]
            for code, value, numerator, denominator, sample, note in values:
                if not (note or denominator) and (not value if counted[code] else value is None):
                    # Nothing worth a row: reading a missing one gives the same (0 for a
                    # count or sum, no data otherwise). A fact or formula at 0 is kept.
                    continue
                if numerator is not None:
                    numerator = float(numerator)
                if denominator is not None:
                    denominator = float(denominator)
                if value is not None:
                    value = float(value)
                mine[code] = Figure(value, numerator, denominator, sample)
                if code in pooled:
                    pool = pools.get((unit, code))
                    if pool is None:
                        pool = pools[unit, code] = [0.0, 0.0, 0]
                    pool[0] += numerator or 0
                    pool[1] += denominator or 0
                    pool[2] += sample
                yield period.code, code, employee_id, value, numerator, denominator, sample, note[:300], now

    copy_rows(IndicatorResult, RESULT_COLUMNS, rows())
    return given, figures, pools


def _ancestors() -> tuple[dict[int, list[int]], dict[int, str]]:
    """unit id → its ids from the root down (itself included), and unit id → kind."""
    chains, kinds = {}, {}
    for pk, path, kind in OrgUnit.objects.values_list("pk", "path", "kind"):
        chains[pk] = [int(part) for part in path.strip("/").split("/") if part] or [pk]
        kinds[pk] = kind
    return chains, kinds


def roll_up(period: Period, items=None, now=None, known=None) -> int:
    """Every org unit's results for the period, pooling its employees' stored numerators
    and denominators (never averaging rates); derived indicators are evaluated on the
    pooled values. Advisor-version values stay out of the pool so a work order is not
    counted twice; averaged facts come only from facts imported for the unit. `known` is
    what `_store_employee_results` returned for the people just stored: their pools are
    taken as they are, only everyone else's are read."""
    items = items or catalog(manual=False)
    now = now or timezone.now()
    poolable, advisor_codes = _pooled_codes(items)
    per_unit = (
        IndicatorResult.objects.order_by()
        .filter(period=period.code, employee__isnull=False, indicator__in=poolable)
        .exclude(Q(indicator__in=advisor_codes) & Q(employee__position=Position.SERVICE_ADVISOR))
    )
    known_people, _figures, known_pools = known or ((), {}, {})
    if known_people:
        others = set(Employee.objects.values_list("pk", flat=True)) - set(known_people)
        per_unit = per_unit.filter(employee__anyof=others) if others else per_unit.none()
    per_unit = per_unit.values_list("employee__org_unit", "indicator").annotate(
        num=Sum("numerator"), den=Sum("denominator"), sample=Sum("sample")
    )
    chains, _kinds = _ancestors()
    pooled: dict[tuple[int, str], list] = defaultdict(lambda: [0.0, 0.0, 0])
    for rows in (per_unit, ((unit, code, *sums) for (unit, code), sums in known_pools.items())):
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
    out = []

    def emit(unit, code, value, numerator, denominator, sample=0, note=""):
        values[unit][code] = value
        if value is None and not numerator and not denominator and not note:
            return
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
    stale = IndicatorResult.objects.filter(period=period.code, org_unit__isnull=False)
    stale._raw_delete(stale.db)
    return copy_rows(IndicatorResult, UNIT_RESULT_COLUMNS, out)


# --- scorecards --------------------------------------------------------------------------


def active_versions() -> dict[tuple[str, int | None], TemplateVersion]:
    """(position, org unit id or None for company-wide) → the active template version."""
    versions = (
        TemplateVersion.objects.filter(status=TemplateVersion.Status.ACTIVE)
        .select_related("template")
        .prefetch_related("items")
        .order_by("template__code")
    )
    found = {}
    for version in versions:
        found.setdefault((version.template.position, version.template.org_unit_id), version)
    return found


def version_for(versions: dict, position: str, chain: list[int]) -> TemplateVersion | None:
    """The active version for a person: the template of the deepest unit above them wins
    over a company-wide one."""
    for unit in reversed(chain):
        if (position, unit) in versions:
            return versions[position, unit]
    return versions.get((position, None))


def _centres(chains, kinds) -> dict[int, int | None]:
    """org unit id → the service centre at or above it."""
    return {
        unit: next((a for a in reversed(chain) if kinds.get(a) == OrgUnit.Kind.SERVICE_CENTER), None)
        for unit, chain in chains.items()
    }


def figures_for(
    period: Period, people: list[int], codes: set[str], known=None
) -> dict[int, dict[str, Figure]]:
    """employee id → code → Figure, from the stored results and the manual ratings.
    `known` is what `_store_employee_results` returned for the people whose results were
    just stored: their figures are not read again."""
    known_people, known_figures, _pools = known or (set(), {}, {})
    result: dict[int, dict[str, Figure]] = defaultdict(dict)
    for pk in people:
        if pk in known_figures:
            result[pk] = dict(known_figures[pk])
    unread = [pk for pk in people if pk not in known_people]
    stored = IndicatorResult.objects.filter(period=period.code, indicator__in=codes - set(MANUAL_RATINGS))
    stored = (
        stored.filter(employee__anyof=unread)
        if len(unread) <= PEOPLE_FILTER_LIMIT
        else stored.filter(employee__isnull=False)
    )
    if unread:
        for employee, code, value, num, den, sample in stored.values_list(
            "employee", "indicator", "value", "numerator", "denominator", "sample"
        ).iterator(chunk_size=20_000):
            if employee not in known_people:
                result[employee][code] = Figure(value, num, den, sample)
    manual = codes & set(MANUAL_RATINGS)
    if manual:
        ratings = ManualRating.objects.filter(
            period=period.code, indicator__in=manual, employee__anyof=people
        )
        for row in ratings.values("employee", "indicator").annotate(mean=Avg("rating"), n=Count("pk")):
            result[row["employee"]][row["indicator"]] = Figure(float(row["mean"]), None, None, row["n"])
    return result


def empty_figure(item) -> Figure:
    """What a missing stored row means: 0 for counts and sums, no data otherwise."""
    if item is not None and item.shape in ("count", "sum"):
        return Figure(0, 0, None, 0)
    return Figure(None)


def score_people(period: Period, employees, *, versions=None, items=None, keep_versions=True, known=None):
    """Score `employees` (a queryset) for the period: returns [(employee id, version, Score)].
    A finished period's existing scorecard keeps the version it was scored with (unless
    keep_versions=False); a period still running follows the active version."""
    return list(
        iter_scores(
            period, employees, versions=versions, items=items, keep_versions=keep_versions, known=known
        )
    )


def iter_scores(period: Period, employees, *, versions=None, items=None, keep_versions=True, known=None):
    """`score_people` one person at a time: the queries run now, then the generator
    returned scores one person per step and runs no query, so the scorecards can be
    streamed into a COPY on the same connection."""
    items = items or catalog(manual=False)
    versions = versions if versions is not None else active_versions()
    people = list(employees.values_list("pk", "position", "org_unit"))
    kept = {}
    if keep_versions and period.end <= timezone.now():
        existing = Scorecard.objects.filter(period=period.code, employee__anyof=[p[0] for p in people])
        version_of = dict(existing.values_list("employee", "version"))
        needed_ids = set(version_of.values()) - {v.pk for v in versions.values()}
        extra = {v.pk: v for v in TemplateVersion.objects.filter(pk__in=needed_ids).prefetch_related("items")}
        by_pk = {v.pk: v for v in versions.values()} | extra
        kept = {emp: by_pk[pk] for emp, pk in version_of.items() if pk in by_pk}
    chains, kinds = _ancestors()
    chosen = {}
    for pk, position, unit in people:
        version = kept.get(pk) or version_for(versions, position, chains.get(unit, []))
        if version is not None:
            chosen[pk] = version
    if not chosen:
        return iter(())
    codes = {item.indicator for version in set(chosen.values()) for item in version.items.all()}
    figures = figures_for(period, list(chosen), codes, known)
    centre_of = _centres(chains, kinds)
    centres = {centre_of.get(unit) for _pk, _pos, unit in people} - {None}
    priors: dict[int, dict[str, float]] = defaultdict(dict)
    for unit, code, value in IndicatorResult.objects.filter(
        period=period.code, org_unit__in=centres, indicator__in=codes
    ).values_list("org_unit", "indicator", "value"):
        priors[unit][code] = value
    lookup = items | MANUAL_RATINGS
    # Per version, its items prepared once and what a missing figure means for each.
    plans = {
        version: (
            prepare(version.items.all(), lookup),
            [(line.indicator, empty_figure(lookup.get(line.indicator))) for line in version.items.all()],
        )
        for version in set(chosen.values())
    }
    return _scores(people, chosen, plans, figures, priors, centre_of)


def _scores(people, chosen, plans, figures, priors, centre_of):
    for pk, _position, unit in people:
        version = chosen.get(pk)
        if version is None:
            continue
        prepared, empties = plans[version]
        mine = figures.get(pk, {})
        person_figures = {code: mine.get(code) or empty for code, empty in empties}
        prior = priors.get(centre_of.get(unit), {})
        yield pk, version, score_prepared(prepared, version.grade_bands, person_figures, prior)


SCORECARD_COLUMNS = [
    "employee_id", "period", "version_id", "base_score", "adjustment", "final_score", "grade", "vetoed",
    "items", "computed_at",
]  # fmt: skip


def _store_scorecards(period: Period, scored, people, now) -> int:
    """Replace the scorecards of `people` (None: everyone) by `scored` ((employee id,
    version, Score) as `iter_scores` yields them, stored as they come)."""
    stale = Scorecard.objects.filter(period=period.code)
    if people is not None:
        stale = stale.filter(employee__anyof=people)
    stale._raw_delete(stale.db)
    return copy_rows(
        Scorecard,
        SCORECARD_COLUMNS,
        (
            (
                pk,
                period.code,
                version.pk,
                result.base,
                result.adjustment,
                result.final,
                result.grade,
                result.vetoed,
                result.items,
                now,
            )  # fmt: skip
            for pk, version, result in scored
        ),
    )


# --- the run -----------------------------------------------------------------------------


def _sharing_priors(people) -> set[int] | None:
    """`people` and everyone in their service centres: a centre's pooled rate is the
    shrinkage prior of all its people's scorecards, so when some figures change, the whole
    centre is scored again (from the stored figures; nobody else's are recomputed)."""
    if people is None:
        return None
    chains, kinds = _ancestors()
    centre_of = _centres(chains, kinds)
    staff = list(Employee.objects.values_list("pk", "org_unit"))
    units = dict(staff)
    centres = {centre_of.get(units.get(pk)) for pk in people} - {None}
    return set(people) | {pk for pk, unit in staff if centre_of.get(unit) in centres}


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
    shrinkage prior moved). Returns counts and seconds."""
    return _recompute(period, people, days, rebuild)[0]


@_collecting_after
@transaction.atomic
def _recompute(period, people, days, rebuild) -> tuple[dict, set[int] | None]:
    """`recompute_period`, also returning the ids of the people recomputed (None:
    everyone)."""
    period = _period(period)
    _one_at_a_time()
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
        from .tasks import build_components_task

        transaction.on_commit(lambda: build_components_task.delay(period.code))
    elif days:
        with Aside() as aside:
            # The other days' sums are read beside the re-aggregation (core/aside.py).
            elsewhere = aside.submit(daily.month_sums, period, skip=days)
            changed, fresh = daily.rebuild_days(days, aside)
            sums = daily.plus_days(elsewhere.result(), fresh, period)
        people = changed | set(people or ())
    aggregated = time.perf_counter()
    if people is not None and not people:
        # Nothing anyone counts changed (e.g. an edit of a field no indicator reads).
        return {
            "period": period.code,
            "people": 0,
            "results": 0,
            "org_unit_results": 0,
            "scorecards": 0,
            "seconds": {"aggregate": round(aggregated - started, 3)},
        }, set()
    employees = Employee.objects.all()
    if people is not None:
        people = set(people)
        employees = employees.filter(pk__anyof=people) if len(people) <= PEOPLE_FILTER_LIMIT else employees
    # Each person's figures are stored while the next person's are worked out.
    values = iter_values(
        period, employees, computed_codes(items), items, stored=not direct, only=people, sums=sums
    )
    staff = {
        pk: (unit, position)
        for pk, unit, position in Employee.objects.values_list("pk", "org_unit", "position")
    }
    known = _store_employee_results(period, values, people, now, items, staff)
    stored = time.perf_counter()
    units = roll_up(period, items, now, known)
    rolled = time.perf_counter()
    rescored = _sharing_priors(people)
    if rescored is not None and len(rescored) <= PEOPLE_FILTER_LIMIT:
        employees = Employee.objects.filter(pk__anyof=rescored)
    scored = iter_scores(period, employees, items=items, known=known)
    if rescored is not None:
        scored = (entry for entry in scored if entry[0] in rescored)  # `employees` may be everyone
    scorecards = _store_scorecards(period, scored, rescored, now)
    return {
        "period": period.code,
        "people": len(known[0]),
        "results": sum(map(len, known[1].values())),
        "org_unit_results": units,
        "scorecards": scorecards,
        "seconds": {
            "aggregate": round(aggregated - started, 3),
            "figures": round(stored - aggregated, 3),
            "roll_up": round(rolled - stored, 3),
            "scorecards": round(time.perf_counter() - rolled, 3),
        },
    }, people


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


def tidy_components() -> None:
    """VACUUM (ANALYZE) the daily components after a build replaced a month of them: the
    next incremental runs then read no dead rows and plan with fresh statistics. PostgreSQL
    only, and only outside a transaction (VACUUM cannot run in one)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(DailyComponent._meta.db_table)}")


def _after_commit() -> None:
    from .tasks import process_recompute_requests_task

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
    people they count for (kpi/touches.py finds the pairs)."""
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
            done[period_code], recomputed[period_code] = _recompute(
                period_code, asked["people"], asked["days"], False
            )
    for quarter, people in _stored_quarters(recomputed).items():
        done[quarter] = recompute_period(quarter, people, rebuild=False)
    queued._raw_delete(queued.db)
    return done


def _stored_quarters(recomputed: dict[str, set[int] | None]) -> dict[str, set[int] | None]:
    """The quarters, among those of the months just recomputed, whose results are stored
    (`kpi recompute --period 2026-Q4`), each with the people to recompute in it (None:
    everyone): they pool the same records, so they follow their months."""
    wanted: dict[str, set[int] | None] = {}
    for month, people in recomputed.items():
        if "Q" in month or people == set():
            continue
        quarter = quarter_of(month)
        if quarter in wanted and wanted[quarter] is None:
            continue
        wanted[quarter] = None if people is None else wanted.get(quarter, set()) | people
    return {
        quarter: people
        for quarter, people in sorted(wanted.items())
        if IndicatorResult.objects.filter(period=quarter).exists()
    }


class ImportTouches:
    """What an import run touched, gathered chunk by chunk: the (group, day) pairs of the
    work orders its rows name (read before the chunk is written and again after the
    import, so a record moved to another person or day is recomputed in both places), of
    the customer-voice records its rows replace (read before the chunk is written) and of
    its rows' own timestamps; for facts, the months and people. Past `LIMIT` work-order
    references it stops collecting and the months are recomputed for everyone."""

    PEOPLE_COLUMNS = ("technician", "advisor", "agent", "employee", "handler")
    ORDER_COLUMNS = ("work_order_external_id", "rework_of")
    ROW_ANCHORS = {
        "work_orders": touches.ORDER_ANCHORS,
        "survey_responses": touches.RECORD_ANCHORS[SurveyResponse],
        "followups": touches.RECORD_ANCHORS[FollowUp],
        "complaints": touches.RECORD_ANCHORS[Complaint],
    }
    RECORD_MODELS = {"survey_responses": SurveyResponse, "followups": FollowUp, "complaints": Complaint}
    LIMIT = 50_000

    def __init__(self, kind: str = ""):
        self.kind = kind
        self.months: set[str] = set()
        self.employee_nos: set[str] = set()
        self.orders: set[str] = set()
        self.days: dict = {}
        self.everyone = False

    def _refs(self, values: dict) -> set[str]:
        names = self.ORDER_COLUMNS + (("external_id",) if self.kind == "work_orders" else ())
        return {values[name] for name in names if values.get(name)}

    def before_write(self, rows) -> None:
        """What the work orders these rows name, and the records the rows replace, count in
        before they are written (a complaint moved to another day or order is recomputed
        where it was too)."""
        if self.everyone:
            return
        refs = set().union(*(self._refs(row.values) for row in rows)) if rows else set()
        if refs and len(self.orders | refs) <= self.LIMIT:
            touches.merge(self.days, self._order_days(refs))
        model = self.RECORD_MODELS.get(self.kind)
        keys = sorted({row.values["external_id"] for row in rows if row.values.get("external_id")})
        if model is not None and keys:
            for start in range(0, len(keys), 5000):
                existing = model.objects.filter(external_id__in=keys[start : start + 5000])
                touches.merge(self.days, touches.record_days(model, existing))

    def add(self, values: dict) -> None:
        import datetime

        from servicescore.core.periods import month_of

        for name, value in values.items():
            if isinstance(value, datetime.datetime):
                self.months.add(month_of(value))
            elif name == "period" and isinstance(value, str):
                self.months.add(value)
            elif name == "org_unit" and value:
                self.everyone = True
            elif name in self.PEOPLE_COLUMNS and value:
                self.employee_nos.add(value)
        touches.add_anchor_days(self.days, self.ROW_ANCHORS.get(self.kind, {}), values)
        if not self.everyone:
            self.orders |= self._refs(values)
        if len(self.orders) + len(self.employee_nos) > self.LIMIT:
            self.everyone = True
            self.orders.clear()
            self.employee_nos.clear()

    @staticmethod
    def _order_days(refs) -> dict:
        from servicescore.workorders.models import WorkOrder

        found: dict = {}
        refs = sorted(refs)
        for start in range(0, len(refs), 5000):
            touches.merge(
                found,
                touches.order_days(WorkOrder.objects.filter(external_id__in=refs[start : start + 5000])),
            )
        return found

    def people(self) -> set[int] | None:
        if self.everyone:
            return None
        nos = sorted(self.employee_nos)
        found = set()
        for start in range(0, len(nos), 5000):
            found |= set(
                Employee.objects.filter(employee_no__in=nos[start : start + 5000]).values_list(
                    "pk", flat=True
                )
            )
        return found

    def request(self) -> None:
        """Queue the recompute (runs after the import commits)."""
        if not self.months:
            return
        if self.everyone:
            for month in sorted(self.months):
                # Facts are read directly: everyone's figures again, no records re-aggregated.
                request_recompute(month, None, rebuild=self.kind != "metric_facts")
            return
        if self.kind == "metric_facts":
            people = self.people()
            for month in sorted(self.months):
                request_recompute(month, sorted(people))
            return
        request_recompute_days(touches.merge(self.days, self._order_days(self.orders)))


# --- templates ---------------------------------------------------------------------------


def _copy_items(source: TemplateVersion, target: TemplateVersion) -> None:
    TemplateItem.objects.bulk_create(
        [
            TemplateItem(
                **{
                    f.attname: getattr(item, f.attname)
                    for f in TemplateItem._meta.concrete_fields
                    if f.attname not in ("id", "version_id")
                },
                version=target,
            )
            for item in source.items.all()
        ]
    )


@transaction.atomic
def draft_version(template: Template, *, by=None, note: str = "") -> TemplateVersion:
    """The template's draft to edit: the existing draft, or a copy of the newest version
    (editing an active template makes a new version; the active one stays as it was)."""
    Template.objects.select_for_update().filter(pk=template.pk).first()  # two editors: one number each
    draft = template.versions.filter(status=TemplateVersion.Status.DRAFT).order_by("-number").first()
    if draft:
        return draft
    newest = template.versions.order_by("-number").first()
    draft = TemplateVersion.objects.create(
        template=template,
        number=(newest.number + 1) if newest else 1,
        created_by=by,
        note=note,
        grade_bands=newest.grade_bands
        if newest
        else TemplateVersion._meta.get_field("grade_bands").get_default(),
    )
    if newest:
        _copy_items(newest, draft)
    return draft


@transaction.atomic
def activate(version: TemplateVersion, *, by=None) -> TemplateVersion:
    """Make a draft the template's active version, after checking it (weights sum to
    exactly 100, rules consistent); the previous active version is retired. Scorecards
    already made keep the version they used."""
    version = TemplateVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != TemplateVersion.Status.DRAFT:
        raise TemplateError(
            [
                (
                    None,
                    "status",
                    _("Only a draft can be activated; this version is %(status)s.")
                    % {"status": version.get_status_display()},
                )
            ]
        )
    # Activations of one position's templates queue here, so two templates cannot both
    # become active for the same position and unit.
    list(Template.objects.select_for_update().filter(position=version.template.position).values_list("pk"))
    found = problems(list(version.items.all()), version.grade_bands, catalog(manual=False))
    other = (
        TemplateVersion.objects.filter(
            status=TemplateVersion.Status.ACTIVE,
            template__position=version.template.position,
            template__org_unit=version.template.org_unit,
        )
        .exclude(template=version.template)
        .select_related("template")
        .first()
    )
    if other:
        found.append(
            (
                None,
                "template",
                _(
                    "%(other)s is already active for this position here: retire it on its page "
                    "first, edit its draft instead, or give this template another unit."
                )
                % {"other": other.template.name},
            )
        )
    if found:
        raise TemplateError(found)
    version.template.versions.filter(status=TemplateVersion.Status.ACTIVE).update(
        status=TemplateVersion.Status.RETIRED
    )
    version.status = TemplateVersion.Status.ACTIVE
    version.activated_at = timezone.now()
    version.activated_by = by
    version.save(update_fields=["status", "activated_at", "activated_by", "modified"])
    return version
