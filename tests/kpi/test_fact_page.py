"""The facts page (/indicators/facts/): who records a fact with its evidence (note,
reference, attachment), the audit entry and queued recompute each write leaves, the bad
inputs that write nothing, and who may read a fact and its attachment (404 otherwise)."""

import io
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from servicescore.core import uploads
from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.core.models import AuditEntry
from servicescore.kpi import errors
from servicescore.kpi.models import FactIndicator, MetricFact, RecomputeRequest
from servicescore.kpi.services.facts import fact_record, fact_update

from ..conftest import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The start of a Windows executable: what a renamed .exe looks like to the server.
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run"
)


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


@pytest.fixture(autouse=True)
def safety_violations(db):
    return FactIndicator.objects.create(
        code="SAFETY_VIOLATIONS", name_zh="安全违规次数", name_en="Safety violations", unit="count"
    )


def form(**fields):
    data = {
        "indicator": "SAFETY_VIOLATIONS",
        "period": "2026-10",
        "value": "1",
        "employee": "T1",
        "org_unit": "",
        "note": "未断电作业",
        "reference": "INC-2026-0117",
    }
    data.update(fields)
    return data


def post_new(client, **fields):
    return client.post(reverse("indicators:fact_create"), form(**fields))


def nothing_written():
    return (
        not MetricFact.objects.exists()
        and not AuditEntry.objects.filter(content_type__model="metricfact").exists()
        and not RecomputeRequest.objects.exists()
    )


def fact(employee=None, org_unit=None, code="SAFETY_VIOLATIONS", period="2026-10", **fields):
    return MetricFact.objects.create(
        indicator=code, period=period, value=Decimal("1"), employee=employee, org_unit=org_unit, **fields
    )


# --- recording ----------------------------------------------------------------------------


def test_hr_records_a_fact_with_a_pdf_and_it_is_audited_and_recomputed(client, network):
    login(client, network.hr)
    attachment = SimpleUploadedFile("incident.pdf", PDF, content_type="application/pdf")
    response = post_new(client, attachment=attachment)
    assert response.status_code == 302, response.content.decode()
    stored = MetricFact.objects.get()
    assert (stored.employee, stored.value, stored.note, stored.reference, stored.recorded_by) == (
        network.tech,
        Decimal("1"),
        "未断电作业",
        "INC-2026-0117",
        network.hr.user,
    )
    assert stored.attachment.name.startswith("facts/") and stored.attachment.name.endswith(".pdf")
    entry = AuditEntry.objects.get(content_type__model="metricfact", object_id=str(stored.pk))
    assert entry.action == "create" and entry.changes["reference"] == [None, "INC-2026-0117"]
    assert list(RecomputeRequest.objects.values_list("period", "employee")) == [("2026-10", network.tech.pk)]


def test_a_png_attachment_is_stored_under_a_name_the_server_chose(client, network):
    login(client, network.hr)
    response = post_new(client, attachment=SimpleUploadedFile("../../evil.pdf", png_bytes()))
    assert response.status_code == 302
    name = MetricFact.objects.get().attachment.name
    assert name.startswith("facts/") and name.endswith(".png") and "evil" not in name


def test_a_service_manager_records_a_fact_for_a_unit_of_his_subtree(client, network):
    login(client, network.manager)
    response = post_new(
        client, employee="", org_unit=str(network.t11.pk), indicator="TEAM_ATTRITION", value="2.5"
    )
    assert response.status_code == 302
    assert MetricFact.objects.get().org_unit == network.t11
    # A unit's fact changes roll-ups: everyone's figures from the stored components.
    assert list(RecomputeRequest.objects.values_list("period", "employee", "group")) == [
        ("2026-10", None, RecomputeRequest.EVERYONE)
    ]


