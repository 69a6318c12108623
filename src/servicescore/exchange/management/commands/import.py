"""`servicescore import KIND FILE [--dry-run] [--format text|json]` (import-formats.md).

Exit status: 0 imported (or a clean dry run), 1 the file was rejected, 2 a usage error.
The operator's own tool: none of the upload limits of exchange/limits.py apply (it is how a
file over them is loaded). A rejected file's problems are listed up to
IMPORT_MAX_REPORTED_ERRORS, with their total; `--max-errors 0` lists them all.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from servicescore.exchange.importer import run_import
from servicescore.exchange.kinds import KINDS


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of one KIND; all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS), help="what the file holds")
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="check and report without writing")
        parser.add_argument("--format", choices=["text", "json"], default="text", dest="output_format")
        parser.add_argument(
            "--max-errors",
            type=int,
            metavar="N",
            help="list at most N problems of a rejected file, the first by row (default "
            "IMPORT_MAX_REPORTED_ERRORS; 0 lists all); the total is always given",
        )

    def handle(self, *args, kind, file, dry_run, output_format, max_errors, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("no such file: %(file)s") % {"file": file}, returncode=2)
        if max_errors is not None and max_errors < 0:
            raise CommandError(_("--max-errors must be 0 or more"), returncode=2)
        report = run_import(kind, path, dry_run=dry_run, size_limits=False, max_errors=max_errors)
        if output_format == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            for notice in report.notices:
                self.stdout.write(notice)
            if report.ok:
                counts = {
                    "kind": kind,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "seconds": report.seconds,
                }
                if dry_run:
                    line = _(
                        "%(kind)s: %(rows)d rows checked (dry run, nothing written): %(created)d would be "
                        "created, %(updated)d updated, %(unchanged)d unchanged (%(seconds).1f s)"
                    )
                else:
                    line = _(
                        "%(kind)s: %(rows)d rows imported: %(created)d created, %(updated)d updated, "
                        "%(unchanged)d unchanged (%(seconds).1f s)"
                    )
                self.stdout.write(line % counts)
            else:
                self.stderr.write(
                    _("%(kind)s: %(file)s rejected, nothing was written; %(count)d problem(s):")
                    % {
                        "kind": kind,
                        "file": path.name,
                        "count": report.error_count,
                    }
                )
                for error in report.errors:
                    self.stderr.write(str(error))
                if report.errors_truncated:
                    self.stderr.write(
                        _(
                            "… and %(more)d more problem(s); the first %(shown)d by row are listed "
                            "(--max-errors 0 lists all)"
                        )
                        % {"more": report.error_count - len(report.errors), "shown": len(report.errors)}
                    )
        if not report.ok:
            raise SystemExit(1)
