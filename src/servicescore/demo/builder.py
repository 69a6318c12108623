"""Puts the demo together: wipe, network, log-ins, archive, workload, facts — and reports."""

import datetime
import hashlib
import random
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from servicescore.core.periods import company_zone

from . import bulk
from .config import SCALES, Clock, Scale
from .people import (
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    Network,
    archive_rows,
    build_network,
    create_users,
    fact_rows,
    network_rows,
)
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


def demo_today() -> datetime.date:
    """Today in the company's zone: the demo's data runs up to its local midnight."""
    return timezone.localdate(timezone=company_zone())


def sla_seconds() -> dict:
    from servicescore.workorders.models import SLAPolicy

    return {
        (p.type, p.priority): (p.response_minutes * 60, int(float(p.resolution_hours) * 3600))
        for p in SLAPolicy.objects.all()
    }


def build_demo(scale: str | Scale = "small", seed: int = 42, anchor: datetime.date | None = None) -> Report:
    """Wipe the previous demo and build a new one; the same seed and anchor give the same rows."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    started = time.perf_counter()
    timings = {}
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    ctx = Context(
        scale=scale,
        seed=seed,
        rng=random.Random(seed),
        fake=fake,
        clock=Clock(anchor or demo_today(), scale.history_months),
        sla=sla_seconds(),
        comeback_window_days=settings.COMEBACK_WINDOW_DAYS,
    )

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
            Workload(ctx, net, writer).run()
            writer.write("kpi.MetricFact", fact_rows(ctx, net))
            timings["workload"] = time.perf_counter() - mark
            mark = time.perf_counter()
            writer.finish()
            bulk.reset_sequences()
            timings["indexes"] = time.perf_counter() - mark
        writer.after_transaction()
    finally:
        if checks_off:
            connection.enable_constraint_checking()

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
    )


def account_table(net: Network) -> list[tuple]:
    unit_names = {uid: name for uid, _, name, *_ in net.units}
    return [
        (
            role,
            username,
            DEMO_PASSWORD,
            person.name if person else "",
            unit_names[person.unit] if person else "",
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
