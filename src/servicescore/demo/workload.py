"""Customers, vehicles, work orders with their events, labour and parts lines, and the
customer voice that follows them — generated day by day as plain tuples and handed to a
writer in chunks, so memory stays bounded at any scale.

Every order is built from one timeline (created ≤ first response ≤ dispatched ≤ accepted ≤
started ≤ completed ≤ closed) cut at the demo's now or at its cancellation; the state is
the last stage reached, so timestamps and state always agree.
"""

import bisect
import datetime
import itertools
import math
from collections import defaultdict

from faker.providers.person.zh_CN import Provider as PersonProvider
from faker.providers.phone_number.zh_CN import Provider as PhoneProvider

from . import catalog
from .config import ATTENDANCE, DAY, HOUR, MINUTE, SHIFT_HOURS, WORKING_DAYS
from .voice import VoiceMixin, customer_email, customer_language

WO = "workorders.WorkOrder"
OPEN_HOUR, CLOSE_HOUR = 8 * HOUR, 20 * HOUR
ONLINE_CHANNELS = ("app", "online", "wecom")
COMEBACK_TYPES = ("maintenance", "repair", "warranty", "diagnosis")
# A completed order of those types comes back with this chance (more for slow technicians),
# to the same technician with SAME_TECH_SHARE, as a harder job (REWORK_DIFFICULTY).
COMEBACK_RATE = 0.055
SAME_TECH_SHARE = 0.6
REWORK_DIFFICULTY = 1.15
LABOUR_RATE = 220  # yuan per standard hour
# Survey ratings by mood: weights of 1..5 stars (CSAT about 90 %).
MOODS = {
    "good": (0, 1, 3, 20, 76),
    "meh": (1, 3, 11, 45, 40),
    "bad": (12, 18, 25, 30, 15),
}
# How often an order goes to a team other than its type's first choice.
OTHER_TEAM_SHARE = 0.25
# A labour line's hours: standard × difficulty × one of JOB_SIZES × the team's hours scale;
# clocked = that × the technician's slowness × lognormal(CLOCKED_BIAS, CLOCKED_SIGMA), so
# an ordinary technician beats the standard a little (EFFICIENCY about 110 %).
JOB_SIZES = (0.8, 1.0, 1.0, 1.2, 1.5)
DIFFICULTY_SIGMA = 0.2
CLOCKED_BIAS, CLOCKED_SIGMA = -0.1, 0.2
# Share of their available hours technicians spend clocked on jobs (PRODUCTIVITY).
UTILISATION = 0.85


def _cumulative(weights):
    return list(itertools.accumulate(weights))


