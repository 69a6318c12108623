"""The codes an import report gives its rows (core.errors.declare). A row refused by a
service keeps the service's own code; every other problem of a row is `invalid_row`, and a
file over a limit (exchange/limits.py) is refused at row 1 with the limit's code."""

from servicescore.core.errors import declare

AREA = "import"

INVALID_ROW = declare(
    "invalid_row",
    422,
    "A row of an import is wrong: a cell that cannot be read, a missing value, an unknown "
    "reference, a rule across columns; the message says which.",
    area=AREA,
)
TOO_MANY_ROWS = declare(
    "too_many_rows",
    422,
    "The file has more rows than this server's SQLite database takes in one import.",
    area=AREA,
)
XLSX_TOO_LARGE = declare("xlsx_too_large", 422, "The workbook unpacks to more than the limit.", area=AREA)
XLSX_RATIO = declare(
    "xlsx_ratio", 422, "A part of the workbook is compressed beyond any real sheet (a zip bomb).", area=AREA
)
XLSX_PARTS = declare("xlsx_parts", 422, "The workbook has more parts than a spreadsheet has.", area=AREA)
XLSX_PART_TOO_LARGE = declare(
    "xlsx_part_too_large", 422, "A part of the workbook that is read whole is over the limit.", area=AREA
)
XLSX_SHARED_STRINGS = declare(
    "xlsx_shared_strings", 422, "The workbook holds more distinct texts than the limit.", area=AREA
)
