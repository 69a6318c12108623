"""Scales, the demo clock and timestamp formatting.

The demo clock: the build's "now" is local midnight (company zone) at the start of the
anchor date, today by default. Data runs up to that moment and never beyond it, so
building twice with the same anchor and seed gives identical rows. The latest month
is the month of the day before the anchor (the current month, except on the 1st, when it
is the month that just ended); history is the months before it. Every month gets its
volume at the month's daily pace, so a month the anchor cuts short holds only the days
it covers.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from servicescore.core.periods import company_zone

UTC = datetime.UTC
EPOCH = datetime.date(1970, 1, 1)
DAY = 86_400
HOUR = 3_600
MINUTE = 60
# A technician's month (the AVAILABLE_HOURS fact): working days × shift hours × attendance,
# attendance drawn as gauss(mean, sigma) percent, at most 100.
WORKING_DAYS = 22
SHIFT_HOURS = 8
ATTENDANCE = (97.0, 2.5)


@dataclass(frozen=True)
class Scale:
    """How big the demo company is. Order volumes are per whole month."""

    name: str
    regions: int
    centres: int
    # (team kind, fewest technicians, most technicians); kinds are in catalog.TEAMS.
    teams: tuple[tuple[str, int, int], ...]
    advisors_per_centre: tuple[int, int]
    history_months: int
    orders_per_month: int
    # When set, the latest month's volume for a whole month (large: a benchmark month
    # busier than the history). Like every month it is spread at its daily pace: a month
    # the anchor cuts after n of its d days gets n/d of it.
    latest_month_orders: int | None
    cs_agents: int
    hr_staff: int
    customers_per_order: float
    # Share of closed orders whose survey is answered; demo/voice.py invites this ÷
    # RESPONSE_SHARE of them.
    survey_rate: float
    # Share of the closed orders without a complaint or comeback sampled for a follow-up call.
    followup_rate: float
    # Share of work orders whose transitions are written as events (all of them when small).
    event_rate: float
    chunk_orders: int
    # Dispatchers, warranty clerks and parts managers: every n-th centre has one.
    dispatcher_every: int = 1
    clerk_every: int = 1
    parts_every: int = 1
    # Raw bulk loaders (COPY / executemany of tuples) instead of bulk_create.
    bulk: bool = False
    # Every employee gets a log-in (without a usable password), not only the demo ones.
    accounts_for_all: bool = True


SCALES = {
    "small": Scale(
        name="small",
        regions=2,
        centres=5,
        teams=(("JD", 2, 2), ("BP", 1, 1)),
        advisors_per_centre=(1, 1),
        history_months=5,
        orders_per_month=800,
        latest_month_orders=None,
        cs_agents=2,
        hr_staff=1,
        customers_per_order=0.35,
        survey_rate=0.38,
        followup_rate=0.8,
        event_rate=1.0,
        chunk_orders=2_000,
        dispatcher_every=2,
        clerk_every=3,
        parts_every=5,
    ),
    "large": Scale(
        name="large",
        regions=7,
        centres=260,
        teams=(("JD", 7, 9), ("SD", 6, 8), ("BP", 5, 7), ("KX", 6, 8)),
        advisors_per_centre=(4, 6),
        history_months=1,
        orders_per_month=600_000,
        latest_month_orders=2_050_000,
        cs_agents=240,
        hr_staff=12,
        customers_per_order=0.45,
        survey_rate=0.3,
        followup_rate=0.3,
        event_rate=0.05,
        chunk_orders=20_000,
        bulk=True,
        accounts_for_all=False,
    ),
    # The large code path at a size tests can afford; not offered on the command line.
    "tiny-large": Scale(
        name="tiny-large",
        regions=2,
        centres=3,
        teams=(("JD", 2, 2), ("SD", 1, 1)),
        advisors_per_centre=(1, 1),
        history_months=1,
        orders_per_month=300,
        latest_month_orders=400,
        cs_agents=2,
        hr_staff=1,
        customers_per_order=0.45,
        survey_rate=0.3,
        followup_rate=0.3,
        event_rate=0.3,
        chunk_orders=150,
        bulk=True,
        accounts_for_all=False,
    ),
}


@dataclass(frozen=True)
class Month:
    code: str  # YYYY-MM
    start: int  # epoch seconds, local midnight of the 1st
    end: int  # epoch seconds, exclusive: the next 1st or the demo's now
    days_in_month: int

    @property
    def covered_days(self) -> int:
        return (self.end - self.start + DAY - 1) // DAY


class Clock:
    """The demo's now, its months and its local days, all as integer epoch seconds."""

    def __init__(self, anchor: datetime.date, history_months: int, zone: zoneinfo.ZoneInfo | None = None):
        self.zone = zone or company_zone()
        self.anchor = anchor
        self.now = self.local_midnight(anchor)
        last_day = anchor - datetime.timedelta(days=1)
        year, month = last_day.year, last_day.month
        months = []
        for _ in range(history_months + 1):
            start = self.local_midnight(datetime.date(year, month, 1))
            ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
            end = min(self.local_midnight(datetime.date(ny, nm, 1)), self.now)
            days = (datetime.date(ny, nm, 1) - datetime.date(year, month, 1)).days
            months.append(Month(f"{year:04d}-{month:02d}", start, end, days))
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        self.months = months[::-1]
        self.start = self.months[0].start

    def local_midnight(self, day: datetime.date) -> int:
        return int(datetime.datetime(day.year, day.month, day.day, tzinfo=self.zone).timestamp())

    def local_date(self, ts: int) -> datetime.date:
        return datetime.datetime.fromtimestamp(ts, self.zone).date()

    def days(self, month: Month) -> list[int]:
        """Epoch seconds of each local midnight in the covered part of a month."""
        out, day = [], self.local_date(month.start)
        while True:
            ts = self.local_midnight(day)
            if ts >= month.end:
                return out
            out.append(ts)
            day += datetime.timedelta(days=1)


class StampFormat:
    """Epoch seconds → the text a bulk loader stores for a DateTimeField (UTC).

    SQLite stores Django datetimes as naive UTC text; PostgreSQL's COPY parses the text
    with an explicit +00 offset. A table of the 86,400 times of day keeps this cheap.
    """

    def __init__(self, offset_suffix: str):
        self.days: dict[int, str] = {}
        self.times = [
            f"{h:02d}:{m:02d}:{s:02d}{offset_suffix}" for h in range(24) for m in range(60) for s in range(60)
        ]

    def prefix(self, day: int) -> str:
        """'YYYY-MM-DD ' of a day counted from the epoch (cached)."""
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = (EPOCH + datetime.timedelta(days=day)).isoformat() + " "
        return text

    def __call__(self, ts: int | None) -> str | None:
        if ts is None:
            return None
        day, second = divmod(ts, DAY)
        return self.prefix(day) + self.times[second]
