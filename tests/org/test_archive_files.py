"""Certificate scans and reward/penalty evidence: only PDFs and images are accepted (by
their content, whatever the name), stored under server-chosen names, and served only
through scope-checked views, as downloads with nosniff and a sandboxing CSP."""

import io
import re
import struct
import zlib
from importlib import reload

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import Resolver404, clear_url_caches, resolve, reverse
from PIL import Image

from servicescore.core import uploads
from servicescore.org.models import Certificate, RewardPenalty

from ..conftest import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<html><script>alert(document.cookie)</script></html>"


def png_claiming(width, height, name="bomb.png"):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return SimpleUploadedFile(name, body + chunk(b"IEND", b""), content_type="image/png")


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def client(client):
    """Pages in English, so that messages can be asserted (the site default is zh-Hans)."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def hr(network):
    user = network.hr.user
    user.is_staff = True
    user.save()
    return user


def stored(media, name, content):
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return name


def add_certificate(client, employee, upload):
    return client.post(
        reverse("admin:org_certificate_add"),
        {"employee": employee.pk, "cert_type": "电工证", "number": "E-1", "scan": upload},
    )


def add_reward(client, employee, upload):
    return client.post(
        reverse("admin:org_rewardpenalty_add"),
        {
            "employee": employee.pk,
            "date": "2026-01-05",
            "kind": "reward",
            "points": "2",
            "reason": "好评",
            "evidence": upload,
        },
    )


def scan_url(certificate):
    return reverse("org:certificate_scan", args=[certificate.pk])


def evidence_url(entry):
    return reverse("org:reward_penalty_evidence", args=[entry.pk])


def test_pdf_named_html_is_stored_as_pdf_under_a_random_name(client, network, hr):
    login(client, hr)
    response = add_certificate(client, network.tech, SimpleUploadedFile("x.html", PDF, "text/html"))
    assert response.status_code == 302
    name = Certificate.objects.get().scan.name
    assert re.fullmatch(r"certificates/\d{4}/[0-9a-f]{32}\.pdf", name), name


def test_certificate_scan_is_served_as_a_pdf_download_with_nosniff_and_a_sandbox(client, network, media):
    certificate = Certificate.objects.create(
        employee=network.tech, cert_type="电工证", scan=stored(media, "certificates/2026/x.html", PDF)
    )
    login(client, network.tech)
    response = client.get(scan_url(certificate))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{certificate.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_old_scan_that_is_html_is_only_offered_as_a_download_of_unknown_type(client, network, media):
    certificate = Certificate.objects.create(
        employee=network.tech, cert_type="电工证", scan=stored(media, "certificates/2026/x.html", HTML)
    )
    login(client, network.tech)
    response = client.get(scan_url(certificate))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{certificate.pk}.bin"'


def test_html_certificate_scan_is_refused_with_a_form_error(client, network, hr):
    login(client, hr)
    response = add_certificate(client, network.tech, SimpleUploadedFile("x.pdf", HTML, "application/pdf"))
    assert response.status_code == 200
    assert "x.pdf is neither a PDF nor an image (JPEG, PNG, WebP or GIF)." in response.content.decode()
    assert not Certificate.objects.exists()


def test_svg_evidence_is_refused_with_a_form_error(client, network, hr):
    login(client, hr)
    svg = SimpleUploadedFile("e.svg", b'<svg xmlns="http://www.w3.org/2000/svg">' + HTML + b"</svg>")
    response = add_reward(client, network.tech, svg)
    assert response.status_code == 200
    assert "e.svg is neither a PDF nor an image" in response.content.decode()
    assert not RewardPenalty.objects.exists()


def test_decompression_bomb_scan_is_refused_with_a_form_error(client, network, hr):
    login(client, hr)
    response = add_certificate(client, network.tech, png_claiming(100_000, 100_000))
    assert response.status_code == 200
    assert "bomb.png is too large an image" in response.content.decode()


def test_image_evidence_is_stored_under_its_detected_type(client, network, hr):
    login(client, hr)
    assert add_reward(client, network.tech, SimpleUploadedFile("e.pdf", png_bytes())).status_code == 302
    name = RewardPenalty.objects.get().evidence.name
    assert re.fullmatch(r"evidence/\d{4}/[0-9a-f]{32}\.png", name), name


def test_html_scan_saved_outside_a_form_is_refused(network):
    certificate = Certificate(employee=network.tech, cert_type="电工证", scan=ContentFile(HTML, name="a.pdf"))
    with pytest.raises(ValidationError, match="a.pdf is neither a PDF nor an image"), transaction.atomic():
        certificate.save()
    assert not Certificate.objects.exists()


def test_technician_cannot_fetch_a_colleagues_certificate(client, network, media):
    certificate = Certificate.objects.create(
        employee=network.tech, cert_type="电工证", scan=stored(media, "certificates/2026/a.pdf", PDF)
    )
    login(client, network.tech_colleague)
    assert client.get(scan_url(certificate)).status_code == 404


def test_foreman_fetches_his_technicians_certificate(client, network, media):
    certificate = Certificate.objects.create(
        employee=network.tech, cert_type="电工证", scan=stored(media, "certificates/2026/a.pdf", PDF)
    )
    login(client, network.foreman)
    assert client.get(scan_url(certificate)).status_code == 200


def test_certificate_without_a_scan_is_404(client, network):
    certificate = Certificate.objects.create(employee=network.tech, cert_type="电工证")
    login(client, network.tech)
    assert client.get(scan_url(certificate)).status_code == 404


def test_evidence_is_served_as_a_download(client, network, media):
    entry = RewardPenalty.objects.create(
        employee=network.tech,
        date="2026-01-05",
        kind="reward",
        points=2,
        reason="好评",
        evidence=stored(media, "evidence/2026/e.html", png_bytes()),
    )
    login(client, network.tech)
    response = client.get(evidence_url(entry))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{entry.pk}.png"'


def test_technician_cannot_fetch_a_colleagues_evidence(client, network, media):
    entry = RewardPenalty.objects.create(
        employee=network.tech,
        date="2026-01-05",
        kind="penalty",
        points=2,
        reason="迟到",
        evidence=stored(media, "evidence/2026/e.pdf", PDF),
    )
    login(client, network.tech_colleague)
    assert client.get(evidence_url(entry)).status_code == 404


def test_admin_links_the_scan_to_the_checked_view(client, network, hr, media):
    certificate = Certificate.objects.create(
        employee=network.tech, cert_type="电工证", scan=stored(media, "certificates/2026/a.pdf", PDF)
    )
    login(client, hr)
    page = client.get(reverse("admin:org_certificate_change", args=[certificate.pk])).content.decode()
    assert f'href="{scan_url(certificate)}"' in page
    assert "/media/" not in page


def test_employee_admin_links_the_inline_scan_to_the_checked_view(client, network, hr, media):
    certificate = Certificate.objects.create(
        employee=network.tech, cert_type="电工证", scan=stored(media, "certificates/2026/a.pdf", PDF)
    )
    login(client, hr)
    page = client.get(reverse("admin:org_employee_change", args=[network.tech.pk])).content.decode()
    assert f'href="{scan_url(certificate)}"' in page
    assert "/media/" not in page


def test_admin_links_the_evidence_to_the_checked_view(client, network, hr, media):
    entry = RewardPenalty.objects.create(
        employee=network.tech,
        date="2026-01-05",
        kind="reward",
        points=2,
        reason="好评",
        evidence=stored(media, "evidence/2026/e.pdf", PDF),
    )
    login(client, hr)
    page = client.get(reverse("admin:org_rewardpenalty_change", args=[entry.pk])).content.decode()
    assert f'href="{evidence_url(entry)}"' in page


def test_media_files_are_not_served_by_url_even_in_debug(settings):
    import servicescore.urls

    settings.DEBUG = True
    try:
        reload(servicescore.urls)
        clear_url_caches()
        with pytest.raises(Resolver404):
            resolve("/media/certificates/2026/x.html")
    finally:
        settings.DEBUG = False
        reload(servicescore.urls)
        clear_url_caches()


def test_scan_over_the_size_limit_is_refused_with_a_form_error(client, network, hr, monkeypatch):
    monkeypatch.setattr(uploads, "DOCUMENT_MAX_BYTES", 10)
    login(client, hr)
    response = add_certificate(client, network.tech, SimpleUploadedFile("big.pdf", PDF))
    assert response.status_code == 200
    assert "a file may be at most" in response.content.decode()
    assert not Certificate.objects.exists()
