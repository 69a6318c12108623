"""Hand-built XLSX files: openpyxl writes every text inline, while Excel keeps each distinct
text once in a shared-strings part — the part a decompression bomb inflates."""

import io
import zipfile
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{TYPE}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPE}.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPE}.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = (
    f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
    f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def workbook(rows: list[list[str]], *, extra_strings: list[str] = (), extra_parts: dict = None) -> bytes:
    """An XLSX whose cells are all shared strings, as Excel saves it; `extra_strings` are
    stored in the shared-strings part without a cell using them, `extra_parts` are added
    as they are ({name: bytes})."""
    strings: dict[str, int] = {}
    sheet = [f'<worksheet xmlns="{MAIN}"><sheetData>']
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, text in enumerate(row):
            index = strings.setdefault(text, len(strings))
            cells.append(f'<c r="{_column(c)}{r}" t="s"><v>{index}</v></c>')
        sheet.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet.append("</sheetData></worksheet>")
    for text in extra_strings:
        strings.setdefault(text, len(strings))
    shared = [f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">']
    shared.extend(f"<si><t>{escape(text)}</t></si>" for text in strings)
    shared.append("</sst>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", "".join(sheet))
        archive.writestr("xl/sharedStrings.xml", "".join(shared))
        for name, content in (extra_parts or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()
