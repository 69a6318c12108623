"""Months and quarters in the company time zone (kpi-library.md, Periods and membership).

A timestamp belongs to the period in which its *local* date falls, so periods are cut at
local midnight and converted to UTC bounds here; nothing else should call `.month` on a
stored (UTC) datetime.
"""

import datetime
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

MONTH_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
QUARTER_RE = re.compile(r"(\d{4})-Q([1-4])")
YEAR_RE = re.compile(r"(\d{4})")


def company_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.COMPANY_TIME_ZONE)


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter; `start` inclusive, `end` exclusive, both aware."""

    code: str
    start: datetime.datetime
    end: datetime.datetime

    def contains(self, moment: datetime.datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def months(self) -> list[str]:
        """The month codes a period spans, e.g. 2026-Q4 → 2026-10, 2026-11, 2026-12."""
        first = self.start.astimezone(company_zone())
        last = (self.end - datetime.timedelta(seconds=1)).astimezone(company_zone())
        codes, y, m = [], first.year, first.month
        while (y, m) <= (last.year, last.month):
            codes.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return codes


def _local_midnight(year: int, month: int) -> datetime.datetime:
    return datetime.datetime(year, month, 1, tzinfo=company_zone())


def parse_period(code: str) -> Period:
    """Parse 'YYYY-MM' or 'YYYY-Qn'; ValueError with a readable message otherwise."""
    code = (code or "").strip()
    if m := MONTH_RE.fullmatch(code):
        year, month = int(m[1]), int(m[2])
        end = (year + 1, 1) if month == 12 else (year, month + 1)
        return Period(code, _local_midnight(year, month), _local_midnight(*end))
    if m := QUARTER_RE.fullmatch(code):
        year, quarter = int(m[1]), int(m[2])
        first = 3 * (quarter - 1) + 1
        end = (year + 1, 1) if quarter == 4 else (year, first + 3)
        return Period(code, _local_midnight(year, first), _local_midnight(*end))
    raise ValueError(
        _("'%(code)s' is not a period: use YYYY-MM (e.g. 2026-10) or YYYY-Qn (e.g. 2026-Q4).")
        % {"code": code}
    )


def parse_span(code: str) -> Period:
    """A month, a quarter or a whole year ('YYYY'): the periods an appraisal cycle may
    cover. Indicators are computed per month and quarter only (`parse_period`); a year is
    appraised from its months."""
    code = (code or "").strip()
    if m := YEAR_RE.fullmatch(code):
        year = int(m[1])
        return Period(code, _local_midnight(year, 1), _local_midnight(year + 1, 1))
    return parse_period(code)


def quarter_of(month: str) -> str:
    """The quarter code of a month code: 2026-11 → 2026-Q4."""
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


def month_of(moment: datetime.datetime) -> str:
    """The month code (company zone) an aware timestamp falls in."""
    local = moment.astimezone(company_zone())
    return f"{local.year:04d}-{local.month:02d}"


def last_complete_month(now: datetime.datetime | None = None) -> str:
    """The month before the one `now` (default: now) falls in, company zone: the newest
    whose figures are final, every page's default period."""
    from django.utils import timezone

    now = now or timezone.now()
    return month_of(parse_period(month_of(now)).start - datetime.timedelta(seconds=1))


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight (company zone) at the start of `day`, as an aware datetime."""
    return datetime.datetime(day.year, day.month, day.day, tzinfo=company_zone())


def local_today(now: datetime.datetime | None = None) -> datetime.date:
    """Today's date in the company zone."""
    from django.utils import timezone

    return (now or timezone.now()).astimezone(company_zone()).date()


def add_working_days(moment: datetime.datetime, days: int) -> datetime.datetime:
    """The end (local midnight after it) of the `days`-th working day after `moment`'s
    day, company zone: Monday to Friday, less the dates in settings.COMPANY_HOLIDAYS
    (ISO dates; public holidays differ by country and year). A window of 5 working days
    opened on a Friday runs to the end of the next Friday."""
    from django.conf import settings

    holidays = {datetime.date.fromisoformat(day) for day in getattr(settings, "COMPANY_HOLIDAYS", ())}
    day = local_today(moment)
    left = days
    while left > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            left -= 1
    return day_start(day + datetime.timedelta(days=1))
