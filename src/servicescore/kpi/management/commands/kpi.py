"""`servicescore kpi compute --period YYYY-MM|YYYY-Qn [--org CODE] [--indicator CODE]...
[--format table|json|csv]` (import-formats.md, Command line).

`servicescore kpi recompute --period P` stores a period's results and roll-ups (and,
through the appraisal app, its scorecards); `servicescore kpi docs` prints docs/kpi.md;
`servicescore kpi install-templates` is the old name of `servicescore appraisal
install-templates`.

JSON and CSV print values unrounded; the table rounds to two decimals for reading.
Exit status 2 for a usage error (bad period, unknown org unit or indicator).
"""

import json

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from servicescore.core.periods import parse_period
from servicescore.core.spreadsheets import write_csv
from servicescore.kpi.catalog import catalog, computed_codes
from servicescore.kpi.compute import compute_period
from servicescore.org.models import Employee, OrgUnit

COLUMNS = ["employee_no", "indicator", "value", "numerator", "denominator"]


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
            "--period", required=True, action="append", help="YYYY-MM or YYYY-Qn (repeatable)"
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
        self._compute(**options)

    def _recompute(self, periods):
        from servicescore.kpi.services.recompute import recompute_period

        try:
            parsed = [parse_period(code) for code in periods]
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from None
        for period in parsed:
            self.stdout.write(json.dumps(recompute_period(period), ensure_ascii=False))

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
        if output_format == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "period": the_period.code,
                        "rows": [{name: getattr(row, name) for name in COLUMNS} for row in rows],
                    },
                    ensure_ascii=False,
                )
            )
        elif output_format == "csv":
            # employee_no is imported text: the shared writer keeps it from becoming a formula.
            write_csv(self.stdout, COLUMNS, ([getattr(row, n) for n in COLUMNS] for row in rows))
        else:
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
