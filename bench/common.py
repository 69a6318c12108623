"""What the benchmarks on the demo share: the bench database and the demo in it.

DATABASE_URL names the database (default postgres://postgres@127.0.0.1:5432/servicescore_bench);
a missing PostgreSQL database or SQLite folder is created, the database is migrated, and
the demo is built at the asked scale unless one built at the same anchor is there already.

The demo of the benchmarks is pinned to an anchor date (BENCH_ANCHOR, `--anchor` in every
script), not to the day they run: the same data, hence comparable figures, whatever the
calendar says. 2026-10-31 ends the data at October 31, 00:00 (company zone): September
whole, and October's first 30 days at the large scale's full pace (1.98 million orders),
so the incremental benchmark's extra day is October 31, the last day of a busy month.
"""

import argparse
import datetime
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/servicescore_bench"
# A demo with fewer employees than this is taken as missing (small: 48, large: 10,848).
MIN_EMPLOYEES = {"large": 10_000, "small": 40}
BENCH_ANCHOR = datetime.date(2026, 10, 31)


def add_anchor_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--anchor",
        type=datetime.date.fromisoformat,
        default=BENCH_ANCHOR,
        help=f"the demo's anchor date, YYYY-MM-DD (default {BENCH_ANCHOR}: pinned, so the figures "
        "do not depend on the day the benchmark runs)",
    )


def peak_mb() -> float:
    """This process's own peak resident memory in MiB. /proc/self/status VmHWM belongs to
    the process's current memory map, so a child started by a big parent reports its own
    peak; ru_maxrss would carry the parent's over fork and exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by this process and by every PostgreSQL process on this
    machine (its backends, the WAL writer, the checkpointer…), from /proc: the difference
    over a step is what the step cost the machine's cores, whatever else was running. A
    server on another machine shows as 0."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    ticks = os.sysconf("SC_CLK_TCK")
    postgres = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if name == "postgres":
            postgres += int(rest[11]) + int(rest[12])  # utime, stime
    return {"python": own.ru_utime + own.ru_stime, "postgres": postgres / ticks}


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database, or the SQLite file's folder, when missing."""
    if url.startswith("sqlite:"):
        Path(url.split("sqlite:///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        return
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> str:
    """Point Django at the bench database (created when missing) and set it up; returns the URL."""
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicescore.settings")
    ensure_database(url)

    import django

    django.setup()
    return url


def ensure_demo(scale: str, seed: int, anchor: datetime.date = BENCH_ANCHOR) -> None:
    """Migrate, then build the demo at `anchor` (with its scores, as `servicescore demo`
    does) unless this scale's demo, as the current generator makes it (with survey
    invitations), built at that anchor, is there already."""
    from django.core.management import call_command

    from servicescore.core.models import User
    from servicescore.demo.builder import built_on
    from servicescore.org.models import Employee
    from servicescore.voice.models import SurveyInvitation

    call_command("migrate", verbosity=0)
    if (
        Employee.objects.count() < MIN_EMPLOYEES[scale]
        or not User.objects.filter(username="manager").exists()
        or not SurveyInvitation.objects.exists()
        or built_on() != anchor
    ):
        from servicescore.demo.builder import build_demo

        print(f"building the {scale} demo (seed {seed}, anchor {anchor}) …", flush=True)
        report = build_demo(scale, seed, anchor)
        scores = ", ".join(f"{month} {seconds:.0f} s" for month, (seconds, _) in report.scores.items())
        print(f"  built in {report.seconds:.0f} s (scores: {scores})", flush=True)
