"""`servicescore errors`: the table of every error code (core.errors.declare), as docs/api.md
shows it under "Error codes" and the OpenAPI document's description lists it.
`servicescore errors --write docs/api.md` puts it between the file's markers."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from servicescore.core.errors import codes_table, discover_codes

BEGIN = "<!-- error codes: begin -->"
END = "<!-- error codes: end -->"


def with_table(text: str, table: str) -> str:
    """`text` with `table` between its BEGIN and END markers."""
    head, found, rest = text.partition(BEGIN)
    _old, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise CommandError(f"the file has no {BEGIN} … {END} markers")
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


class Command(BaseCommand):
    help = "Print the table of error codes, or write it into docs/api.md (--write)."

    def add_arguments(self, parser):
        parser.add_argument("--write", metavar="FILE", help="replace the table between the file's markers")

    def handle(self, *args, write=None, **options):
        import servicescore.api.main  # noqa: F401 - the API's own codes (api/common.py, api/imports.py)

        discover_codes()
        table = codes_table()
        if write is None:
            self.stdout.write(table)
            return
        path = Path(write)
        path.write_text(with_table(path.read_text(encoding="utf-8"), table), encoding="utf-8")
