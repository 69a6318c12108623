"""The blank templates of the upload page: the columns of a KIND, one example row, and (in
the XLSX) a second sheet listing every allowed value of its choice columns and the accepted
spellings of dates.

The example row is an ordinary data row (import-formats.md: every row below the column
names is data; nothing is skipped): the person filling the template edits it into a row of
their own or deletes it. Its values follow the demo company (centre SC001, the technician
E000009, the agent E000004), pass every check there, and its external ids start with
EXAMPLE so that it is recognised: the check before importing says when a file still holds
it (`is_example`).
"""

import io

from django.utils.translation import gettext as _

from servicescore.core.spreadsheets import escape_text, write_csv

from . import cells
from .kinds import KINDS
from .kinds.base import Kind
from .tables import REFERENCE_SHEET

# Per KIND: column → example text (columns left out stay empty).
EXAMPLES: dict[str, dict[str, str]] = {
    "org_units": {
        "code": "SC099",
        "name": "上海临港服务中心",
        "kind": "service_center",
        "parent_code": "EAST",
    },
    "employees": {
        "employee_no": "E099001",
        "name": "张伟",
        "position": "technician",
        "org_unit": "SC001-JD",
        "manager_employee_no": "E000008",
        "hire_date": "2026-03-01",
        "phone": "13800000000",
        "email": "zhangwei@example.cn",
        "status": "active",
    },
    "labour_operations": {
        "code": "MNT-99",
        "name": "空调系统清洗",
        "standard_hours": "0.8",
        "category": "",
        "valid_from": "2026-01-01",
        "note": "",
    },
    "work_orders": {
        "external_id": "EXAMPLE-0001",
        "service_center": "SC001",
        "type": "maintenance",
        "priority": "normal",
        "channel": "phone",
        "customer_external_id": "EXAMPLE-C-0001",
        "customer_name": "陈先生",
        "customer_phone": "13800000000",
        "asset_external_id": "LEXAMPLE000000001",
        "asset_model": "比亚迪 汉 EV",
        "created_at": "2026/11/02 09:00",
        "first_response_at": "2026/11/02 09:05",
        "dispatched_at": "2026/11/02 09:10",
        "accepted_at": "2026/11/02 09:15",
        "started_at": "2026/11/02 09:30",
        "completed_at": "2026/11/02 11:00",
        "closed_at": "2026/11/02 11:30",
        "technician": "E000009",
        "advisor": "E000013",
        "difficulty": "1",
        "standard_hours": "1",
        "clocked_hours": "1.2",
        "labor_amount": "180",
        "parts_cost": "95.5",
        "resolution": "fixed",
        "visits": "1",
    },
    "labour_lines": {
        "work_order_external_id": "EXAMPLE-0001",
        "technician": "E000009",
        "operation_code": "MNT-01",
        "clocked_hours": "1.2",
    },
    "survey_responses": {
        "external_id": "EXAMPLE-S-0001",
        "work_order_external_id": "EXAMPLE-0001",
        "submitted_at": "2026/11/03 10:00",
        "overall": "5",
        "attitude": "5",
        "quality": "5",
        "speed": "4",
        "nps": "9",
        "comment": "师傅很专业",
        "channel": "sms",
    },
    "followups": {
        "external_id": "EXAMPLE-F-0001",
        "work_order_external_id": "EXAMPLE-0001",
        "agent": "E000004",
        "called_at": "2026/11/03 15:00",
        "reached": "是",
        "satisfied": "5",
        "note": "客户满意",
    },
    "complaints": {
        "external_id": "EXAMPLE-K-0001",
        "received_at": "2026/11/04 09:30",
        "work_order_external_id": "EXAMPLE-0001",
        "employee": "E000009",
        "handler": "E000007",
        "severity": "medium",
        "valid": "是",
        "resolved_at": "2026/11/05 17:00",
        "satisfied_after": "是",
    },
    "metric_facts": {
        "indicator": "TRAINING_HOURS",
        "period": "2026-11",
        "value": "12.5",
        "employee": "E000009",
        "note": "11 月安全培训",
        "reference": "TR-2026-118",
    },
}