def test_an_executable_renamed_pdf_is_refused_and_nothing_is_written(client, network):
    login(client, network.hr)
    response = post_new(client, attachment=SimpleUploadedFile("report.pdf", EXE, "application/pdf"))
    assert response.status_code == 200
    assert "report.pdf is neither a PDF nor an image" in response.content.decode()
    assert 'data-error-for="attachment"' in response.content.decode()
    assert nothing_written()


def test_an_oversized_attachment_is_refused_and_nothing_is_written(client, network, monkeypatch):
    monkeypatch.setattr(uploads, "DOCUMENT_MAX_BYTES", len(PDF) - 1)
    login(client, network.hr)
    response = post_new(client, attachment=SimpleUploadedFile("big.pdf", PDF))
    assert "a file may be at most" in response.content.decode()
    assert nothing_written()


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"period": "2026-13"}, "period", "Use YYYY-MM"),
        ({"period": "10/2026"}, "period", "Use YYYY-MM"),
        ({"value": "abc"}, "value", "Enter a number"),
        ({"value": "1.23456"}, "value", "at most 12 digits before the point and 4 after"),
        ({"employee": ""}, "employee", "not both"),
        ({"indicator": "NO_SUCH"}, "indicator", "Select a valid choice"),
        ({"employee": "T404"}, "employee", "There is no employee T404 you may record facts for"),
        ({"reference": "R" * 101}, "reference", "at most 100 characters"),
    ],
)
def test_a_bad_input_is_shown_at_its_field_and_nothing_is_written(client, network, fields, field, message):
    login(client, network.hr)
    response = post_new(client, **fields)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-error-for="{field}"' in html and message in html
    assert nothing_written()


def test_both_an_employee_and_a_unit_are_refused(client, network):
    login(client, network.hr)
    response = post_new(client, org_unit=str(network.t11.pk))
    assert "not both" in response.content.decode()
    assert nothing_written()


def test_a_manager_cannot_record_a_fact_for_someone_outside_his_subtree(client, network):
    login(client, network.manager)
    response = post_new(client, employee="T4")  # SC2
    assert "There is no employee T4 you may record facts for" in response.content.decode()
    assert nothing_written()


def test_a_manager_cannot_name_a_unit_outside_his_subtree(client, network):
    login(client, network.manager)
    response = post_new(client, employee="", org_unit=str(network.sc2.pk))
    assert 'data-error-for="org_unit"' in response.content.decode()
    assert nothing_written()


def test_a_technician_may_not_open_the_form(client, network):
    login(client, network.tech)
    assert client.get(reverse("indicators:fact_create")).status_code == 403
    assert post_new(client, employee="T2").status_code == 403
    assert nothing_written()


def test_the_same_months_figure_twice_is_a_conflict(client, network):
    fact(network.tech)
    login(client, network.hr)
    response = post_new(client)
    assert "already recorded for them" in response.content.decode()
    assert MetricFact.objects.count() == 1


# --- the service's coded errors (the API and other callers meet the same) -----------------


def test_the_service_refuses_an_unknown_indicator_with_its_code(network):
    with pytest.raises(Invalid) as refused:
        fact_record(by=network.hr.user, indicator="NO_SUCH", period="2026-10", value=1, employee=network.tech)
    assert refused.value.domain_code == errors.FACT_UNKNOWN_INDICATOR and refused.value.field == "indicator"


def test_the_service_answers_an_out_of_scope_employee_as_not_found(network):
    with pytest.raises(NotFound) as refused:
        fact_record(
            by=network.manager.user,
            indicator="SAFETY_VIOLATIONS",
            period="2026-10",
            value=1,
            employee=network.tech_sc2,
        )
    assert refused.value.domain_code == errors.FACT_SUBJECT_NOT_FOUND
    assert not MetricFact.objects.exists()


def test_the_service_refuses_both_and_neither_owner(network):
    for subject in ({}, {"employee": network.tech, "org_unit": network.t11}):
        with pytest.raises(Invalid) as refused:
            fact_record(
                by=network.hr.user, indicator="SAFETY_VIOLATIONS", period="2026-10", value=1, **subject
            )
        assert refused.value.domain_code == errors.FACT_SUBJECT


