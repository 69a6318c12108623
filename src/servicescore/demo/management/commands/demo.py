"""`servicescore demo [--scale small|large] [--seed N] [--anchor YYYY-MM-DD] [--no-scores]`:
build the demo company and compute its scores."""

import datetime
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from servicescore.demo.builder import build_demo, demo_today
from servicescore.demo.config import SCALES

PUBLIC_SCALES = ["small", "large"]
# What the count lines call each table.
COUNT_LABELS = [
    ("org.OrgUnit", gettext_noop("org units")),
    ("org.Employee", gettext_noop("employees")),
    ("core.User", gettext_noop("user accounts")),
    ("org.Certificate", gettext_noop("certificates")),
    ("org.TrainingRecord", gettext_noop("training records")),
    ("org.RewardPenalty", gettext_noop("rewards and penalties")),
    ("org.EmployeeSkill", gettext_noop("employee skills")),
    ("customers.Customer", gettext_noop("customers")),
    ("customers.Asset", gettext_noop("vehicles")),
    ("workorders.WorkOrder", gettext_noop("work orders")),
    ("workorders.WorkOrderEvent", gettext_noop("work-order events")),
    ("workorders.LabourLine", gettext_noop("labour lines")),
    ("workorders.PartsLine", gettext_noop("parts lines")),
    ("voice.SurveyResponse", gettext_noop("survey responses")),
    ("voice.FollowUp", gettext_noop("follow-up calls")),
    ("voice.Complaint", gettext_noop("complaints")),
    ("voice.Praise", gettext_noop("praise")),
    ("kpi.MetricFact", gettext_noop("metric facts")),
]


class Command(BaseCommand):
    help = (
        "Delete the previous demo data and build a demo NEV after-sales company with six months of "
        "work orders and customer feedback, and one log-in per role (password demo1234), then compute "
        "every month's figures and scorecards."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            default="small",
            help="small (seconds, about 40 employees) or large (millions of rows, bulk loaded)",
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="random seed; the same seed and anchor give the same data"
        )
        parser.add_argument(
            "--anchor",
            help="YYYY-MM-DD: the data runs up to local midnight at the start of this day (default: today); "
            "the same anchor gives the same data whatever day it is built",
        )
        parser.add_argument(
            "--no-scores",
            action="store_true",
            help="do not compute the months' figures and scorecards (benchmarks time that themselves)",
        )

    def handle(self, *args, scale, seed, anchor, no_scores, **options):
        # tiny-large is the large code path at test size; it works but is not advertised.
        if scale not in SCALES:
            raise CommandError(
                _("Unknown scale %(scale)s: use one of %(choices)s.")
                % {"scale": scale, "choices": ", ".join(PUBLIC_SCALES)},
                returncode=2,
            )
        anchor = parse_anchor(anchor) if anchor is not None else None
        self.stdout.write(_("Building the %(scale)s demo (seed %(seed)s)…") % {"scale": scale, "seed": seed})
        report = build_demo(scale, seed, anchor, scores=not no_scores)

        headers = (_("role"), _("username"), _("password"), _("name"), _("org unit"))
        rows = [headers, *report.accounts]
        widths = [max(_width(str(row[i])) for row in rows) for i in range(len(headers))]
        self.stdout.write("")
        for row in rows:
            self.stdout.write(
                "  ".join(_pad(str(value), width) for value, width in zip(row, widths, strict=True))
            )
        self.stdout.write("")
        self.stdout.write(_("Data up to %(now)s.") % {"now": report.now.strftime("%Y-%m-%d %H:%M %Z")})
        for label, name in COUNT_LABELS:
            self.stdout.write(f"  {report.counts.get(label, 0):>12,}  {_(name)}")
        self.stdout.write(self.style.SUCCESS(_("Built in %(seconds).1f s.") % {"seconds": report.seconds}))
        phases = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in report.timings.items())
        self.stdout.write(_("Phases: %(phases)s.") % {"phases": phases})
        for month, (seconds, scorecards) in report.scores.items():
            self.stdout.write(
                _("Scores of %(month)s: %(scorecards)s scorecards in %(seconds).1f s.")
                % {"month": month, "scorecards": f"{scorecards:,}", "seconds": seconds}
            )


def parse_anchor(text: str) -> datetime.date:
    """--anchor: a real calendar day written YYYY-MM-DD, not after today; else a usage error."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        anchor = datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("Bad --anchor %(value)s: give a calendar day as YYYY-MM-DD, e.g. 2026-11-01.")
            % {"value": text},
            returncode=2,
        ) from None
    today = demo_today()
    if anchor > today:
        raise CommandError(
            _("Bad --anchor %(value)s: it is after today (%(today)s); demo data never runs into the future.")
            % {"value": text, "today": today.isoformat()},
            returncode=2,
        )
    return anchor


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
