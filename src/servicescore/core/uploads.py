"""Uploaded files: the one place that decides what an upload is, what it is stored as and
how it is served back.

What a file is comes from its content — the `%PDF-` magic or the image header Pillow
reads — never from its name or the browser's content type: a GIF named `x.html` with a
script after the image data is a GIF, stored as `<random>.gif` and served as `image/gif`.
Names are chosen by the server (a random hex name with the extension of the detected
format), so an upload cannot pick its own extension, path or type. Responses carry the
type of the detected format, `nosniff` and a CSP that sandboxes them, so a file that
somehow holds markup still cannot run script in the site's origin.

Decompression bombs (a small file whose header claims billions of pixels) are refused
from the header, before any pixel is decoded: at most `settings.UPLOAD_MAX_PIXELS`.
"""

import os
import struct
import uuid
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import FieldFile, ImageFieldFile
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from PIL import Image, ImageOps


@dataclass(frozen=True)
class FileKind:
    """A detected format: what it is stored as and served as."""

    format: str
    extension: str
    content_type: str


KINDS = {
    "JPEG": FileKind("JPEG", ".jpg", "image/jpeg"),
    # A phone's multi-picture JPEG; browsers show its first picture as a JPEG.
    "MPO": FileKind("MPO", ".jpg", "image/jpeg"),
    "PNG": FileKind("PNG", ".png", "image/png"),
    "WEBP": FileKind("WEBP", ".webp", "image/webp"),
    "GIF": FileKind("GIF", ".gif", "image/gif"),
    "PDF": FileKind("PDF", ".pdf", "application/pdf"),
}
# Served for stored files of no accepted format (rows from before this check): a download
# the browser will not render.
UNKNOWN = FileKind("", ".bin", "application/octet-stream")
IMAGE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF"})
DOCUMENT_FORMATS = IMAGE_FORMATS | {"PDF"}
# The Pillow plugins allowed to parse untrusted bytes (the JPEG plugin also opens MPO);
# others (EPS, PSD, ...) are never tried.
PILLOW_PLUGINS = ("JPEG", "PNG", "WEBP", "GIF")
PDF_MAGIC = b"%PDF-"
# Certificate scans and evidence: a scanned multi-page PDF is a few MB.
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
SANDBOX_CSP = "default-src 'none'; sandbox"
# Re-encoding a phone's JPEG (already ~80 from the browser) at 90 loses nothing visible.
LOSSY_QUALITY = 90
# What Pillow raises on malformed input, besides its own UnidentifiedImageError (an OSError):
# the parsers index, unpack and divide by header fields an attacker chose.
MALFORMED = (OSError, SyntaxError, ValueError, TypeError, IndexError, EOFError, struct.error)


def _display_name(upload) -> str:
    return os.path.basename(getattr(upload, "name", "") or "") or _("file")


def _too_large(name: str) -> ValidationError:
    limit = settings.UPLOAD_MAX_PIXELS
    return ValidationError(
        _("%(name)s is too large an image: at most %(max)s million pixels are accepted.")
        % {"name": name, "max": f"{limit / 1_000_000:g}"},
        code="too_many_pixels",
    )


def _image_format(upload, name: str) -> str | None:
    """The accepted image format of an upload, from its header and a structural check
    (no pixels decoded); None if it is no accepted image. Refuses too many pixels."""
    upload.seek(0)
    try:
        with Image.open(upload, formats=PILLOW_PLUGINS) as image:
            width, height = image.size
            if width * height > settings.UPLOAD_MAX_PIXELS:
                raise _too_large(name)
            image.verify()
            found = image.format
    except Image.DecompressionBombError:
        raise _too_large(name) from None
    except MALFORMED:
        found = None
    finally:
        upload.seek(0)
    return found if found in IMAGE_FORMATS else None


def check_image(upload) -> FileKind:
    """The kind of an uploaded photo (JPEG, PNG, WebP or GIF) within UPLOAD_MAX_PIXELS, by
    its content; a ValidationError naming the file otherwise."""
    name = _display_name(upload)
    found = _image_format(upload, name)
    if found is None:
        raise ValidationError(
            _("%(name)s is not a photo (JPEG, PNG, WebP or GIF).") % {"name": name}, code="not_a_photo"
        )
    return KINDS[found]


def check_document(upload) -> FileKind:
    """The kind of an uploaded document: a PDF (by its magic) or an image as in
    check_image, within DOCUMENT_MAX_BYTES; a ValidationError naming the file otherwise."""
    name = _display_name(upload)
    if upload.size > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is %(size).1f MB; a file may be at most %(max).1f MB.")
            % {"name": name, "size": upload.size / 1048576, "max": DOCUMENT_MAX_BYTES / 1048576},
            code="too_big",
        )
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head == PDF_MAGIC:
        return KINDS["PDF"]
    found = _image_format(upload, name)
    if found is None:
        raise ValidationError(
            _("%(name)s is neither a PDF nor an image (JPEG, PNG, WebP or GIF).") % {"name": name},
            code="not_a_document",
        )
    return KINDS[found]


