"""Import throughput: how fast `servicescore import work_orders` loads a big file.

    .venv/bin/python bench/import_bench.py --rows 1000000            # SQLite under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicescore_bench \
        .venv/bin/python bench/import_bench.py --rows 1000000

It creates a fresh database (SQLite file or PostgreSQL database named in DATABASE_URL),
loads a network of 50 service centres and 1,000 technicians through the importer, writes
a work_orders CSV of --rows rows (every state, customers, vehicles, labour hours,
comebacks) and times the import; with --reimport it imports the same file again (all
rows unchanged). Prints rows per second and peak memory.

It uses no demo, and nothing in it depends on the calendar: the file's moments are pinned
(orders created every 2 s from 2026-09-21 on, before the other benchmarks' pinned demo
anchor, 2026-10-31), so the same --rows give the same file and the same work any day.
"""

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reimport", action="store_true", help="import the same file a second time")
    parser.add_argument("--keep", action="store_true", help="reuse an existing CSV of the same size")
    args = parser.parse_args()

    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{bench_dir / 'import_bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicescore.settings")
    fresh_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from servicescore.exchange.importer import run_import

    org, employees = write_master_data(bench_dir)
    for kind, path in (("org_units", org), ("employees", employees)):
        report = run_import(kind, path, size_limits=False)
        assert report.ok, report.errors[:5]
    orders = bench_dir / f"work_orders_{args.rows}.csv"
    if not (args.keep and orders.exists()):
        started = time.monotonic()
        write_work_orders(orders, args.rows)
        print(
            f"wrote {orders.name}: {orders.stat().st_size / 1e6:.0f} MB in {time.monotonic() - started:.0f} s"
        )

    from django.db import connection

    print(f"database: {connection.vendor}")
    runs = [("first import", orders)] + ([("re-import", orders)] if args.reimport else [])
    for label, path in runs:
        started = time.monotonic()
        # As the command line runs it: no upload limits (a million rows is 310 MB).
        report = run_import("work_orders", path, size_limits=False)
        seconds = time.monotonic() - started
        assert report.ok, [str(e) for e in report.errors[:5]]
        print(
            f"{label}: {report.rows:,} rows in {seconds:.1f} s = {report.rows / seconds:,.0f} rows/s "
            f"(created {report.created:,}, updated {report.updated:,}, unchanged {report.unchanged:,})"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


CENTRES = 50
TECHS_PER_CENTRE = 20


def write_master_data(bench_dir: Path) -> tuple[Path, Path]:
    org = bench_dir / "org_units.csv"
    lines = ["code,name,kind,parent_code", "HQ,总部,company,", "R1,华东,region,HQ"]
    lines += [f"SC{c:03d},服务中心{c},service_center,R1" for c in range(CENTRES)]
    org.write_text("\n".join(lines) + "\n", encoding="utf-8")
    employees = bench_dir / "employees.csv"
    lines = ["employee_no,name,position,org_unit"]
    for c in range(CENTRES):
        lines += [f"T{c:03d}{t:02d},技师{c}-{t},technician,SC{c:03d}" for t in range(TECHS_PER_CENTRE)]
        lines += [f"A{c:03d}{a},顾问{c}-{a},service_advisor,SC{c:03d}" for a in range(3)]
    employees.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return org, employees


def write_work_orders(path: Path, rows: int) -> None:
    import csv

    rng = random.Random(7)
    types = ["maintenance"] * 5 + ["repair"] * 3 + ["diagnosis", "warranty", "inspection"]
    header = [
        "external_id",
        "service_center",
        "type",
        "priority",
        "channel",
        "customer_external_id",
        "customer_name",
        "customer_phone",
        "asset_external_id",
        "asset_model",
        "created_at",
        "first_response_at",
        "dispatched_at",
        "accepted_at",
        "started_at",
        "completed_at",
        "closed_at",
        "technician",
        "advisor",
        "difficulty",
        "standard_hours",
        "clocked_hours",
        "labor_amount",
        "resolution",
        "visits",
        "rework_of",
    ]
    base = 1_790_000_000  # 2026-09-21 local-ish; the exact moment does not matter here
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for n in range(rows):
            centre = rng.randrange(CENTRES)
            tech = f"T{centre:03d}{rng.randrange(TECHS_PER_CENTRE):02d}"
            created = base + n * 2
            stage = rng.random()
            stamps = [
                created + 300,
                created + 600,
                created + 900,
                created + 1800,
                created + 14_400,
                created + 86_400,
            ]
            reached = 6 if stage < 0.7 else 5 if stage < 0.85 else rng.randrange(0, 5)
            cells = [iso(s) if i < reached else "" for i, s in enumerate(stamps)]
            completed = reached >= 5
            customer = rng.randrange(rows // 3 + 1)
            writer.writerow(
                [
                    f"BW{n:08d}",
                    f"SC{centre:03d}",
                    rng.choice(types),
                    "normal",
                    "phone",
                    f"C{customer:08d}",
                    "客户",
                    f"139{customer:08d}",
                    f"LBENCH{customer:011d}",
                    "比亚迪 汉 EV",
                    iso(created),
                    *cells,
                    tech if reached >= 2 else "",
                    f"A{centre:03d}{rng.randrange(3)}",
                    "1.2",
                    "2.5" if completed else "",
                    "3.0" if completed else "",
                    "320.00" if completed else "",
                    "fixed" if completed else "",
                    "1",
                    f"BW{n - 1000:08d}" if n > 1000 and n % 50 == 0 else "",
                ]
            )


def iso(epoch: int) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


if __name__ == "__main__":
    main()
