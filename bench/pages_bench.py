"""Page and API latency on the large demo, through a real HTTP server (gunicorn).

    scripts/services-up.sh postgresql
    .venv/bin/python bench/pages_bench.py                      # PostgreSQL, large demo (built once, ~7 min)
    .venv/bin/python bench/pages_bench.py --requests 500
    DATABASE_URL=sqlite:///var/bench/pages.sqlite3 .venv/bin/python bench/pages_bench.py --scale small

The database named by DATABASE_URL (default postgres://postgres@127.0.0.1:5432/servicescore_bench)
is created and migrated if missing. The demo is built unless that scale, built at the same
anchor date, is already there. The anchor is pinned, 2026-10-31 by default (`--anchor`,
bench/common.py), never today's date: the same orders whatever day the benchmark runs
(though "overdue" and the board's urgency are still measured against the real clock).
Besides the everyday pages it times the slow paths: a whole-company sort by priority, the
overdue filter and deep pages (page 200 of HR's list, page 100 of a manager's), and the
customer-voice pages and API lists (voice_targets). `--existing` times the database as it is:
it stops, rather than migrate it or build the demo, when either is missing.
Then gunicorn (2 workers, DEBUG off) serves it on a free loopback port, and every target is
requested sequentially: 5 warm-up requests, then --requests timed ones (default 200).
Prints p50, p95 and max in milliseconds. Any answer other than 200 is an error. Target:
p95 under 300 ms (product.md).
"""

import argparse
import datetime
import os
import random
import socket
import statistics
import subprocess
import time
import urllib.request

from common import MIN_EMPLOYEES, ROOT, add_anchor_argument, ensure_demo, setup_django


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited; see its output above")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start within 60 s")


def start_gunicorn(workers: int) -> tuple[subprocess.Popen, int]:
    """The product under gunicorn on a free loopback port, as in production (no DEBUG, no
    log-in throttling); the caller waits for it (`wait_for`) and stops it."""
    port = free_port()
    env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost", "AXES_ENABLED": "false"}
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "servicescore.wsgi:application"]
    command += ["-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    return subprocess.Popen(command, env=env, cwd=ROOT), port


def session_cookie(user) -> str:
    """A real session for `user` in the database (what logging in through the form makes)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def timed(base: str, path: str, headers: dict, count: int) -> list[float]:
    times = []
    for n in range(count + 5):
        request = urllib.request.Request(base + (path() if callable(path) else path), headers=headers)
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status = response.status
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}")
        if n >= 5:
            times.append(elapsed)
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def refuse_to_change(scale: str, anchor) -> None:
    """Stop when ensure_demo would migrate the database or build the demo (--existing)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from servicescore.core.models import User
    from servicescore.demo.builder import built_on
    from servicescore.org.models import Employee

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _backwards in plan)
        raise SystemExit(f"--existing: the database lacks migrations ({names}); not migrating it")
    if (
        Employee.objects.count() < MIN_EMPLOYEES[scale]
        or not User.objects.filter(username="manager").exists()
        or built_on() != anchor
    ):
        raise SystemExit(f"--existing: no {scale} demo built at {anchor} in the database; not building it")


