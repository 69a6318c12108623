"""`servicescore demo [--scale small|large] [--seed N] [--anchor YYYY-MM-DD] [--no-scores]
[--language zh-hans|en]`: build the demo company and compute its scores, then print the
log-in table and the counts.

The output speaks the company's language (settings.LANGUAGE_CODE, zh-hans) unless
--language asks for another of settings.LANGUAGES: what `make demo` prints is what the
company's people read on their pages. (The shell's LANG is not used: servers and CI
images set it to en_US or C whatever the company speaks.)"""

import datetime
import re
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from servicescore.appraisal.models import Cycle
from servicescore.core.roles import Role
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
    ("voice.SurveyInvitation", gettext_noop("survey invitations")),
    ("voice.SurveyResponse", gettext_noop("survey responses")),
    ("voice.FollowUpTask", gettext_noop("follow-up tasks")),
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
            "--language",
            "-l",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="the language of what the command prints (default: the company's, %(default)s)",
        )
        parser.add_argument(
            "--no-scores",
            action="store_true",
            help="do not compute the months' figures and scorecards (benchmarks time that themselves)",
        )

    def handle(self, *args, language=None, **options):
        with translation.override(language or settings.LANGUAGE_CODE):
            self.build(**options)

    def build(self, *, scale, seed, anchor, no_scores, **options):
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

        self.stdout.write("")
        for line in login_table(report.accounts):
            self.stdout.write(line)
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
        stages = dict(Cycle.Stage.choices)
        for month, stage in report.cycles.items():
            self.stdout.write(
                _("Appraisal cycle of %(month)s: %(stage)s.")
                % {"month": month, "stage": stages.get(stage, stage)}
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


def login_table(accounts) -> list[str]:
    """The demo log-ins as lines of a table in the active language: the role's name,
    username, password, the person's name and org unit, in columns that line up in a
    terminal (a Chinese character takes two columns)."""
    headers = (_("Role"), capfirst(_("username")), _("Password"), _("Name"), _("Org unit"))
    rows = [headers] + [
        (_role_name(role), username, password, name or "—", unit or "—")
        for role, username, password, name, unit in accounts
    ]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(headers))]
    lines = ["  ".join(pad(value, width) for value, width in zip(row, widths, strict=True)) for row in rows]
    rule = "  ".join("-" * width for width in widths)
    return [line.rstrip() for line in [lines[0], rule, *lines[1:]]]


def _role_name(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: wide and full-width characters (CJK, full-width
    punctuation) two, combining marks none, the rest one (Unicode East Asian Width; the
    standard library's table, so no dependency for it)."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in str(text)
    )


def pad(text: str, width: int) -> str:
    """`text` followed by the spaces that fill `width` terminal columns."""
    return f"{text}{' ' * (width - display_width(text))}"