def example_row(kind: Kind) -> list[str]:
    example = EXAMPLES.get(kind.name, {})
    return [example.get(name, "") for name in kind.header]


def example_key(kind: Kind):
    """The key (kind.row_key) of the example row, or None."""
    from .kinds.base import Row

    row = Row(2)
    for column in kind.columns:
        text = EXAMPLES.get(kind.name, {}).get(column.name, "")
        if text:
            try:
                row.values[column.name] = column.parse(text)
            except cells.CellError:
                return None
    return kind.row_key(row)


def template_csv(kind_name: str) -> bytes:
    """The columns and the example row, in UTF-8 with a BOM (Excel reads it as UTF-8)."""
    kind = KINDS[kind_name]()
    out = io.StringIO()
    out.write("\ufeff")
    write_csv(out, kind.header, [example_row(kind)], kind.numeric_columns)
    return out.getvalue().encode("utf-8")


def _text(sheet, row: int, column: int, value: str, bold: bool = False):
    """A string cell that no spreadsheet runs as a formula (core/spreadsheets.py)."""
    cell = sheet.cell(row=row, column=column, value=escape_text(value))
    cell.data_type = "s"
    if bold:
        from openpyxl.styles import Font

        cell.font = Font(bold=True)
    return cell


def _boolean_columns(kind: Kind) -> list[str]:
    return [c.name for c in kind.columns if c.parse is cells.boolean]


def reference_rows(kind: Kind) -> list[tuple[str, ...]]:
    """The second sheet: notes, then (column, code, English label, Chinese label) rows."""
    required = [c.name for c in kind.columns if c.required]
    rows: list[tuple[str, ...]] = [
        (_("How to fill in this template"),),
        (
            _(
                "Row 2 of the first sheet is an example. Every row below the column names is "
                "imported: edit the example into your own data or delete it."
            ),
        ),
        (_("Required columns: %(columns)s") % {"columns": ", ".join(required)},),
        (_("Dates and times: %(accepted)s") % {"accepted": cells.accepted_moments()},),
        (_("Dates: %(accepted)s") % {"accepted": cells.accepted_dates()},),
    ]
    booleans = _boolean_columns(kind)
    if booleans:
        rows.append(
            (
                _("Yes/no columns (%(columns)s): true/false, 1/0, yes/no or 是/否")
                % {"columns": ", ".join(booleans)},
            )
        )
    rows.append((_("Choice columns take the code or its label in English or Chinese, in any case."),))
    rows.append(())
    choice_columns = [c for c in kind.columns if c.choices is not None]
    if not choice_columns:
        rows.append((_("This format has no choice columns."),))
        return rows
    rows.append((_("Column"), _("Code"), _("English label"), _("Chinese label")))
    for column in choice_columns:
        for code, english, chinese in cells.choice_labels(column.choices):
            rows.append((column.name, code, english, chinese))
    return rows


def template_xlsx(kind_name: str) -> bytes:
    """A workbook: the KIND's columns with the example row, and the allowed values."""
    from openpyxl import Workbook

    kind = KINDS[kind_name]()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind.name
    numeric = kind.numeric_columns
    for index, name in enumerate(kind.header, start=1):
        _text(sheet, 1, index, name, bold=True)
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(name) + 2)
    for index, (name, value) in enumerate(zip(kind.header, example_row(kind), strict=True), start=1):
        if not value:
            continue
        if name in numeric:
            number = float(value)
            sheet.cell(row=2, column=index, value=int(number) if number.is_integer() else number)
        else:
            _text(sheet, 2, index, value)
    sheet.freeze_panes = "A2"

    reference = workbook.create_sheet(str(REFERENCE_SHEET)[:31])
    rows = reference_rows(kind)
    table_start = next((i for i, row in enumerate(rows, start=1) if len(row) == 4), None)
    for number, row in enumerate(rows, start=1):
        for index, value in enumerate(row, start=1):
            _text(reference, number, index, value, bold=number in (1, table_start))
    for letter, width in zip("ABCD", (22, 18, 26, 18), strict=True):
        reference.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