def voice_targets(users, session, token, rng, anchor) -> list:
    """The customer-voice pages and API lists, as the roles that use them see them (issue
    17): the overview of the demo's last month (the real clock's last complete month is
    after the demo, hence empty), the complaint desk, the follow-up queue (its default
    list is "due today", empty after the demo; "overdue" holds the demo's open tasks), the
    agent's home, the review queue, a work order with its survey answer and calls, the
    profile of a technician with answers, and the API lists."""
    import datetime

    from django.db.models import Exists, OuterRef

    from servicescore.voice.models import FollowUp, SurveyResponse
    from servicescore.workorders.models import WorkOrder
    from servicescore.workorders.scope import visible_work_orders

    month = (anchor - datetime.timedelta(days=1)).strftime("%Y-%m")
    answered = list(
        visible_work_orders(users["manager"])
        .filter(
            Exists(SurveyResponse.objects.filter(work_order=OuterRef("pk"))),
            Exists(FollowUp.objects.filter(work_order=OuterRef("pk"))),
        )
        .order_by("-created_at")
        .values_list("pk", flat=True)[:500]
    )
    if not answered:
        raise SystemExit("the demo has no work order with a survey answer and a call in the manager's scope")
    led = WorkOrder.objects.filter(pk__in=answered, technician__isnull=False)
    technicians = sorted(set(led.values_list("technician", flat=True)))
    return [
        ("voice overview, manager", f"/voice/?month={month}", session("manager")),
        ("voice overview, HR", f"/voice/?month={month}", session("hr")),
        ("complaint desk, agent", "/voice/complaints/", session("agent")),
        ("complaint desk breaching, agent", "/voice/complaints/?tab=breaching", session("agent")),
        ("complaint desk, manager", "/voice/complaints/", session("manager")),
        ("complaint desk breaching, manager", "/voice/complaints/?tab=breaching", session("manager")),
        ("follow-up queue, agent", "/voice/follow-ups/", session("agent")),
        ("follow-up queue overdue, agent", "/voice/follow-ups/?list=overdue", session("agent")),
        ("home, agent", "/", session("agent")),
        ("fraud review queue, manager", "/voice/reviews/", session("manager")),
        ("order with feedback, manager", lambda: f"/work-orders/{rng.choice(answered)}/", session("manager")),
        ("profile voice section, manager", lambda: f"/people/{rng.choice(technicians)}/", session("manager")),
        ("API voice responses, manager token", "/api/voice/responses?limit=50", token),
        ("API voice follow-ups, manager token", "/api/voice/followups?limit=50", token),
        ("API voice complaints, manager token", "/api/voice/complaints?limit=50", token),
    ]


