"""Puts the demo together: wipe, network, log-ins, archive, workload, facts — and reports."""

import datetime
import hashlib
import random
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from faker import Faker

from servicescore.appraisal.services.schemes import install_defaults
from servicescore.core.periods import company_zone
from servicescore.kpi.models import RecomputeRequest
from servicescore.voice.services.overview_summary import build_voice_months

from . import bulk, labour
from .config import SCALES, Clock, Scale
from .cycles import build_cycles
from .people import (
    ACCOUNT_NAMES,
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    Network,
    archive_rows,
    build_network,
    create_users,
    fact_rows,
    network_rows,
    rating_rows,
)
from .voice import install_survey_template
from .workload import Workload


@dataclass
class Context:
    scale: Scale
    seed: int
    rng: random.Random
    fake: Faker
    clock: Clock
    sla: dict
    comeback_window_days: int


@dataclass
class Report:
    scale: str
    seed: int
    now: datetime.datetime
    accounts: list  # (role, username, password, name, org unit)
    counts: dict[str, int]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    # Month (YYYY-MM) → (seconds, scorecards stored) of its recompute, oldest first; empty
    # when the build was asked for no scores.
    scores: dict[str, tuple[float, int]] = field(default_factory=dict)
    # Month → the stage its appraisal cycle was left in (demo/cycles.py).
    cycles: dict[str, str] = field(default_factory=dict)


def demo_today() -> datetime.date:
    """Today in the company's zone: the demo's data runs up to its local midnight."""
    return timezone.localdate(timezone=company_zone())


def sla_seconds() -> dict:
    from servicescore.workorders.models import SLAPolicy

    return {
        (p.type, p.priority): (p.response_minutes * 60, int(float(p.resolution_hours) * 3600))
        for p in SLAPolicy.objects.all()
    }


def _context(scale: Scale, seed: int, anchor: datetime.date) -> Context:
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return Context(
        scale=scale,
        seed=seed,
        rng=random.Random(seed),
        fake=fake,
        clock=Clock(anchor, scale.history_months),
        sla=sla_seconds(),
        comeback_window_days=settings.COMEBACK_WINDOW_DAYS,
    )


