"""`servicescore kpi compute --period YYYY-MM|YYYY-Qn [--org CODE] [--indicator CODE]...
[--format table|json|csv]` (import-formats.md, Command line).

`servicescore kpi recompute --period P` stores a period's results and roll-ups (and,
through the appraisal app, its scorecards); `servicescore kpi recompute-open [--months N]`
recomputes the open months as the nightly schedule does (for cron without a broker; exit
status 1 when it fails or another recompute is running); `servicescore kpi docs` prints docs/kpi.md;
`servicescore kpi install-templates` is the old name of `servicescore appraisal
install-templates`.

JSON and CSV print values unrounded; the table rounds to two decimals for reading.
A period that has not ended is provisional (kpi-library.md, Scoring): JSON says
`"provisional": true` beside the period (false for one that has ended), CSV gets a last
`provisional` column (true) only then, and the table opens with a line saying so — all
additions to import-formats.md's shapes, a finished period's CSV and table unchanged.
Exit status 2 for a usage error (bad period, unknown org unit or indicator).
"""

import argparse
import json

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.periods import parse_period, parse_span
from servicescore.core.spreadsheets import write_csv
from servicescore.kpi.catalog import catalog, computed_codes
from servicescore.kpi.compute import compute_period
from servicescore.org.models import Employee, OrgUnit

COLUMNS = ["employee_no", "indicator", "value", "numerator", "denominator"]


def positive_months(text: str) -> int:
    """--months: a whole number of months, at least 1."""
    try:
        months = int(text)
    except ValueError:
        months = 0
    if months < 1:
        raise argparse.ArgumentTypeError(_("--months takes a whole number of months, at least 1"))
    return months


class Command(BaseCommand):
    help = "Compute KPI indicators for a period."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        compute = sub.add_parser("compute", help="compute the indicators of every employee in scope")
        compute.add_argument("--period", required=True, help="YYYY-MM or YYYY-Qn (company time zone)")
        compute.add_argument("--org", help="org unit code: only its subtree's employees")
        compute.add_argument("--indicator", action="append", default=[], help="indicator code (repeatable)")
        compute.add_argument(
            "--format", choices=["table", "json", "csv"], default="table", dest="output_format"
        )
        sub.add_parser("docs", help="print docs/kpi.md, generated from the indicator definitions")
        recompute = sub.add_parser(
            "recompute", help="compute and store the results and roll-ups of a period (and its scorecards)"
        )
        recompute.add_argument(
            "--period",
            required=True,
            action="append",
            help="YYYY-MM, YYYY-Qn or YYYY (a year: for an annual cycle recomputed over it; repeatable)",
        )
        recompute_open = sub.add_parser(
            "recompute-open",
            help="recompute the open months as the nightly schedule does (cron without a broker)",
        )
        recompute_open.add_argument(
            "--months",
            type=positive_months,
            help="how many months back from the running one (default: KPI_OPEN_MONTHS)",
        )
        sub.add_parser("install-templates", help="the same as `servicescore appraisal install-templates`")

    def handle(self, *args, action, **options):
        if action == "docs":
            from servicescore.kpi.registry import markdown

            self.stdout.write(markdown(), ending="")
            return
        if action == "install-templates":
            # The old name of `servicescore appraisal install-templates`, called by name:
            # kpi does not import the appraisal app above it.
            call_command("appraisal", "install-templates", stdout=self.stdout, stderr=self.stderr)
            return
        if action == "recompute":
            self._recompute(options["period"])
            return
        if action == "recompute-open":
            self._recompute_open(options["months"])
            return
        self._compute(**options)

    def _recompute(self, periods):
        from servicescore.kpi.services.recompute import recompute_period

        try:
            parsed = [parse_span(code) for code in periods]  # a year too
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from None
        for period in parsed:
            self.stdout.write(json.dumps(recompute_period(period), ensure_ascii=False))

    def _recompute_open(self, months):
        from servicescore.kpi.services.jobs import recompute_open_months

        job = recompute_open_months(trigger="command", months=months)
        if job is None:
            raise CommandError(_("a recompute is already queued or running; nothing was done"), returncode=1)
        if job.status != job.Status.DONE:
            raise CommandError(_("the recompute failed: %(error)s") % {"error": job.error}, returncode=1)
        self.stdout.write(
            json.dumps({"job": job.pk, "status": job.status, "summary": job.summary}, ensure_ascii=False)
        )

    def _compute(self, *, period, org, indicator, output_format, **options):
        try:
            the_period = parse_period(period)
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from None
        items = catalog(manual=False)
        known = computed_codes(items)
        unknown = [code for code in indicator if code not in known]
        if unknown:
            raise CommandError(
                _("unknown indicator %(codes)s; the indicators are %(known)s")
                % {"codes": ", ".join(unknown), "known": ", ".join(known)},
                returncode=2,
            )
        employees = Employee.objects.all()
        if org:
            unit = OrgUnit.objects.filter(code=org).first()
            if unit is None:
                raise CommandError(_("unknown org unit code %(code)s") % {"code": org}, returncode=2)
            employees = employees.filter(org_unit__path__startswith=unit.path)
        codes = list(dict.fromkeys(indicator)) or None
        rows = compute_period(the_period, employees, codes, items)
        provisional = timezone.now() < the_period.end
        if output_format == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "period": the_period.code,
                        "provisional": provisional,
                        "rows": [{name: getattr(row, name) for name in COLUMNS} for row in rows],
                    },
                    ensure_ascii=False,
                )
            )
        elif output_format == "csv":
            # employee_no is imported text: the shared writer keeps it from becoming a formula.
            # A running period's rows end with provisional=true; a finished one's are as before.
            header, mark = (COLUMNS + ["provisional"], ["true"]) if provisional else (COLUMNS, [])
            write_csv(self.stdout, header, ([getattr(row, n) for n in COLUMNS] + mark for row in rows))
        else:
            if provisional:
                self.stdout.write(
                    _("%(period)s has not ended: these values are provisional.") % {"period": the_period.code}
                )
            self._table(rows)

    def _table(self, rows):
        def shown(value):
            if value is None:
                return "—"
            return f"{value:.2f}" if isinstance(value, float) else str(value)

        self.stdout.write(
            f"{'employee_no':<14}{'indicator':<24}{'value':>14}{'numerator':>14}{'denominator':>14}"
        )
        for row in rows:
            self.stdout.write(
                f"{row.employee_no:<14}{row.indicator:<24}{shown(row.value):>14}"
                f"{shown(row.numerator):>14}{shown(row.denominator):>14}"
            )