def test_the_service_refuses_a_technician_and_a_fact_about_oneself(network):
    with pytest.raises(Refused) as refused:
        fact_record(
            by=network.tech.user,
            indicator="SAFETY_VIOLATIONS",
            period="2026-10",
            value=1,
            employee=network.tech_colleague,
        )
    assert refused.value.domain_code == errors.FACT_NOT_ALLOWED
    with pytest.raises(Refused):
        fact_record(
            by=network.manager.user,
            indicator="AVAILABLE_HOURS",
            period="2026-10",
            value=1,
            employee=network.manager,
        )
    assert not MetricFact.objects.exists()


def test_the_service_reports_a_duplicate_as_a_conflict(network):
    fact(network.tech)
    with pytest.raises(Conflict) as refused:
        fact_record(
            by=network.hr.user,
            indicator="SAFETY_VIOLATIONS",
            period="2026-10",
            value=2,
            employee=network.tech,
        )
    assert refused.value.domain_code == errors.FACT_EXISTS


# --- correcting ---------------------------------------------------------------------------


def test_hr_corrects_a_fact_and_the_change_is_audited_and_recomputed(client, network):
    stored = fact(network.tech, reference="INC-1")
    login(client, network.hr)
    response = client.post(
        reverse("indicators:fact_edit", args=[stored.pk]), form(value="2", reference="INC-2")
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert (stored.value, stored.reference, stored.recorded_by) == (Decimal("2"), "INC-2", network.hr.user)
    entry = AuditEntry.objects.get(content_type__model="metricfact", action="update")
    assert entry.changes["value"] == ["1.0000", "2.0000"] and entry.changes["reference"] == ["INC-1", "INC-2"]
    assert RecomputeRequest.objects.filter(period="2026-10", employee=network.tech).exists()


def test_saving_a_fact_unchanged_writes_no_audit_entry(network):
    stored = fact(network.tech, note="n", reference="r")
    entries = AuditEntry.objects.count()  # a module's shared demo may have left some
    fact_update(
        stored, by=network.hr.user, indicator="SAFETY_VIOLATIONS", period="2026-10", value="1.0",
        employee=network.tech, note="n", reference="r",
    )  # fmt: skip
    assert AuditEntry.objects.count() == entries and not RecomputeRequest.objects.exists()


def test_a_manager_cannot_open_the_form_of_a_fact_outside_his_subtree(client, network):
    other = fact(network.tech_sc2)
    login(client, network.manager)
    assert client.get(reverse("indicators:fact_edit", args=[other.pk])).status_code == 404
    assert (
        client.post(reverse("indicators:fact_edit", args=[other.pk]), form(employee="T1")).status_code == 404
    )
    assert MetricFact.objects.get().employee == network.tech_sc2


def test_a_fact_moved_out_of_scope_is_refused(client, network):
    stored = fact(network.tech)
    login(client, network.manager)
    response = client.post(reverse("indicators:fact_edit", args=[stored.pk]), form(employee="T4"))
    assert "There is no employee T4 you may record facts for" in response.content.decode()
    assert MetricFact.objects.get().employee == network.tech


# --- reading ------------------------------------------------------------------------------


def test_a_technician_reads_his_own_attachment_with_safe_headers(client, network, media):
    stored = fact(network.tech)
    stored.attachment = SimpleUploadedFile("x.pdf", PDF)
    stored.save()
    login(client, network.tech)
    response = client.get(reverse("indicators:fact_attachment", args=[stored.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"].startswith("attachment")


def test_a_technician_cannot_read_a_colleagues_attachment_by_guessing_its_id(client, network):
    colleague = fact(network.tech_colleague)
    colleague.attachment = SimpleUploadedFile("x.pdf", PDF)
    colleague.save()
    login(client, network.tech)
    assert client.get(reverse("indicators:fact_attachment", args=[colleague.pk])).status_code == 404
    assert client.get(reverse("indicators:fact_attachment", args=[colleague.pk + 1000])).status_code == 404
    assert client.get(reverse("indicators:fact_edit", args=[colleague.pk])).status_code == 404


def test_a_foreman_reads_his_teams_attachment(client, network):
    stored = fact(network.tech)
    stored.attachment = SimpleUploadedFile("x.png", png_bytes())
    stored.save()
    login(client, network.foreman)
    response = client.get(reverse("indicators:fact_attachment", args=[stored.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_the_list_shows_a_technician_only_his_own_facts(client, network):
    fact(network.tech, reference="MINE-1")
    fact(network.tech_colleague, reference="THEIRS-1")
    fact(org_unit=network.t11, code="TEAM_ATTRITION", reference="UNIT-1")
    login(client, network.tech)
    html = client.get(reverse("indicators:facts")).content.decode()
    assert "MINE-1" in html and "THEIRS-1" not in html and "UNIT-1" not in html
    assert "data-record-fact" not in html and "data-edit" not in html


def test_the_list_filters_by_month_indicator_and_person(client, network):
    fact(network.tech, reference="OCT-T1")
    fact(network.tech, period="2026-09", reference="SEP-T1")
    fact(network.tech_colleague, code="AVAILABLE_HOURS", reference="OCT-T2")
    login(client, network.hr)
    url = reverse("indicators:facts")
    assert "SEP-T1" not in client.get(url, {"period": "2026-10"}).content.decode()
    html = client.get(url, {"indicator": "AVAILABLE_HOURS"}).content.decode()
    assert "OCT-T2" in html and "OCT-T1" not in html
    html = client.get(url, {"q": "T2"}).content.decode()
    assert "OCT-T2" in html and "OCT-T1" not in html
    assert 'data-ignored="period"' in client.get(url, {"period": "2026-13"}).content.decode()


def test_the_list_does_not_show_a_manager_the_facts_outside_his_subtree(client, network):
    fact(network.tech, reference="SC1-FACT")
    fact(network.tech_sc2, reference="SC2-FACT")
    login(client, network.manager)
    html = client.get(reverse("indicators:facts")).content.decode()
    assert "SC1-FACT" in html and "SC2-FACT" not in html and "data-edit" in html


def test_the_list_takes_a_fixed_number_of_queries(client, network, django_assert_max_num_queries):
    people = [network.tech, network.tech_colleague, network.tech_other_team, network.advisor]
    for month in range(1, 11):
        for person in people:
            fact(person, period=f"2026-{month:02d}", reference=f"R{month}")
    login(client, network.hr)
    client.get(reverse("indicators:facts"))  # warm the session and the content types
    with django_assert_max_num_queries(12):
        response = client.get(reverse("indicators:facts"))
    assert response.status_code == 200 and response.content.decode().count("data-fact=") == 40


def test_the_navigation_shows_the_facts_page_to_leads_not_to_technicians(client, network):
    login(client, network.foreman)
    assert reverse("indicators:facts") in client.get(reverse("home")).content.decode()
    login(client, network.tech)
    assert reverse("indicators:facts") not in client.get(reverse("home")).content.decode()


def test_the_admin_shows_a_facts_evidence_and_links_its_attachment_through_the_view(client, network):
    stored = fact(network.tech, reference="INC-ADMIN-1", note="admin note")
    stored.attachment = SimpleUploadedFile("x.pdf", PDF)
    stored.save()
    user = login(client, network.hr)
    user.is_staff = True
    user.save()
    html = client.get(reverse("admin:kpi_metricfact_change", args=[stored.pk])).content.decode()
    assert "INC-ADMIN-1" in html and "admin note" in html
    assert reverse("indicators:fact_attachment", args=[stored.pk]) in html
    assert "INC-ADMIN-1" in client.get(reverse("admin:kpi_metricfact_changelist")).content.decode()
