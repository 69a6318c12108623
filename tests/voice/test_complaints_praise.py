"""Praise and referrals: recorded for an employee the user can see, with source, note,
optional work order and evidence; audited; a small list page in the user's scope."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from servicescore.core.models import AuditEntry
from servicescore.voice.models import Praise, VoiceAttachment
from servicescore.voice.services import complaints as services

from ..conftest import login
from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100
PRAISE = reverse("voice:praise")
NEW = reverse("voice:praise_create")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def code_of(excinfo):
    return excinfo.value.items()[0]["code"]


def test_a_manager_records_praise_with_evidence_and_it_is_audited(network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech)
    praise = services.praise_record(
        by=network.manager.user,
        employee=network.tech,
        kind="praise",
        source="锦旗",
        note="师傅很耐心",
        work_order=order,
        upload=SimpleUploadedFile("letter.pdf", PDF),
    )
    assert (praise.employee, praise.source, praise.recorded_by) == (
        network.tech,
        "锦旗",
        network.manager.user,
    )
    assert praise.attachments.get().name == "letter.pdf"
    assert AuditEntry.objects.filter(action="create", object_id=str(praise.pk)).count() == 1


def test_an_employee_out_of_scope_is_refused(network):
    with pytest.raises(ValidationError) as excinfo:
        services.praise_record(by=network.manager.user, employee=network.tech_sc2)
    assert code_of(excinfo) == "praise_bad_input"
    assert not Praise.objects.exists()


def test_a_technician_may_not_record_praise(network):
    with pytest.raises(ValidationError) as excinfo:
        services.praise_record(by=network.tech.user, employee=network.tech)
    assert code_of(excinfo) == "praise_role_not_allowed"


def test_a_renamed_executable_is_refused_and_nothing_is_written(network):
    with pytest.raises(ValidationError) as excinfo:
        services.praise_record(
            by=network.manager.user, employee=network.tech, upload=SimpleUploadedFile("x.pdf", EXE)
        )
    assert code_of(excinfo) == "complaint_bad_file"
    assert not Praise.objects.exists() and not VoiceAttachment.objects.exists()


def test_the_agent_records_praise_for_a_colleague_of_his_centre_through_the_page(client, network):
    login(client, network.cs_agent)
    response = client.post(
        NEW,
        {
            "employee": "T1",
            "kind": "referral",
            "source": "电话",
            "note": "介绍了朋友",
            "file": SimpleUploadedFile("a.pdf", PDF),
        },
    )
    assert response.status_code == 302
    praise = Praise.objects.get()
    assert (praise.employee, praise.kind) == (network.tech, "referral")
    html = client.get(PRAISE).content.decode()
    assert f'data-praise="{praise.pk}"' in html
    attachment = praise.attachments.get()
    assert client.get(reverse("voice:attachment", args=[attachment.pk])).status_code == 200


def test_the_page_refuses_another_centres_employee(client, network):
    login(client, network.cs_agent)
    response = client.post(NEW, {"employee": "T4", "kind": "praise"})
    assert response.status_code == 422
    assert 'data-error-for="employee"' in response.content.decode()
    assert not Praise.objects.exists()


def test_praise_evidence_is_404_to_a_technician(client, network):
    praise = services.praise_record(
        by=network.manager.user, employee=network.tech_colleague, upload=SimpleUploadedFile("a.pdf", PDF)
    )
    login(client, network.tech)
    assert client.get(reverse("voice:attachment", args=[praise.attachments.get().pk])).status_code == 404
    assert client.get(PRAISE).status_code == 403


def test_the_list_runs_a_fixed_number_of_queries(client, network, django_assert_max_num_queries):
    for n in range(20):
        services.praise_record(
            by=network.manager.user,
            employee=network.tech,
            note=f"{n}",
            upload=SimpleUploadedFile("a.pdf", PDF),
        )
    login(client, network.manager)
    client.get(PRAISE)
    with django_assert_max_num_queries(12):
        response = client.get(PRAISE)
    assert len(response.context["page_obj"]) == 20
