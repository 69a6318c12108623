"""Writing the stored records of a KIND in exactly the columns of its import format.

The writers escape text that a spreadsheet would run as a formula; the reader in
`tables` undoes it, so an export imported again reports everything unchanged."""

import io

from servicescore.core.spreadsheets import write_csv, write_xlsx

from .kinds import KINDS


def export_rows(kind_name: str, org_unit=None):
    """(header, rows) of the stored records of a KIND, limited to `org_unit`'s subtree."""
    kind = KINDS[kind_name]()
    return kind.header, kind.export(org_unit)


def write_export(kind_name: str, out, *, fmt: str = "csv", org_unit=None) -> None:
    """Write an export to `out`: a text stream for CSV, a path or binary stream for XLSX."""
    kind = KINDS[kind_name]()
    rows = kind.export(org_unit)
    if fmt == "xlsx":
        write_xlsx(out, kind.header, rows, kind.numeric_columns, title=kind_name)
    else:
        write_csv(out, kind.header, rows, kind.numeric_columns)


def export_bytes(kind_name: str, *, fmt: str = "csv", org_unit=None) -> bytes:
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_export(kind_name, buffer, fmt=fmt, org_unit=org_unit)
        return buffer.getvalue()
    text = io.StringIO()
    write_export(kind_name, text, fmt=fmt, org_unit=org_unit)
    return text.getvalue().encode("utf-8")
