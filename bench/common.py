"""What the benchmarks on the demo share: the bench database and the demo in it.

DATABASE_URL names the database (default postgres://postgres@127.0.0.1:5432/servicescore_bench);
a missing PostgreSQL database or SQLite folder is created, the database is migrated, and
the demo is built at the asked scale unless one is there already.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/servicescore_bench"
# A demo with fewer employees than this is taken as missing (small: 48, large: 10,848).
MIN_EMPLOYEES = {"large": 10_000, "small": 40}


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


def ensure_demo(scale: str, seed: int) -> None:
    """Migrate, then build the demo unless this scale's demo, as the current generator
    makes it (with survey invitations), is there already."""
    from django.core.management import call_command

    from servicescore.core.models import User
    from servicescore.org.models import Employee
    from servicescore.voice.models import SurveyInvitation

    call_command("migrate", verbosity=0)
    if (
        Employee.objects.count() < MIN_EMPLOYEES[scale]
        or not User.objects.filter(username="manager").exists()
        or not SurveyInvitation.objects.exists()
    ):
        from servicescore.demo.builder import build_demo

        print(f"building the {scale} demo (seed {seed}) …", flush=True)
        report = build_demo(scale, seed)
        print(f"  built in {report.seconds:.0f} s", flush=True)
