"""Demo build time: how long `servicescore demo` takes at a scale, and what it built.

    .venv/bin/python bench/demo_bench.py --scale large               # SQLite under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/servicescore_demo \
        .venv/bin/python bench/demo_bench.py --scale large

The database must exist and be migrated (the script runs `migrate` to be sure). Prints the
phases' times, the row counts, rows per second and peak memory.
"""

import argparse
import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{bench_dir / 'demo_bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicescore.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from servicescore.demo.builder import build_demo

    call_command("migrate", verbosity=0)
    report = build_demo(args.scale, args.seed)
    rows = sum(report.counts.values())
    print(f"{connection.vendor}, scale {report.scale}, seed {report.seed}: {report.seconds:.1f} s")
    for phase, seconds in report.timings.items():
        print(f"  {phase:<10} {seconds:8.1f} s")
    for label, count in report.counts.items():
        print(f"  {label:<28} {count:>12,}")
    print(f"  {'total rows':<28} {rows:>12,}  ({rows / report.seconds:,.0f} rows/s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
