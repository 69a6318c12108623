"""Demo build time: how long `servicescore demo` takes at a scale, and what it built.

    .venv/bin/python bench/demo_bench.py --scale large               # SQLite under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicescore_demo \
        .venv/bin/python bench/demo_bench.py --scale large
    .venv/bin/python bench/demo_bench.py --scale large --anchor 2026-12-02   # an early-month build

The demo is built at a pinned anchor date, 2026-10-31 by default (`--anchor`, bench/common.py),
not at today's: the same rows whatever day it runs. With the default, the scores of every
month are computed as `servicescore demo` does (`--no-scores` leaves them out). The database
must exist (a missing PostgreSQL database is created) and is migrated. Prints the phases'
times, each month's scores, the row counts, rows per second and peak memory.
"""

import argparse
import os

from common import ROOT, add_anchor_argument, ensure_database, peak_mb


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-scores", action="store_true", help="do not compute the months' scores")
    add_anchor_argument(parser)
    args = parser.parse_args()

    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{bench_dir / 'demo_bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicescore.settings")
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from servicescore.demo.builder import build_demo

    call_command("migrate", verbosity=0)
    report = build_demo(args.scale, args.seed, args.anchor, scores=not args.no_scores)
    rows = sum(report.counts.values())
    print(
        f"{connection.vendor}, scale {report.scale}, seed {report.seed}, anchor {args.anchor}: "
        f"{report.seconds:.1f} s"
    )
    for phase, seconds in report.timings.items():
        print(f"  {phase:<10} {seconds:8.1f} s")
    for month, (seconds, scorecards) in report.scores.items():
        print(f"  scores {month}: {seconds:.1f} s, {scorecards:,} scorecards")
    for label, count in report.counts.items():
        print(f"  {label:<28} {count:>12,}")
    print(f"  {'total rows':<28} {rows:>12,}  ({rows / report.seconds:,.0f} rows/s)")
    print(f"  peak memory {peak_mb():,.0f} MiB")


if __name__ == "__main__":
    main()
