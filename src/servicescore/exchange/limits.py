"""How large an import may be: the one set of limits the upload page and the API apply
(the command line is the operator's own tool and loads files of any size).

- Bytes: `check_upload_size` refuses a file over IMPORT_MAX_UPLOAD_BYTES. The page's form,
  the API (from Content-Length, before the body is read, and from the file) and
  `run_import` itself call it.
- Workbooks: an XLSX is a zip whose parts openpyxl unpacks. `check_file` looks at the zip's
  directory before openpyxl opens it: the number of parts, what they unpack to in all and
  each one's compression ratio, the size of every part openpyxl reads whole (all but the
  worksheets, which read-only mode streams) and the number of distinct texts in the
  shared-strings part, which openpyxl loads eagerly into one list before the first row.
  A 5.5 MB workbook whose shared strings unpack to 115 MB took 8.8 s and 322 MB to open;
  it is now refused in 60 ms.
- Rows: on SQLite a file of more than SQLITE_IMPORT_MAX_ROWS rows is refused (importer.py
  counts them before it writes), since its writing would hold the database's only write
  lock for longer than other requests wait.
"""

import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .tables import TableError, detect_format

# A workbook has a few dozen parts (three or four per sheet, one per picture).
XLSX_MAX_MEMBERS = 10_000
# The zip's directory is read whole by zipfile before anything else: 10,000 entries with
# long names fit in 2 MB.
ZIP_MAX_DIRECTORY_BYTES = 2 * 1024 * 1024
# Real sheets deflate 10-20 to 1 (a 50,000-row export: 11.8; the same row 50,000 times:
# 18.7); a zip bomb, a thousand to one. Small parts are left alone: ratio says little there.
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM_BYTES = 1024 * 1024

# An <si> element as expat names it with namespace processing ("URI local-name").
SHARED_STRING_ENTRY = "http://schemas.openxmlformats.org/spreadsheetml/2006/main si"
END_OF_DIRECTORY = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_END = b"PK\x06\x06"


class FileRefused(TableError):
    """A file over a limit: refused as a whole (row 1), before it is parsed."""

    def __init__(self, message: str, code: str, row: int = 1):
        super().__init__(message, row)
        self.code = code


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int
    xlsx_max_uncompressed_bytes: int
    xlsx_max_part_bytes: int
    xlsx_max_shared_strings: int
    sqlite_max_rows: int

    @classmethod
    def from_settings(cls) -> "ImportLimits":
        return cls(
            max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
            xlsx_max_uncompressed_bytes=settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES,
            xlsx_max_part_bytes=settings.IMPORT_XLSX_MAX_PART_BYTES,
            xlsx_max_shared_strings=settings.IMPORT_XLSX_MAX_SHARED_STRINGS,
            sqlite_max_rows=settings.SQLITE_IMPORT_MAX_ROWS,
        )


def check_upload_size(size: int, max_bytes: int | None = None) -> None:
    """The byte limit of every upload path; FileRefused (code `too_large`) above it."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    if size > limit:
        raise FileRefused(
            _(
                "The file is %(size)s; the limit is %(limit)s. Split it into smaller files, or ask an "
                "administrator to load it with the servicescore import command."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )


def too_many_rows(limit: int, row: int) -> FileRefused:
    return FileRefused(
        _(
            "the file has more than %(max)d rows. On this server's SQLite database, writing that many "
            "at once would keep everyone else from saving; split it into files of at most %(max)d rows, "
            "or ask an administrator to load it with the servicescore import command or to move the "
            "server to PostgreSQL"
        )
        % {"max": limit},
        code="too_many_rows",
        row=row,
    )


def check_file(source, name: str, limits: ImportLimits) -> None:
    """Refuse a file (a path or a binary file object) over the limits, before it is parsed;
    leaves a file object at its start."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as stream:
            _check_stream(stream, name or str(source), limits)
    else:
        try:
            _check_stream(source, name, limits)
        finally:
            source.seek(0)


def _check_stream(stream, name: str, limits: ImportLimits) -> None:
    stream.seek(0, 2)
    check_upload_size(stream.tell(), limits.max_bytes)
    stream.seek(0)
    if detect_format(name, stream.read(4)) == "xlsx":
        stream.seek(0)
        _check_workbook(stream, limits)


