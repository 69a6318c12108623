"""The org tree, employees with manager lines, their archive, demo log-ins, metric facts
and the managers' manual ratings."""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password

from . import catalog
from .config import ATTENDANCE, SHIFT_HOURS, WORKING_DAYS

DEMO_PASSWORD = "demo1234"

# (role, username, which employee) for the demo log-ins; employees are picked at centre 0.
DEMO_ACCOUNTS = [
    ("technician", "tech", "tech"),
    ("service_advisor", "advisor", "advisor"),
    ("warranty_clerk", "clerk", "clerk"),
    ("cs_agent", "agent", "agent"),
    ("dispatcher", "dispatcher", "dispatcher"),
    ("parts_manager", "parts", "parts"),
    ("foreman", "foreman", "foreman"),
    ("service_manager", "manager", "manager"),
    ("hr", "hr", "hr"),
    ("auditor", "auditor", None),
    ("admin", "admin", None),
]
DEMO_USERNAMES = [username for _, username, _ in DEMO_ACCOUNTS]
# The people behind the log-ins that are no employee of the service network (they work for
# the whole company): named like everyone else in the log-in table and on their account.
ACCOUNT_NAMES = {"auditor": "周晓岚", "admin": "郑一鸣"}


@dataclass
class Person:
    id: int
    employee_no: str
    name: str
    position: str
    unit: int
    manager: int | None
    hire_date: datetime.date
    phone: str
    slowness: float = 1.0  # technicians: how much longer than the standard they take
    user: int | None = None


@dataclass
class Centre:
    id: int
    code: str
    name: str
    city: str
    lat: float
    lon: float
    manager: Person | None = None
    advisors: list = field(default_factory=list)
    dispatchers: list = field(default_factory=list)
    clerks: list = field(default_factory=list)  # warranty clerks: they open its warranty claims
    # team kind → (foreman, technicians)
    teams: dict = field(default_factory=dict)
    weight: float = 1.0

    def technicians(self, kind: str) -> list:
        return self.teams[kind][1] if kind in self.teams else []


@dataclass
class Network:
    company: int
    units: list  # (id, code, name, kind, parent_id, path)
    centres: list[Centre]
    people: list[Person]
    cs_agents: list[Person]
    cs_manager: Person | None
    demo: dict = field(default_factory=dict)  # employee key → Person
    accounts: list = field(default_factory=list)  # (role, username, Person | None, user id)

    def user_of(self) -> dict[int, int]:
        return {p.id: p.user for p in self.people if p.user}