def validate_document(file) -> None:
    """Model-field validator: a newly uploaded file must pass check_document. Files
    already stored are left alone (serve_file is safe for whatever they hold), so editing
    an old row does not fail on its old file."""
    if getattr(file, "_committed", True):
        return
    check_document(file)


def server_name(kind: FileKind) -> str:
    """A random file name with the extension of the detected format."""
    return f"{uuid.uuid4().hex}{kind.extension}"


def reencode_image(upload) -> ContentFile:
    """A checked photo encoded afresh in its own format (MPO as JPEG): the first frame's
    pixels turned upright by its EXIF orientation, without EXIF, comments or anything
    after the image data, under a server-chosen name. Memory is bounded by
    UPLOAD_MAX_PIXELS, checked before decoding."""
    kind = check_image(upload)
    output_format = "JPEG" if kind.format == "MPO" else kind.format
    name = _display_name(upload)
    try:
        with Image.open(upload, formats=PILLOW_PLUGINS) as image:
            icc_profile = image.info.get("icc_profile")
            transparency = image.info.get("transparency")
            # In place: no second copy of the pixels when the photo is already upright.
            ImageOps.exif_transpose(image, in_place=True)
            image.load()
    except Image.DecompressionBombError:
        raise _too_large(name) from None
    except MALFORMED:
        # The header was sound but the pixel data is not (a truncated upload).
        raise ValidationError(
            _("%(name)s is not a photo (JPEG, PNG, WebP or GIF).") % {"name": name}, code="not_a_photo"
        ) from None
    finally:
        upload.seek(0)
    # Nothing of the original's metadata is written but its colour profile and transparency.
    image.info = {} if transparency is None else {"transparency": transparency}
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if output_format == "JPEG":
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        options["quality"] = LOSSY_QUALITY
    elif output_format == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        options["quality"] = LOSSY_QUALITY
    buffer = BytesIO()
    image.save(buffer, output_format, **options)
    return ContentFile(buffer.getvalue(), name=server_name(KINDS[output_format]))


@deconstructible(path="servicescore.core.uploads.ServerChosenName")
class ServerChosenName:
    """`upload_to` for a FileField: the uploaded name is ignored; the file is stored under
    `folder` (strftime codes allowed) as a random name with the extension of its detected
    format. `accept` is "image" or "document" (PDF or image); a file of any other format is
    refused here, so every way of saving (admin, shell, importer) meets the same rule."""

    def __init__(self, folder: str, *, field: str, accept: str = "document"):
        self.folder = folder
        self.field = field
        self.accept = accept

    def __call__(self, instance, filename: str) -> str:
        content = getattr(instance, self.field)
        check = check_image if self.accept == "image" else check_document
        kind = check(content)
        return f"{timezone.localtime().strftime(self.folder)}{server_name(kind)}"


class _ViewURL:
    """`.url` of a stored file: its field's scope-checked view for the row, never MEDIA_URL
    (which is not served), so every link — the admin's change form, its read-only pages and
    lists — goes through the view."""

    @property
    def url(self) -> str:
        self._require_file()
        if self.instance.pk is None:
            raise ValueError(f"{self.field.name} has no URL before its row is saved.")
        return reverse(self.field.url_name, args=[self.instance.pk])


class _ViewServedFieldFile(_ViewURL, FieldFile):
    pass


class _ViewServedImageFieldFile(_ViewURL, ImageFieldFile):
    pass


class _ViewServed:
    """Files served by the view `url_name` (taking the row's pk), never from MEDIA_URL."""

    def __init__(self, *args, url_name: str = "", **kwargs):
        self.url_name = url_name
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["url_name"] = self.url_name
        return name, path, args, kwargs


class ViewServedFileField(_ViewServed, models.FileField):
    attr_class = _ViewServedFieldFile
    non_db_attrs = (*models.FileField.non_db_attrs, "url_name")


class ViewServedImageField(_ViewServed, models.ImageField):
    attr_class = _ViewServedImageFieldFile
    non_db_attrs = (*models.ImageField.non_db_attrs, "url_name")


def detect(fileobj) -> FileKind:
    """The kind of a stored file by its content (PDF magic or image header), UNKNOWN if it
    is no accepted format. Reads the header only and leaves the file at its start."""
    fileobj.seek(0)
    head = fileobj.read(len(PDF_MAGIC))
    fileobj.seek(0)
    if head == PDF_MAGIC:
        return KINDS["PDF"]
    try:
        with Image.open(fileobj, formats=PILLOW_PLUGINS) as image:
            found = image.format
    except (Image.DecompressionBombError, *MALFORMED):
        found = None
    finally:
        fileobj.seek(0)
    return KINDS.get(found, UNKNOWN)


def serve_file(field_file, *, download_name: str, inline_formats=frozenset()) -> FileResponse:
    """A stored file as a response typed by its content, never by its stored name: shown
    in the browser only if its format is in `inline_formats`, else a download named
    `download_name` plus the detected extension; always `nosniff` and a sandboxing CSP.
    404 when nothing is stored."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    kind = detect(handle)
    response = FileResponse(
        handle,
        as_attachment=kind.format not in inline_formats,
        filename=f"{download_name}{kind.extension}",
        content_type=kind.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private"
    return response