def cycle_targets(users, session) -> list[tuple]:
    """The appraisal cycle's pages on the newest cycle (the large demo's is frozen over
    everyone, in self review: demo/cycles.py): HR's progress board, the list, calibration
    and the results, the manager's board, the technician's to-do list and evaluation."""
    from servicescore.appraisal.models import Cycle, Evaluation

    cycle = Cycle.objects.order_by("-pk").first()
    if cycle is None:
        return []
    mine = (
        Evaluation.objects.filter(cycle=cycle, employee__user=users["tech"])
        .values_list("pk", flat=True)
        .first()
    )
    targets = [
        ("cycles list, HR", "/appraisal/cycles/", session("hr")),
        ("cycle progress board, HR", f"/appraisal/cycles/{cycle.pk}/", session("hr")),
        ("cycle progress board, manager", f"/appraisal/cycles/{cycle.pk}/", session("manager")),
        ("calibration, HR whole company", f"/appraisal/cycles/{cycle.pk}/calibration/", session("hr")),
        ("cycle results, HR", f"/appraisal/cycles/{cycle.pk}/results/", session("hr")),
        ("appraisal to-do, manager", "/appraisal/todo/", session("manager")),
        ("appraisal to-do, technician", "/appraisal/todo/", session("tech")),
    ]
    if mine:
        targets.append(("evaluation, technician", f"/appraisal/evaluations/{mine}/", session("tech")))
    return targets


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="large", choices=["small", "large"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="time only the targets whose label contains this text")
    parser.add_argument(
        "--existing",
        action="store_true",
        help="time the demo already in the database: stop, instead of migrating it or building "
        "the demo, when it lacks a migration or the demo",
    )
    add_anchor_argument(parser)
    args = parser.parse_args()

    setup_django()
    from django.db import connection

    from servicescore.api.models import ApiToken
    from servicescore.core.models import User
    from servicescore.workorders.models import WorkOrder
    from servicescore.workorders.scope import visible_work_orders

    if args.existing:
        refuse_to_change(args.scale, args.anchor)
    ensure_demo(args.scale, args.seed, args.anchor)
    total_orders = WorkOrder.objects.count()

    users = {
        name: User.objects.get(username=name) for name in ("manager", "dispatcher", "hr", "tech", "agent")
    }
    cookies = {name: session_cookie(user) for name, user in users.items()}
    ApiToken.objects.filter(name="pages-bench").delete()  # left over from an interrupted run
    _token, raw = ApiToken.issue(
        user=users["manager"], name="pages-bench", scopes=["read"], rate_limit_per_minute=1_000_000
    )
    manager_orders = list(
        visible_work_orders(users["manager"]).order_by("-created_at").values_list("pk", flat=True)[:5000]
    )
    centre_code = users["manager"].employee.org_unit.code
    rng = random.Random(args.seed)

    def session(name):
        return {"Cookie": f"sessionid={cookies[name]}", "Accept-Language": "zh-hans"}

    targets = [
        ("list, manager (default)", "/work-orders/", session("manager")),
        (
            "list, manager (filtered)",
            "/work-orders/?state=in_progress&state=accepted&type=repair&overdue=yes&sort=-due",
            session("manager"),
        ),
        ("list, HR whole company (default)", "/work-orders/", session("hr")),
        (
            "list, HR (filtered by centre)",
            f"/work-orders/?service_center={users['manager'].employee.org_unit_id}&q=&state=completed",
            session("hr"),
        ),
        ("list, HR sorted by priority", "/work-orders/?sort=priority", session("hr")),
        ("list, HR overdue", "/work-orders/?overdue=yes", session("hr")),
        ("list, HR page 200", "/work-orders/?page=200", session("hr")),
        ("list, manager page 100", "/work-orders/?page=100", session("manager")),
        ("detail, manager", lambda: f"/work-orders/{rng.choice(manager_orders)}/", session("manager")),
        ("dispatch board, dispatcher", "/work-orders/board/", session("dispatcher")),
        ("my work orders, technician", "/work-orders/mine/", session("tech")),
        ("API list, manager token", "/api/work-orders?limit=50", {"Authorization": f"Bearer {raw}"}),
        (
            "API list filtered",
            f"/api/work-orders?limit=50&state=completed&service_center={centre_code}",
            {"Authorization": f"Bearer {raw}"},
        ),
    ]
    month = (args.anchor - datetime.timedelta(days=1)).strftime("%Y-%m")
    targets += [
        # the score panel with its trend: means of stored values over the scope, in SQL
        ("home, HR whole company", "/", session("hr")),
        ("home, manager", "/", session("manager")),
        (
            "API results, manager token",
            f"/api/kpi/results?period={month}&limit=50",
            {"Authorization": f"Bearer {raw}"},
        ),
        (
            "API results of one indicator",
            f"/api/kpi/results?period={month}&indicator=FTFR&subject=employee&limit=50",
            {"Authorization": f"Bearer {raw}"},
        ),
    ]
    targets += voice_targets(users, session, {"Authorization": f"Bearer {raw}"}, rng, args.anchor)
    targets += cycle_targets(users, session)
    if args.only:
        targets = [target for target in targets if args.only in target[0]]

    server, port = start_gunicorn(args.workers)
    try:
        wait_for(port, server)
        base = f"http://127.0.0.1:{port}"
        print(
            f"\n{connection.vendor}, demo anchored at {args.anchor}, {total_orders:,} work orders, "
            f"gunicorn {args.workers} workers, {args.requests} requests per target\n"
        )
        print(f"| {'target':<36} | p50 ms | p95 ms | max ms |")
        print(f"|{'-' * 38}|-------:|-------:|-------:|")
        failed = False
        for label, path, headers in targets:
            times = timed(base, path, headers, args.requests)
            p95 = percentile(times, 0.95)
            failed |= p95 >= 300
            print(
                f"| {label:<36} | {statistics.median(times):6.0f} | {p95:6.0f} | {max(times):6.0f} |",
                flush=True,
            )
        print("\nall p95 under 300 ms" if not failed else "\nSOME p95 AT OR OVER 300 ms")
    finally:
        server.terminate()
        server.wait(timeout=30)
        ApiToken.objects.filter(name="pages-bench").delete()


if __name__ == "__main__":
    main()