class NetworkBuilder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rng = ctx.rng
        self.fake = ctx.fake
        self.units = []
        self.people: list[Person] = []

    # --- org tree -------------------------------------------------------------------------

    def unit(self, code, name, kind, parent=None):
        uid = len(self.units) + 1
        parent_path = next(u[5] for u in self.units if u[0] == parent) if parent else "/"
        self.units.append((uid, code, name, kind, parent, f"{parent_path}{uid}/"))
        return uid

    def person(self, position, unit, manager=None, slowness=1.0) -> Person:
        pid = len(self.people) + 1
        anchor = self.ctx.clock.anchor
        hire = anchor - datetime.timedelta(days=self.rng.randint(60, 10 * 365))
        p = Person(
            id=pid,
            employee_no=f"E{pid:06d}",
            name=self.fake.name(),
            position=position,
            unit=unit,
            manager=manager.id if manager else None,
            hire_date=hire,
            phone=self.fake.phone_number(),
            slowness=slowness,
        )
        self.people.append(p)
        return p

    def build(self) -> Network:
        scale, rng = self.ctx.scale, self.rng
        company = self.unit("NEV", "新能源汽车售后服务有限公司", "company")
        director = self.person("service_manager", company)
        hr = [self.person("hr", company, director) for _ in range(scale.hr_staff)]
        csc = self.unit("CSC", "客户服务中心", "service_center", company)
        cs_manager = self.person("cs_manager", csc, director)
        agents = [self.person("cs_agent", csc, cs_manager) for _ in range(scale.cs_agents)]

        regions = catalog.REGIONS[: scale.regions]
        centres = []
        per_region = [
            scale.centres // len(regions) + (1 if i < scale.centres % len(regions) else 0)
            for i in range(len(regions))
        ]
        n = 0
        for (rcode, rname, cities), count in zip(regions, per_region, strict=True):
            region = self.unit(rcode, rname, "region", company)
            regional = self.person("service_manager", region, director)
            for k in range(count):
                ccode, cname, _plate = cities[k % len(cities)]
                district = catalog.DISTRICTS[(k // len(cities) + n) % len(catalog.DISTRICTS)]
                number = k // len(cities) + 1
                code = f"SC{n + 1:03d}"
                name = f"{cname}{district}{'' if number == 1 else number}服务中心"
                lat, lon = catalog.CITY_COORDS[ccode]
                uid = self.unit(code, name, "service_center", region)
                centre = Centre(
                    uid, code, name, ccode, lat + rng.uniform(-0.1, 0.1), lon + rng.uniform(-0.1, 0.1)
                )
                centre.manager = self.person("service_manager", uid, regional)
                for kind, low, high in scale.teams:
                    tid = self.unit(
                        f"{code}-{kind}", name.replace("服务中心", catalog.TEAMS[kind]), "team", uid
                    )
                    foreman = self.person("foreman", tid, centre.manager, slowness=1.0)
                    techs = []
                    for _ in range(rng.randint(low, high)):
                        # A few slow technicians; most work near the standard time.
                        slow = rng.uniform(1.6, 2.2) if rng.random() < 0.12 else rng.lognormvariate(0, 0.12)
                        techs.append(self.person("technician", tid, foreman, slowness=slow))
                    centre.teams[kind] = (foreman, techs)
                centre.advisors = [
                    self.person("service_advisor", uid, centre.manager)
                    for _ in range(rng.randint(*scale.advisors_per_centre))
                ]
                if n % scale.dispatcher_every == 0:
                    centre.dispatchers = [self.person("dispatcher", uid, centre.manager)]
                if n % scale.clerk_every == 0:
                    centre.clerks = [self.person("warranty_clerk", uid, centre.manager)]
                if n % scale.parts_every == 0:
                    self.person("parts_manager", uid, centre.manager)
                centre.weight = sum(len(t[1]) for t in centre.teams.values())
                centres.append(centre)
                n += 1

        first = centres[0]
        first_kind = scale.teams[0][0]
        # The demo technician must not be one of the slow ones: their scorecard is the tour.
        tech = first.technicians(first_kind)[0]
        tech.slowness = 1.0

        def first_at(position):
            return next(p for p in self.people if p.position == position and p.unit == first.id)

        demo = {
            "tech": tech,
            "advisor": first.advisors[0],
            "clerk": first_at("warranty_clerk"),
            "agent": agents[0],
            "dispatcher": first.dispatchers[0],
            "parts": first_at("parts_manager"),
            "foreman": first.teams[first_kind][0],
            "manager": first.manager,
            "hr": hr[0],
        }
        return Network(company, self.units, centres, self.people, agents, cs_manager, demo)


def build_network(ctx) -> Network:
    return NetworkBuilder(ctx).build()


# --- log-ins ------------------------------------------------------------------------------


def create_users(ctx, net: Network):
    """The demo log-ins (one per role, password demo1234, hashed once) and, when the scale
    asks for it, a log-in without a usable password for every other employee."""
    from servicescore.core.models import User
    from servicescore.core.roles import ROLE_OF_POSITION

    demo_hash = make_password(DEMO_PASSWORD)
    unusable = UNUSABLE_PASSWORD_PREFIX + "demo-no-password"
    users, demo_ids = [], set()
    for role, username, key in DEMO_ACCOUNTS:
        person = net.demo.get(key) if key else None
        if person:
            demo_ids.add(person.id)
        users.append(
            User(
                username=username,
                password=demo_hash,
                role=role,
                first_name=person.name if person else ACCOUNT_NAMES.get(username, ""),
                is_staff=role in ("admin", "hr", "service_manager"),
                is_superuser=role == "admin",
            )
        )
    if ctx.scale.accounts_for_all:
        users += [
            User(
                username=p.employee_no.lower(),
                password=unusable,
                first_name=p.name,
                role=ROLE_OF_POSITION[p.position],
            )
            for p in net.people
            if p.id not in demo_ids
        ]
    User.objects.bulk_create(users, batch_size=1_000)
    ids = dict(User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id"))
    for role, username, key in DEMO_ACCOUNTS:
        person = net.demo.get(key) if key else None
        if person:
            person.user = ids[username]
        net.accounts.append((role, username, person, ids[username]))
    if ctx.scale.accounts_for_all:
        for p in net.people:
            if p.user is None:
                p.user = ids[p.employee_no.lower()]


# --- rows ---------------------------------------------------------------------------------


def network_rows(ctx, net: Network) -> dict[str, list[tuple]]:
    now = ctx.clock.now
    units = [
        (uid, code, name, kind, parent, path, now, now) for uid, code, name, kind, parent, path in net.units
    ]
    employees = [
        (
            p.id,
            p.employee_no,
            p.name,
            p.position,
            p.unit,
            p.manager,
            p.hire_date.isoformat(),
            p.phone,
            f"{p.employee_no.lower()}@nev-service.example.cn",
            "active",
            p.user,
            now,
            now,
        )
        for p in net.people
    ]
    return {"org.OrgUnit": units, "org.Employee": employees}


def archive_rows(ctx, net: Network) -> dict[str, list[tuple]]:
    """Certificates (some high-voltage licences expired or expiring), training, 奖惩, skills."""
    rng, now, today = ctx.rng, ctx.clock.now, ctx.clock.anchor
    skills = [(i + 1, name) for i, name in enumerate(catalog.SKILLS)]
    certs, trainings, rewards, emp_skills = [], [], [], []
    for p in net.people:
        hands_on = p.position in ("technician", "foreman")
        if hands_on:
            roll = rng.random()
            if roll < 0.1:
                until = today - datetime.timedelta(days=rng.randint(1, 200))
            elif roll < 0.22:
                until = today + datetime.timedelta(days=rng.randint(0, 30))
            else:
                until = today + datetime.timedelta(days=rng.randint(31, 5 * 365))
            since = until - datetime.timedelta(days=6 * 365)
            certs.append(
                (
                    len(certs) + 1,
                    p.id,
                    rng.choice(catalog.HV_CERTS),
                    f"T{rng.randrange(10**17):017d}",
                    "应急管理部门",
                    since.isoformat(),
                    until.isoformat(),
                    "",
                    now,
                    now,
                )
            )
        if hands_on or rng.random() < 0.3:
            since = p.hire_date + datetime.timedelta(days=rng.randint(0, 365))
            until = since + datetime.timedelta(days=rng.choice([3, 4, 5]) * 365)
            certs.append(
                (
                    len(certs) + 1,
                    p.id,
                    rng.choice(catalog.OTHER_CERTS),
                    f"C{rng.randrange(10**10):010d}",
                    "人力资源和社会保障部门",
                    since.isoformat(),
                    until.isoformat(),
                    "",
                    now,
                    now,
                )
            )
        for _ in range(rng.randint(1, 4)):
            day = today - datetime.timedelta(days=rng.randint(1, 360))
            hours = rng.choice([2, 4, 4, 8, 8, 16])
            score = f"{min(100.0, rng.gauss(84, 8)):.1f}" if rng.random() < 0.85 else None
            trainings.append(
                (
                    len(trainings) + 1,
                    p.id,
                    rng.choice(catalog.COURSES),
                    day.isoformat(),
                    f"{hours:.2f}",
                    score,
                    now,
                    now,
                )
            )
        if rng.random() < 0.35:
            day = today - datetime.timedelta(days=rng.randint(1, 180))
            if rng.random() < 0.6:
                rewards.append(
                    (
                        len(rewards) + 1,
                        p.id,
                        day.isoformat(),
                        "reward",
                        f"{rng.choice([2, 3, 5]):.1f}",
                        rng.choice(catalog.REWARDS),
                        "",
                        now,
                        now,
                    )
                )
            else:
                rewards.append(
                    (
                        len(rewards) + 1,
                        p.id,
                        day.isoformat(),
                        "penalty",
                        f"{-rng.choice([1, 2, 3]):.1f}",
                        rng.choice(catalog.PENALTIES),
                        "",
                        now,
                        now,
                    )
                )
        if hands_on:
            picked = rng.sample(range(len(skills)), rng.randint(2, 4))
        elif p.position in ("service_advisor", "cs_agent", "cs_manager"):
            picked = [catalog.SKILLS.index("客户沟通")]
        else:
            picked = []
        for s in picked:
            emp_skills.append((len(emp_skills) + 1, p.id, s + 1, rng.randint(1, 5)))
    return {
        "org.Skill": skills,
        "org.Certificate": certs,
        "org.TrainingRecord": trainings,
        "org.RewardPenalty": rewards,
        "org.EmployeeSkill": emp_skills,
    }


def fact_rows(ctx, net: Network) -> list[tuple]:
    """One value per fact indicator, employee and month (kpi migration 0002)."""
    rng, clock = ctx.rng, ctx.clock
    rows = []
    for month in clock.months:
        working_days = round(WORKING_DAYS * month.covered_days / month.days_in_month)
        stamp = min(month.end, clock.now)
        for p in net.people:
            values = {}
            attendance = min(100.0, rng.gauss(*ATTENDANCE))
            values["ATTENDANCE_RATE"] = attendance
            # Only technicians clock hours on labour lines; a foreman's available hours
            # would count as idle time in his team's productivity.
            if p.position == "technician":
                values["AVAILABLE_HOURS"] = working_days * SHIFT_HOURS * attendance / 100
            if rng.random() < 0.5:
                values["TRAINING_HOURS"] = rng.choice([2, 4, 8])
                values["TRAINING_SCORE"] = min(100.0, rng.gauss(84, 8))
            if p.position == "parts_manager":
                values["INVENTORY_TURNOVER"] = rng.uniform(0.6, 1.6)
                values["STOCKOUT_RATE"] = rng.uniform(0.5, 6)
                values["INVENTORY_ACCURACY"] = rng.uniform(96, 100)
            if p.position in ("foreman", "service_manager", "cs_manager"):
                values["TEAM_ATTRITION"] = rng.choice([0, 0, 0, 0, 2.5, 5, 8.3])
            if p.position in ("technician", "foreman"):
                values["SAFETY_VIOLATIONS"] = 1 if rng.random() < 0.01 else 0
            for code, value in values.items():
                rows.append((0, code, month.code, f"{value:.4f}", p.id, None, stamp, stamp))
    return [(i + 1, *row[1:]) for i, row in enumerate(rows)]


# A reviewer's 1–5 ratings, mostly 3–4 (kpi-library.md, Manual ratings: a comment below 3
# or at 5), and the comments they write.
RATING_WEIGHTS = {1: 1, 2: 5, 3: 30, 4: 49, 5: 15}
LOW_COMMENTS = ["本月多次未按规范执行，已面谈提醒", "配合度不足，需改进", "工作交接不及时，影响班组进度"]
TOP_COMMENTS = ["主动承担额外任务，表现突出", "获得客户书面表扬，值得推广", "带教新人成效明显"]


def manual_items_by_position() -> dict[str, list[str]]:
    """position → the manual-rating codes of the default scheme active for it."""
    from servicescore.appraisal.default_schemes import TEMPLATES
    from servicescore.kpi.registry import MANUAL_RATINGS

    found: dict[str, list[str]] = {}
    for _code, _name, position, _why, items, active, _subject in TEMPLATES:
        if active and position not in found:
            found[position] = [item["indicator"] for item in items if item["indicator"] in MANUAL_RATINGS]
    return found


def rating_rows(ctx, net: Network) -> list[tuple]:
    """The manual ratings of every person whose default scheme has manual items, by their
    manager, for every month the demo holds but a month still running (reviewers rate a
    month once it is over). Drawn from their own generator, so adding them moves no other
    row. Columns as bulk.COLUMNS["kpi.ManualRating"]."""
    rng, clock = random.Random(ctx.seed * 7919 + 15), ctx.clock
    manual = manual_items_by_position()
    ratings, weights = list(RATING_WEIGHTS), list(RATING_WEIGHTS.values())
    rows = []
    for month in clock.months:
        if month.covered_days < month.days_in_month:
            continue
        stamp = month.end
        for p in net.people:
            if p.manager is None:
                continue
            for code in manual.get(p.position, ()):
                rating = rng.choices(ratings, weights)[0]
                comment = ""
                if rating < 3:
                    comment = rng.choice(LOW_COMMENTS)
                elif rating == 5:
                    comment = rng.choice(TOP_COMMENTS)
                rows.append((len(rows) + 1, p.id, month.code, code, p.manager, rating, comment, stamp, stamp))
    return rows