def _check_workbook(stream, limits: ImportLimits) -> None:
    if not _directory_is_small(stream):
        raise _too_many_parts()
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: open_table says so, as for any unreadable workbook
    with archive:
        members = archive.infolist()
        if len(members) > XLSX_MAX_MEMBERS:
            raise _too_many_parts()
        total = sum(member.file_size for member in members)
        if total > limits.xlsx_max_uncompressed_bytes:
            raise FileRefused(
                _(
                    "the workbook unpacks to %(size)s; the limit is %(limit)s. Split it into smaller "
                    "files, or save it as CSV UTF-8."
                )
                % {
                    "size": filesizeformat(total),
                    "limit": filesizeformat(limits.xlsx_max_uncompressed_bytes),
                },
                code="xlsx_too_large",
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > XLSX_RATIO_FROM_BYTES and ratio > XLSX_MAX_RATIO:
                raise FileRefused(
                    _(
                        "the workbook part %(part)s is compressed %(ratio)d to 1, far more than a "
                        "spreadsheet ever is (at most %(max)d to 1); the file was not opened"
                    )
                    % {"part": member.filename, "ratio": ratio, "max": XLSX_MAX_RATIO},
                    code="xlsx_ratio",
                )
        sizes = {member.filename: member.file_size for member in members}
        shared_strings, streamed = _parts(archive, sizes, limits.xlsx_max_part_bytes)
        for member in members:
            if member.filename not in streamed:
                _check_part_size(member.filename, member.file_size, limits.xlsx_max_part_bytes)
        if shared_strings in sizes:
            _count_shared_strings(archive, shared_strings, limits.xlsx_max_shared_strings)


def _directory_is_small(stream) -> bool:
    """Whether the zip's central directory, which zipfile reads whole and turns into one
    object per part, is small enough; found as zipfile finds it (the end record, or the
    zip64 record just before it). True when there is no end record: zipfile then fails
    and the file is reported unreadable."""
    stream.seek(0, 2)
    size = stream.tell()
    tail_size = min(size, 22 + 65_535)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    stream.seek(0)
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < 22:
        return True
    (directory_bytes,) = struct.unpack_from("<I", tail, at + 12)
    locator, record = at - 20, at - 20 - 56
    if (
        record >= 0
        and tail[locator : locator + 4] == ZIP64_LOCATOR
        and tail[record : record + 4] == ZIP64_END
    ):
        directory_bytes = struct.unpack_from("<4sQ2H2L4Q", tail, record)[8]
    return directory_bytes <= ZIP_MAX_DIRECTORY_BYTES


def _too_many_parts() -> FileRefused:
    return FileRefused(
        _("the workbook has more than %(max)d parts; a spreadsheet has a few dozen")
        % {"max": XLSX_MAX_MEMBERS},
        code="xlsx_parts",
    )


def _check_part_size(part: str, size: int, limit: int) -> None:
    if size > limit:
        raise FileRefused(
            _(
                "the workbook part %(part)s unpacks to %(size)s; a part read whole may be at most "
                "%(limit)s. Split the workbook into smaller files, or save it as CSV UTF-8."
            )
            % {"part": part, "size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="xlsx_part_too_large",
        )


def _parts(archive: zipfile.ZipFile, sizes: dict, part_limit: int) -> tuple[str | None, set[str]]:
    """(the shared-strings part, the worksheet parts) as openpyxl finds them: the package
    manifest names the workbook and the shared strings, the workbook's relations name the
    sheets. Each part read on the way is size-checked first. A sheet that is also a part
    openpyxl reads whole (a crafted file) does not count as streamed."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.packaging.relationship import get_dependents, get_rels_path
    from openpyxl.reader.excel import _find_workbook_part
    from openpyxl.xml import constants
    from openpyxl.xml.functions import fromstring

    def read_whole(part: str) -> bool:
        if part not in sizes:
            return False
        _check_part_size(part, sizes[part], part_limit)
        return True

    if not read_whole(constants.ARC_CONTENT_TYPES):
        return None, set()
    # openpyxl loads the shared strings before it looks at the workbook, so they are found
    # (and later counted) even when the rest of the package is broken.
    try:
        manifest = Manifest.from_tree(fromstring(archive.read(constants.ARC_CONTENT_TYPES)))
        strings = manifest.find(constants.SHARED_STRINGS)
    except Exception:  # noqa: BLE001 - a malformed manifest: openpyxl will say it cannot read it
        return None, set()
    shared_strings = strings.PartName[1:] if strings is not None else None
    try:
        workbook = _find_workbook_part(manifest).PartName[1:]
        relations = get_rels_path(workbook)
        if not (read_whole(workbook) and read_whole(relations)):
            return shared_strings, set()
        targets = list(get_dependents(archive, relations))
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - as above
        return shared_strings, set()
    sheets = {rel.target for rel in targets if rel.Type.endswith("/worksheet")}
    held = {rel.target for rel in targets} - sheets
    held |= {constants.ARC_CONTENT_TYPES, workbook, relations, shared_strings}
    held |= {
        constants.ARC_STYLE,
        constants.ARC_THEME,
        constants.ARC_CORE,
        constants.ARC_CUSTOM,
        constants.ARC_APP,
    }
    return shared_strings, {sheet for sheet in sheets if sheet not in held and not sheet.endswith(".rels")}


def _count_shared_strings(archive: zipfile.ZipFile, part: str, limit: int) -> None:
    """Count the <si> entries as they stream past (the `uniqueCount` attribute is the
    writer's claim, not a fact), stopping at the first one over the limit. expat's own
    callbacks, with no tree built: a million entries in about 1.4 s (ElementTree's
    iterparse: 3.5 s). expat limits entity expansion and fetches no external entity."""
    count = 0

    def start(name, _attributes):
        nonlocal count
        if name == SHARED_STRING_ENTRY:
            count += 1
            if count > limit:
                raise FileRefused(
                    _(
                        "the workbook holds more than %(max)d distinct texts (shared strings). "
                        "Split it into smaller files, or save it as CSV UTF-8."
                    )
                    % {"max": limit},
                    code="xlsx_shared_strings",
                )

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    try:
        with archive.open(part) as stream:
            parser.ParseFile(stream)
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - malformed XML: openpyxl will say it cannot read it
        return