class Workload(VoiceMixin):
    def __init__(self, ctx, net, writer):
        self.ctx, self.net, self.writer = ctx, net, writer
        self.rng, self.clock, self.scale = ctx.rng, ctx.clock, ctx.scale
        self.now = self.clock.now
        self.sla = ctx.sla  # (type, priority) → (response seconds, resolution seconds)
        self.comeback_window = ctx.comeback_window_days * DAY
        self.batch = defaultdict(list)
        self.ids = defaultdict(int)
        self.user_of = net.user_of()
        self.centres = net.centres
        self.centre_cum = _cumulative(c.weight for c in self.centres)
        self.types = catalog.ORDER_TYPES
        self.type_cum = _cumulative(t[1] for t in self.types)
        self.priority_cum = _cumulative(w for _, w in catalog.PRIORITIES)
        self.channel_cum = _cumulative(w for _, w in catalog.CHANNELS)
        self.vehicle_cum = _cumulative(v[4] for v in catalog.VEHICLES)
        self.surnames = list(PersonProvider.last_names)
        self.surname_cum = _cumulative(PersonProvider.last_names.values())
        self.given = PersonProvider.first_names
        self.phone_prefixes = [str(p) for p in PhoneProvider.phonenumber_prefixes]
        offset = self.clock.zone.utcoffset(datetime.datetime(2000, 1, 1))
        self.tz_offset = int(offset.total_seconds())
        self.day_codes: dict[int, str] = {}
        self.n_customers = self.n_assets = 0
        self.agents = net.cs_agents
        self.complaint_handlers = net.cs_agents + ([net.cs_manager] if net.cs_manager else [])
        self.parts_by_type = {t[0]: [p for p in catalog.PARTS if t[0] in p[3]] for t in self.types}
        # Within a team, a technician who takes twice as long gets half as many jobs.
        self.tech_cum = {
            (centre.id, kind): _cumulative(1 / t.slowness for t in techs)
            for centre in self.centres
            for kind, (_, techs) in centre.teams.items()
        }
        self.hours_scale = self.team_hours_scale()
        self.pace = 1.0  # the current month's job-length factor (see plan)
        self.voice_setup(MOODS)

    # --- helpers ------------------------------------------------------------------------

    def next_id(self, label):
        self.ids[label] += 1
        return self.ids[label]

    # random.choice and randint draw bits until a value fits; one float is enough here and
    # several times faster, which matters across millions of orders.
    def choice(self, seq):
        return seq[int(self.rng.random() * len(seq))]

    def randint(self, low, high):
        return low + int(self.rng.random() * (high - low + 1))

    def pick(self, items, cum):
        return items[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def shop_hours(self, ts):
        """Move a moment outside opening hours (08–20 local) to the next opening."""
        tod = (ts + self.tz_offset) % DAY
        if tod < OPEN_HOUR:
            return ts + OPEN_HOUR - tod + self.rng.randrange(1800)
        if tod >= CLOSE_HOUR:
            return ts + DAY - tod + OPEN_HOUR + self.rng.randrange(1800)
        return ts

    def lognormal(self, median, sigma):
        return int(median * math.exp(self.rng.gauss(0, sigma)))

    def day_code(self, ts):
        day = (ts + self.tz_offset) // DAY
        code = self.day_codes.get(day)
        if code is None:
            code = self.day_codes[day] = (datetime.date(1970, 1, 1) + datetime.timedelta(days=day)).strftime(
                "%y%m%d"
            )
        return code

    def flush(self):
        self.writer.write_all(self.batch)
        self.batch.clear()

    # --- plan ---------------------------------------------------------------------------

    def plan(self) -> list[tuple[int, int, float]]:
        """(local midnight, number of orders, pace) for every covered day; weekends a little
        busier. Every month is spread at its daily pace: its whole-month volume × the days
        covered ÷ the days in the month, so a month the anchor cuts after one day holds one
        day of work, whatever the date. A month busier than orders_per_month (the large
        scale's latest) has a pace below 1: shorter jobs, so the technicians' clocked hours
        still fit their time."""
        plan = []
        months = self.clock.months
        for i, month in enumerate(months):
            days = self.clock.days(month)
            volume = self.scale.orders_per_month
            if i == len(months) - 1 and self.scale.latest_month_orders:
                volume = self.scale.latest_month_orders
            total = round(volume * len(days) / month.days_in_month)
            weights = [1.2 if self.clock.local_date(d).weekday() >= 5 else 1.0 for d in days]
            share = total / sum(weights)
            counts = [int(w * share) for w in weights]
            for k in range(total - sum(counts)):
                counts[k % len(counts)] += 1
            pace = self.scale.orders_per_month * len(days) / (month.days_in_month * total) if total else 1.0
            plan += [(day, count, pace) for day, count in zip(days, counts, strict=True)]
        return plan

    def team_hours_scale(self) -> dict:
        """(centre id, team kind) → the factor on its labour hours that makes a technician's
        expected clocked hours in a month UTILISATION of his available hours, whatever the
        scale's order volume and the team's share of the centre's order types."""
        clocked = math.exp(CLOCKED_BIAS + CLOCKED_SIGMA**2 / 2)
        available = WORKING_DAYS * SHIFT_HOURS * ATTENDANCE[0] / 100
        scales = {}
        for centre in self.centres:
            hours = self.expected_team_hours(centre)
            for kind, (_, techs) in centre.teams.items():
                # With jobs shared in proportion to speed, every technician of the team
                # clocks the team's hours ÷ Σ(1 / slowness).
                wanted = UTILISATION * available * sum(1 / t.slowness for t in techs) / clocked
                scales[(centre.id, kind)] = wanted / hours[kind] if hours[kind] else 1.0
        return scales

    def expected_team_hours(self, centre) -> dict:
        """Team kind → the standard hours (before scaling) its orders carry in a month,
        comebacks included, as random_order, team_for and emit draw them."""
        share = centre.weight / sum(c.weight for c in self.centres) / sum(t[1] for t in self.types)
        job = math.exp(DIFFICULTY_SIGMA**2 / 2) * sum(JOB_SIZES) / len(JOB_SIZES)
        hours = defaultdict(float)
        for kind in self.types:
            orders = self.scale.orders_per_month * share * kind[1]
            jobs = [(kind, kind, orders)]
            if kind[0] in COMEBACK_TYPES:
                back, again = self.comeback_kind(kind), orders * COMEBACK_RATE * REWORK_DIFFICULTY
                jobs += [(back, kind, again * SAME_TECH_SHARE), (back, back, again * (1 - SAME_TECH_SHARE))]
            for done, dispatched_as, count in jobs:
                for team, odds in self.team_odds(centre, dispatched_as[0]):
                    hours[team] += count * odds * done[3] * done[4] * job
        return hours

    # --- customers and vehicles ---------------------------------------------------------

    def person_name(self):
        rng = self.rng
        surname = self.pick(self.surnames, self.surname_cum)
        return surname + "".join(rng.choices(self.given, k=1 if rng.random() < 0.35 else 2))

    def phone(self):
        return f"{self.choice(self.phone_prefixes)}{self.rng.randrange(10**8):08d}"

    def write_customers(self, orders: int):
        rng, now = self.rng, self.now
        cities = [city for _, _, cs in catalog.REGIONS[: self.scale.regions] for city in cs]
        self.n_customers = max(50, int(orders * self.scale.customers_per_order))
        self.n_assets = int(self.n_customers * 1.15)
        chunk = 50_000
        for start in range(1, self.n_customers + 1, chunk):
            rows = []
            for cid in range(start, min(start + chunk, self.n_customers + 1)):
                _, cname, _ = self.choice(cities)
                address = (
                    f"{cname}市{self.choice(catalog.DISTRICTS)}区{self.randint(1, 300)}路"
                    f"{self.randint(1, 999)}号"
                    if rng.random() < 0.7
                    else ""
                )
                rows.append(
                    (
                        cid,
                        f"C{cid:08d}",
                        self.person_name(),
                        self.phone(),
                        address,
                        now,
                        now,
                        customer_email(cid),
                        customer_language(cid),
                    )
                )
            self.writer.write("customers.Customer", rows)
        for start in range(1, self.n_assets + 1, chunk):
            rows = []
            for aid in range(start, min(start + chunk, self.n_assets + 1)):
                model, wmi, nev, battery, _ = self.pick(catalog.VEHICLES, self.vehicle_cum)
                vin = wmi + "".join(rng.choices(catalog.VIN_CHARS, k=6)) + f"{aid:08d}"
                _, _, prefix = self.choice(cities)
                tail = (
                    self.choice("DF") + f"{rng.randrange(10**5):05d}"
                    if nev
                    else "".join(rng.choices(catalog.PLATE_LETTERS[:8] + "0123456789", k=5))
                )
                rows.append(
                    (aid, vin, "vehicle", model, self.owner(aid), f"{prefix}·{tail}", nev, battery, now, now)
                )
            self.writer.write("customers.Asset", rows)

    def owner(self, asset_id):
        """Every customer owns the asset with their id; the extra assets are second cars."""
        if asset_id <= self.n_customers:
            return asset_id
        return (asset_id - self.n_customers - 1) * 7919 % self.n_customers + 1

    # --- orders -------------------------------------------------------------------------

    def run(self):
        plan = self.plan()
        self.write_customers(sum(n for _, n, _ in plan))
        chunk = self.scale.chunk_orders
        batch = self.batch
        for day, count, pace in plan:
            self.pace = pace
            for _ in range(count):
                self.random_order(day)
                # Within the day too: memory stays bounded however busy a day is.
                if len(batch[WO]) >= chunk:
                    self.flush()
        self.pinned_orders()
        self.pinned_voice()
        self.flush()
        self.write_staff_devices()

    def continue_ids(self, last_ids: dict[str, int]):
        """Carry on after rows already stored (label → highest id), over the stored
        customers and vehicles (ids 1…n, as write_customers numbers them)."""
        self.ids.update(last_ids)
        self.n_customers = last_ids["customers.Customer"]
        self.n_assets = last_ids["customers.Asset"]

    def add_day(self, orders: int):
        """`orders` more work orders created on the day that starts at the demo's now, cut
        at that day's end, at the pace of the latest month."""
        day = self.now
        self.now += DAY
        self.pace = self.plan()[-1][2]
        for _ in range(orders):
            self.random_order(day)
        self.flush()

    def random_order(self, day):
        rng = self.rng
        centre = self.pick(self.centres, self.centre_cum)
        kind = self.pick(self.types, self.type_cum)
        priority = self.pick(catalog.PRIORITIES, self.priority_cum)[0]
        channel = self.pick(catalog.CHANNELS, self.channel_cum)[0]
        if channel in ONLINE_CHANNELS:
            created = day + int(rng.triangular(0, DAY, 14 * HOUR))
        else:
            created = day + int(rng.triangular(7.5 * HOUR, 19 * HOUR, 10 * HOUR))
        asset = self.randint(1, self.n_assets)
        self.emit(centre, kind, priority, channel, created, self.owner(asset), asset)

    def comeback_kind(self, kind):
        """A comeback is a repair, except that a warranty job comes back as warranty."""
        return kind if kind[0] == "warranty" else self.types[1]

    @staticmethod
    def team_kinds(centre, type_) -> list[str]:
        """The centre's teams that take an order type, first choice first."""
        return [k for k in catalog.TEAM_FOR_TYPE[type_] if k in centre.teams] or list(centre.teams)

    def team_odds(self, centre, type_) -> list[tuple[str, float]]:
        """(team kind, probability) as team_for draws them."""
        first, *others = self.team_kinds(centre, type_)
        if not others:
            return [(first, 1.0)]
        return [(first, 1 - OTHER_TEAM_SHARE)] + [(k, OTHER_TEAM_SHARE / len(others)) for k in others]

    def team_for(self, centre, type_):
        kinds = self.team_kinds(centre, type_)
        if len(kinds) > 1 and self.rng.random() < OTHER_TEAM_SHARE:
            return self.choice(kinds[1:])
        return kinds[0]

    def timeline(self, kind, channel, created, difficulty, slowness):
        """The planned moments of each stage, before the demo's now cuts them."""
        rng, lognormal, shop = self.rng, self.lognormal, self.shop_hours
        type_, _, median_hours, _, _ = kind
        first = {"walk_in": 3 * MINUTE, "phone": 8 * MINUTE}.get(channel, 25 * MINUTE)
        response = shop(created + lognormal(first, 0.8))
        dispatched = response + lognormal(15 * MINUTE, 0.9)
        accepted = dispatched + lognormal(8 * MINUTE * math.sqrt(slowness), 0.9)
        if rng.random() < 0.01:  # forgotten in a queue
            accepted += int(rng.uniform(2, 10) * DAY)
        wait = lognormal(36 * HOUR, 0.6) if type_ == "installation" else lognormal(30 * MINUTE, 1.0)
        started = shop(accepted + wait)
        work = median_hours * HOUR * difficulty * slowness * math.exp(rng.gauss(0, 0.45))
        if type_ == "warranty" and rng.random() < 0.5:  # waiting for the maker's approval
            work += lognormal(DAY, 0.7)
        if rng.random() < 0.03:  # waiting for parts (待料)
            work += rng.uniform(3, 20) * DAY
        completed = started + int(work)
        closed = shop(completed + lognormal(4 * HOUR, 1.1))
        return [response, dispatched, accepted, started, completed, closed]

    def emit(
        self,
        centre,
        kind,
        priority,
        channel,
        created,
        customer,
        asset,
        *,
        rework_of=None,
        tech=None,
        stages=None,
        description=None,
        events=False,
    ):
        rng, now = self.rng, self.now
        type_, _, _, standard, difficulty_base = kind
        if tech is None:
            team = self.team_for(centre, type_)
        else:  # a comeback for the same technician, or a pinned order: their own team
            team = next(k for k, (lead, _) in centre.teams.items() if lead.unit == tech.unit)
        foreman, techs = centre.teams[team]
        tech = tech or self.pick(techs, self.tech_cum[(centre.id, team)])
        dispatcher = self.choice(centre.dispatchers) if centre.dispatchers else foreman
        advisor = self.choice(centre.advisors)
        if type_ == "warranty" and centre.clerks:
            # A centre's warranty claims are opened by its warranty clerk (the order's
            # advisor, as when he opens one at the desk); drawn after the choice above so
            # that the random draw stays the same.
            advisor = centre.clerks[0]
        difficulty = max(
            0.5,
            round(
                difficulty_base
                * math.exp(rng.gauss(0, DIFFICULTY_SIGMA))
                * (REWORK_DIFFICULTY if rework_of else 1),
                2,
            ),
        )

        cancelled_at, cancel_reason = None, ""
        if stages is None:
            stages = self.timeline(kind, channel, created, difficulty, tech.slowness)
            cut = now
            if rng.random() < 0.03:
                moment = created + 60 + int(rng.random() * max(60, stages[3] - created))
                if moment < now:
                    cut, cancelled_at, cancel_reason = moment, moment, self.choice(catalog.CANCEL_REASONS)
            reached = []
            for ts in stages:
                if ts >= cut:
                    break
                reached.append(ts)
            stages = reached + [None] * (6 - len(reached))
        response, dispatched, accepted, started, completed, closed = stages
        if cancelled_at:
            state = "cancelled"
        else:
            state = ("new", "new", "dispatched", "accepted", "in_progress", "completed", "closed")[
                sum(1 for ts in stages if ts is not None)
            ]
        response_s, resolution_s = self.sla.get((type_, priority), (None, None))
        response_due = created + response_s if response_s else None
        due = created + resolution_s if resolution_s else None

        order_id = self.next_id(WO)
        done = completed is not None
        labour = parts = travel = None
        resolution, visits = "", 1
        if done:
            labour, parts, travel = self.lines(order_id, type_, team, centre, tech, standard, difficulty)
            roll = rng.random()
            if roll < (0.15 if type_ == "diagnosis" else 0.02):
                resolution = "no_fault_found"
            elif roll < (0.19 if type_ == "diagnosis" else 0.05):
                resolution = "not_fixed"
            else:
                resolution = "fixed"
            if type_ in ("repair", "warranty") and rng.random() < 0.08:
                visits = 2
        has_tech = dispatched is not None
        last = max(ts for ts in (created, *stages, cancelled_at) if ts is not None)
        self.batch[WO].append(
            (
                order_id,
                f"WO{self.day_code(created)}{order_id:07d}",
                centre.id,
                type_,
                priority,
                channel,
                customer,
                asset,
                description or self.choice(catalog.DESCRIPTIONS[type_]),
                state,
                created,
                response,
                dispatched,
                accepted,
                started,
                completed,
                closed,
                cancelled_at,
                cancel_reason,
                due,
                response_due,
                tech.id if has_tech else None,
                advisor.id,
                dispatcher.id if has_tech else None,
                f"{difficulty:.2f}",
                labour,
                parts,
                travel,
                resolution,
                visits,
                rework_of,
                created,
                last,
            )
        )
        if events or rng.random() < self.scale.event_rate:
            self.events(
                order_id,
                centre,
                state,
                created,
                stages,
                cancelled_at,
                cancel_reason,
                advisor,
                dispatcher,
                tech,
            )

        if closed is not None:
            mood = "good"
            late = due is not None and completed > due
            if resolution == "not_fixed" or rework_of:
                mood = "bad"
            elif late or tech.slowness > 1.5 or rng.random() < 0.08:
                mood = "meh"
            self.voice(order_id, closed, mood, tech, advisor, late, centre, customer, rework_of is not None)
        if (
            done
            and rework_of is None
            and type_ in COMEBACK_TYPES
            and rng.random() < COMEBACK_RATE * (1.8 if tech.slowness > 1.5 else 1.0)
        ):
            back = completed + int(rng.uniform(1 * DAY, self.comeback_window - 2 * DAY))
            if back < now:
                same = tech if rng.random() < SAME_TECH_SHARE else None
                comeback_kind = self.comeback_kind(kind)
                self.emit(
                    centre,
                    comeback_kind,
                    "high" if rng.random() < 0.5 else "normal",
                    "phone",
                    back,
                    customer,
                    asset,
                    rework_of=order_id,
                    tech=same,
                    description="返修：" + self.choice(catalog.DESCRIPTIONS[type_]),
                )
        return order_id

    def lines(self, order_id, type_, team, centre, tech, standard, difficulty):
        """Labour lines (sometimes two technicians) and parts lines; returns the order's money."""
        rng = self.rng
        scale = self.hours_scale[(centre.id, team)] * self.pace
        hours = round(standard * difficulty * self.choice(JOB_SIZES) * scale, 2) or 0.05
        mates = [t for t in centre.teams[team][1] if t is not tech]
        crew = [(tech, hours)]
        if mates and rng.random() < 0.18:
            first = round(hours * 0.6, 2)
            crew = [(tech, first), (self.choice(mates), round(hours - first, 2) or 0.01)]
        total = 0.0
        for person, flagged in crew:
            clocked = flagged * person.slowness * math.exp(rng.gauss(CLOCKED_BIAS, CLOCKED_SIGMA))
            self.batch["workorders.LabourLine"].append(
                (
                    self.next_id("workorders.LabourLine"),
                    order_id,
                    person.id,
                    f"{flagged:.2f}",
                    f"{clocked:.2f}",
                )
            )
            total += flagged
        parts_total = 0.0
        catalogue = self.parts_by_type[type_]
        chance = {"maintenance": 0.9, "warranty": 0.9, "installation": 0.8, "repair": 0.6, "diagnosis": 0.3}
        if catalogue and rng.random() < chance.get(type_, 0):
            for part_no, name, price, _ in rng.sample(catalogue, min(len(catalogue), self.randint(1, 3))):
                quantity = 4 if name == "轮胎" else 1
                self.batch["workorders.PartsLine"].append(
                    (self.next_id("workorders.PartsLine"), order_id, part_no, name, f"{quantity:.2f}", price)
                )
                parts_total += quantity * float(price)
        travel = f"{self.choice((50, 80, 120, 200)):.2f}" if type_ == "installation" else None
        return f"{total * LABOUR_RATE:.2f}", f"{parts_total:.2f}", travel

    def events(
        self, order_id, centre, state, created, stages, cancelled_at, cancel_reason, advisor, dispatcher, tech
    ):
        rng, user = self.rng, self.user_of.get
        rows = self.batch["workorders.WorkOrderEvent"]
        _, dispatched, accepted, started, completed, closed = stages
        steps = [("create", "", "new", advisor, created, None, "")]
        for action, before, after, who, ts in (
            ("dispatch", "new", "dispatched", dispatcher, dispatched),
            ("accept", "dispatched", "accepted", tech, accepted),
            ("start", "accepted", "in_progress", tech, started),
            ("complete", "in_progress", "completed", tech, completed),
            ("close", "completed", "closed", advisor, closed),
        ):
            if ts is None:
                break
            steps.append((action, before, after, who, ts, action == "start", ""))
        if cancelled_at:
            steps.append(("cancel", steps[-1][2], "cancelled", advisor, cancelled_at, None, cancel_reason))
        for action, before, after, who, ts, located, note in steps:
            lat = lon = None
            if located:
                lat = f"{centre.lat + rng.uniform(-0.002, 0.002):.6f}"
                lon = f"{centre.lon + rng.uniform(-0.002, 0.002):.6f}"
                note = "到店开工打卡"
            rows.append(
                (
                    self.next_id("workorders.WorkOrderEvent"),
                    order_id,
                    action,
                    before,
                    after,
                    user(who.id),
                    ts,
                    lat,
                    lon,
                    note,
                )
            )

    # --- pinned orders ------------------------------------------------------------------

    def pinned_orders(self):
        """Orders the guided tour relies on: open work for the demo technician and overdue
        orders at the demo manager's centre, whatever the random draw produced."""
        net, now = self.net, self.now
        centre = self.centres[0]
        tech = net.demo["tech"]
        repair, maintenance = self.types[1], self.types[0]
        hour = HOUR

        def stages(created, upto, gaps=(10 * MINUTE, 20 * MINUTE, 15 * MINUTE, 40 * MINUTE)):
            moments, ts = [], created
            for gap in gaps[:upto]:
                ts += gap
                moments.append(ts)
            return moments + [None] * (6 - len(moments))

        plans = [
            (tech, maintenance, now - 5 * hour, 2),  # dispatched
            (tech, repair, now - 7 * hour, 2),
            (tech, maintenance, now - 9 * hour, 3),  # accepted
            (tech, repair, now - 20 * hour, 4),  # in progress
            (tech, repair, now - 4 * DAY, 4),  # in progress and overdue
            (None, repair, now - 6 * DAY, 4),
            (None, repair, now - 9 * DAY, 3),
            (None, maintenance, now - 3 * DAY, 2),
            (None, repair, now - 2 * DAY, 0),  # never answered: response overdue
        ]
        for person, kind, created, upto in plans:
            asset = self.randint(1, self.n_assets)
            self.emit(
                centre,
                kind,
                "normal",
                "phone",
                created,
                self.owner(asset),
                asset,
                tech=person,
                stages=stages(created, upto),
                events=True,
            )
