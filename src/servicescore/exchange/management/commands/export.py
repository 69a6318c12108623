"""`servicescore export KIND [--format csv|xlsx] [--out FILE] [--org CODE]` (import-formats.md).

Writes the stored records in exactly the columns of the import format, so that importing
the export again reports everything unchanged.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from servicescore.exchange.exporter import write_export
from servicescore.exchange.kinds import KINDS
from servicescore.org.models import OrgUnit


class Command(BaseCommand):
    help = "Export the stored records of one KIND as CSV (standard output by default) or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv", dest="output_format")
        parser.add_argument("--out", help="write to this file instead of standard output")
        parser.add_argument("--org", help="only records of this org unit's subtree (its code)")

    def handle(self, *args, kind, output_format, out, org, **options):
        unit = None
        if org:
            unit = OrgUnit.objects.filter(code=org).first()
            if unit is None:
                raise CommandError(f"unknown org unit code: {org}", returncode=2)
        if output_format == "xlsx" and not out:
            raise CommandError("--format xlsx needs --out FILE (a workbook is not text)", returncode=2)
        if out:
            path = Path(out)
            if not path.parent.is_dir():
                raise CommandError(f"no such directory: {path.parent}", returncode=2)
            if output_format == "xlsx":
                write_export(kind, path, fmt="xlsx", org_unit=unit)
            else:
                with path.open("w", encoding="utf-8", newline="") as stream:
                    write_export(kind, stream, fmt="csv", org_unit=unit)
        else:
            stream = self.stdout._out if hasattr(self.stdout, "_out") else sys.stdout
            write_export(kind, stream, fmt="csv", org_unit=unit)