def build_demo(
    scale: str | Scale = "small", seed: int = 42, anchor: datetime.date | None = None, *, scores: bool = True
) -> Report:
    """Wipe the previous demo and build a new one; the same seed and anchor give the same rows.
    Then, unless `scores` is false, compute every month it holds (`compute_scores`), so the
    scorecard pages have something to show without a command."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    started = time.perf_counter()
    timings = {}
    ctx = _context(scale, seed, anchor or demo_today())

    # On SQLite, foreign-key checks are off for the wipe (so DELETE can drop whole tables
    # instead of checking row by row) and, for raw loads, for the load too: the generator
    # keeps every reference true.
    checks_off = connection.vendor == "sqlite" and connection.disable_constraint_checking()
    try:
        mark = time.perf_counter()
        with transaction.atomic():
            bulk.wipe(DEMO_USERNAMES)
        timings["wipe"] = time.perf_counter() - mark
        if checks_off and not scale.bulk:
            connection.enable_constraint_checking()
            checks_off = False

        net = build_network(ctx)
        writer = bulk.writer_for(scale.bulk)
        writer.before_transaction()
        with transaction.atomic():
            mark = time.perf_counter()
            create_users(ctx, net)
            writer.begin()
            writer.write_all(network_rows(ctx, net))
            writer.write_all(archive_rows(ctx, net))
            timings["people"] = time.perf_counter() - mark
            mark = time.perf_counter()
            install_survey_template()
            Workload(ctx, net, writer).run()
            writer.write("kpi.MetricFact", fact_rows(ctx, net))
            labour.write_labour_operations()
            writer.write("kpi.ManualRating", rating_rows(ctx, net))
            timings["workload"] = time.perf_counter() - mark
            mark = time.perf_counter()
            writer.finish()
            bulk.reset_sequences()
            timings["indexes"] = time.perf_counter() - mark
            # The wipe took the templates (they hang on org units); scorecards need them.
            install_defaults(by=None)
            # Recomputes queued by what the build saved through the ORM: the months are
            # computed whole below (or, without scores, not at all).
            RecomputeRequest.objects.all().delete()
        writer.after_transaction()
    finally:
        if checks_off:
            connection.enable_constraint_checking()

    scored = {}
    cycles = {}
    if scores:
        mark = time.perf_counter()
        scored = compute_scores(ctx.clock)
        timings["scores"] = time.perf_counter() - mark
        # The appraisal cycles rest on the computed months (demo/cycles.py).
        mark = time.perf_counter()
        cycles = build_cycles(
            reviews_done=scale.accounts_for_all,
            seed=seed,
            now=datetime.datetime.fromtimestamp(ctx.clock.now, company_zone()),
        )
        timings["cycles"] = time.perf_counter() - mark
    # The customer-voice overview's stored figures of every month (voice/services/overview_summary.py).
    build_voice_months([month.code for month in ctx.clock.months])

    counts = {label: writer.counts.get(label, 0) for label in bulk.DEMO_MODELS}
    counts["core.User"] = len(net.accounts) + (
        len(net.people) - sum(1 for a in net.accounts if a[2]) if scale.accounts_for_all else 0
    )
    return Report(
        scale=scale.name,
        seed=seed,
        now=datetime.datetime.fromtimestamp(ctx.clock.now, company_zone()),
        accounts=account_table(net),
        counts=counts,
        seconds=time.perf_counter() - started,
        timings=timings,
        scores=scored,
        cycles=cycles,
    )


def compute_scores(clock: Clock) -> dict[str, tuple[float, int]]:
    """Recompute every month the demo holds, oldest first: figures, roll-ups and (appraisal,
    on `figures_stored`) scorecards. Each month's recompute queues the build of its daily
    components after its commit; without a broker that runs inline, within the month's
    time. Returns month → (seconds, scorecards)."""
    from servicescore.kpi.services.recompute import recompute_period

    done = {}
    for month in clock.months:
        mark = time.perf_counter()
        summary = recompute_period(month.code)
        done[month.code] = (time.perf_counter() - mark, summary.get("scorecards", 0))
    return done


def built_on() -> datetime.date:
    """The anchor of the demo in the database, when it was built with the default one: the
    local day its people were written (bulk loads stamp them with the demo's now)."""
    from servicescore.org.models import Employee

    latest = Employee.objects.aggregate(latest=Max("created"))["latest"]
    if latest is None:
        raise ValueError("there is no demo in this database")
    return latest.astimezone(company_zone()).date()


def _demo_network(ctx: Context) -> Network:
    """The network of the demo in the database, rebuilt from its scale and seed (the same
    draws give the same people and ids), with their log-ins as stored."""
    from servicescore.org.models import Employee

    net = build_network(ctx)
    stored = {
        pk: (no, name, position, unit, user)
        for pk, no, name, position, unit, user in Employee.objects.values_list(
            "pk", "employee_no", "name", "position", "org_unit", "user"
        )
    }
    for person in net.people:
        *found, user = stored.get(person.id, (None,) * 5)
        if found != [person.employee_no, person.name, person.position, person.unit]:
            raise ValueError(
                f"the demo in this database was not built with scale {ctx.scale.name} and seed {ctx.seed}"
            )
        person.user = user
    return net


def add_day(
    orders: int,
    scale: str | Scale = "large",
    seed: int = 42,
    anchor: datetime.date | None = None,
    day_seed: int | None = None,
) -> dict[str, int]:
    """Append one day of new work to the demo in the database: `orders` work orders created
    on the demo's anchor day (the day after its data ends), with their lines, events and the
    customer voice that has come in by that day's end, at the demo's proportions. Rows go
    through the bulk writer (COPY on PostgreSQL) into the indexed tables; ids continue after
    the stored ones. For benchmarks of the incremental recompute; `remove_day` undoes it.
    Returns the rows written per model."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    ctx = _context(scale, seed, anchor or built_on())
    net = _demo_network(ctx)
    ctx.rng = random.Random(seed + 1 if day_seed is None else day_seed)
    writer = bulk.writer_for(True)
    load = Workload(ctx, net, writer)
    load.continue_ids(
        {
            label: bulk.model_of(label).objects.aggregate(top=Max("pk"))["top"] or 0
            for label in bulk.DEMO_MODELS
        }
    )
    with transaction.atomic():
        load.add_day(orders)
    return {label: count for label, count in writer.counts.items() if count}


def remove_day(anchor: datetime.date | None = None) -> int:
    """Delete what `add_day` wrote: the work orders created at or after the demo's now and
    every row that hangs on them. Returns the number of work orders deleted."""
    from servicescore.workorders.models import WorkOrder

    now = Clock(anchor or built_on(), 0).now
    added = WorkOrder.objects.filter(created_at__gte=datetime.datetime.fromtimestamp(now, datetime.UTC))
    ids_sql, params = added.values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        for label in reversed(bulk.DEMO_MODELS):
            model = bulk.model_of(label)
            table = connection.ops.quote_name(model._meta.db_table)
            if label != "workorders.WorkOrder" and "work_order_id" in bulk.COLUMNS[label]:
                cursor.execute(f"DELETE FROM {table} WHERE work_order_id IN ({ids_sql})", params)
            elif "complaint_id" in bulk.COLUMNS[label]:  # a complaint's people and timeline
                complaints = connection.ops.quote_name(bulk.model_of("voice.Complaint")._meta.db_table)
                cursor.execute(
                    f"DELETE FROM {table} WHERE complaint_id IN "
                    f"(SELECT id FROM {complaints} WHERE work_order_id IN ({ids_sql}))",
                    params,
                )
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(WorkOrder._meta.db_table)} WHERE id IN ({ids_sql})",
            params,
        )
        deleted = cursor.rowcount
    bulk.reset_sequences()
    return deleted


def account_table(net: Network) -> list[tuple]:
    """(role, username, password, name, org unit) of every demo log-in; the log-ins that
    are no employee (auditor, administrator) are named too and sit at the company."""
    unit_names = {uid: name for uid, _, name, *_ in net.units}
    return [
        (
            role,
            username,
            DEMO_PASSWORD,
            person.name if person else ACCOUNT_NAMES.get(username, ""),
            unit_names[person.unit if person else net.company],
        )
        for role, username, person, _ in net.accounts
    ]


def digest() -> str:
    """A fingerprint of the demo's people and work orders, for comparing two builds."""
    from servicescore.org.models import Employee
    from servicescore.workorders.models import WorkOrder

    h = hashlib.sha256()
    for row in Employee.objects.order_by("employee_no").values_list(
        "employee_no", "name", "position", "org_unit__code"
    ):
        h.update(repr(row).encode())
    fields = (
        "external_id",
        "state",
        "type",
        "created_at",
        "dispatched_at",
        "completed_at",
        "closed_at",
        "cancelled_at",
        "technician__employee_no",
        "rework_of__external_id",
    )
    for row in WorkOrder.objects.order_by("external_id").values_list(*fields).iterator(chunk_size=5_000):
        h.update(repr(row).encode())
    return h.hexdigest()
