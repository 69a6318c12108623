"""Work-order photos: stored under a name the server chooses from the detected format,
re-encoded (no trailing bytes, no EXIF), served only as images with nosniff and a
sandboxing CSP, decompression bombs refused with a message, and visible only in scope."""

import io
import os
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image

from servicescore.workorders import services
from servicescore.workorders.models import EventPhoto, WorkOrder

from ..conftest import login
from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db

SCRIPT = b"<html><script>alert(document.cookie)</script></html>"


def gif_with_script(name="x.html"):
    buffer = io.BytesIO()
    Image.new("P", (8, 8), 3).save(buffer, "GIF")
    return SimpleUploadedFile(name, buffer.getvalue() + SCRIPT, content_type="text/html")


def png_claiming(width, height, name="bomb.png"):
    """A small PNG whose header claims width × height pixels (a decompression bomb)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return SimpleUploadedFile(name, body + chunk(b"IEND", b""), content_type="image/png")


def jpeg_turned_on_its_side(name="side.jpg"):
    """A 60×20 JPEG whose EXIF says 'rotate 90° clockwise to view' (orientation 6)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), (10, 200, 10)).save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def under_way(network):
    order = WorkOrderFactory(service_center=network.sc1)
    services.assign(order, technician=network.tech, by=network.dispatcher.user)
    services.accept(order, by=network.tech.user)
    return services.check_in(order, by=network.tech.user)


@pytest.fixture
def accepted(network):
    order = WorkOrderFactory(service_center=network.sc1)
    services.assign(order, technician=network.tech, by=network.dispatcher.user)
    return services.accept(order, by=network.tech.user)


def photo_url(photo):
    return reverse("workorders:photo", args=[photo.pk])


def page_text(response):
    return response.content.decode()


def test_gif_named_html_is_stored_under_a_random_gif_name(network, under_way):
    services.add_note(under_way, note="", photos=[gif_with_script()], by=network.tech.user)
    name = EventPhoto.objects.get().image.name
    assert re.fullmatch(r"work-orders/\d{4}/\d{2}/[0-9a-f]{32}\.gif", name), name


def test_stored_photo_keeps_no_bytes_after_the_image(network, under_way):
    services.add_note(under_way, note="", photos=[gif_with_script()], by=network.tech.user)
    with EventPhoto.objects.get().image.open("rb") as stored:
        assert b"<script>" not in stored.read()


def test_photo_is_served_as_its_image_type_with_nosniff_and_a_sandbox(client, network, under_way):
    services.add_note(under_way, note="", photos=[gif_with_script()], by=network.tech.user)
    login(client, network.manager)
    response = client.get(photo_url(EventPhoto.objects.get()))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert ".html" not in response["Content-Disposition"]


def test_old_photo_stored_under_an_html_name_is_served_as_an_image(client, network, under_way, media):
    (media / "old").mkdir()
    (media / "old" / "x.html").write_bytes(gif_with_script().read())
    photo = EventPhoto.objects.create(event=under_way.last_event, image="old/x.html")
    login(client, network.manager)
    response = client.get(photo_url(photo))
    assert response["Content-Type"] == "image/gif"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_old_upload_that_is_not_an_image_is_only_offered_as_a_download(client, network, under_way, media):
    (media / "old").mkdir()
    (media / "old" / "x.jpg").write_bytes(SCRIPT)
    photo = EventPhoto.objects.create(event=under_way.last_event, image="old/x.jpg")
    login(client, network.manager)
    response = client.get(photo_url(photo))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_svg_photo_is_refused(network, under_way):
    svg = SimpleUploadedFile("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg">' + SCRIPT + b"</svg>")
    with pytest.raises(ValidationError, match="x.svg is not a photo"):
        services.add_note(under_way, note="", photos=[svg], by=network.tech.user)
    assert not EventPhoto.objects.exists()


def test_service_refuses_a_decompression_bomb(network, under_way):
    with pytest.raises(ValidationError, match="bomb.png is too large an image"):
        services.add_note(under_way, note="", photos=[png_claiming(100_000, 100_000)], by=network.tech.user)


def test_photo_over_the_pixel_limit_is_refused(network, under_way, settings):
    settings.UPLOAD_MAX_PIXELS = 1000
    with pytest.raises(ValidationError, match="at most 0.001 million pixels"):
        services.add_note(under_way, note="", photos=[png_claiming(100, 11)], by=network.tech.user)


def test_check_in_page_refuses_a_decompression_bomb_with_a_message(client, network, accepted):
    login(client, network.tech)
    response = client.post(
        reverse("workorders:action", args=[accepted.pk, "start"]),
        {"photos": [png_claiming(100_000, 100_000)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "bomb.png is too large an image" in page_text(response)
    assert WorkOrder.objects.get(pk=accepted.pk).state == "accepted"


def test_note_form_refuses_a_decompression_bomb_with_a_message(client, network, under_way):
    login(client, network.tech)
    response = client.post(
        reverse("workorders:note", args=[under_way.pk]),
        {"note": "look", "photos": [png_claiming(100_000, 100_000)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "bomb.png is too large an image" in page_text(response)
    assert not under_way.events.filter(action="note").exists()


def test_photo_keeps_its_orientation(network, under_way):
    services.add_note(under_way, note="", photos=[jpeg_turned_on_its_side()], by=network.tech.user)
    with EventPhoto.objects.get().image.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (20, 60)


def test_stored_photo_has_no_exif(network, under_way):
    services.add_note(under_way, note="", photos=[jpeg_turned_on_its_side()], by=network.tech.user)
    with EventPhoto.objects.get().image.open("rb") as stored, Image.open(stored) as image:
        assert not image.getexif()


def test_technician_cannot_fetch_a_colleagues_photo(client, network, under_way):
    services.add_note(under_way, note="", photos=[gif_with_script("a.gif")], by=network.tech.user)
    login(client, network.tech_colleague)
    assert client.get(photo_url(EventPhoto.objects.get())).status_code == 404


def test_photo_file_is_written_only_once(network, under_way, media):
    services.add_note(under_way, note="", photos=[gif_with_script()], by=network.tech.user)
    stored = [name for _, _, names in os.walk(media) for name in names]
    assert stored == [os.path.basename(EventPhoto.objects.get().image.name)]


def test_photo_saved_outside_the_services_is_still_checked(network, under_way):
    with pytest.raises(ValidationError, match="x.gif is not a photo"), transaction.atomic():
        EventPhoto.objects.create(event=under_way.last_event, image=ContentFile(SCRIPT, name="x.gif"))
    assert not EventPhoto.objects.exists()
