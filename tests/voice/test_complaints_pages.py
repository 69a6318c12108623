"""The complaint desk, the registration form, the complaint page with its steps and
evidence, and the attachment view: scope by guessed ids (404), bad uploads refused with
nothing written, query counts on the desk."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.voice.models import Complaint, ComplaintEvent, VoiceAttachment, VoicePolicy
from servicescore.voice.services import complaints as services

from ..conftest import login
from ..factories import EmployeeFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
DESK = reverse("voice:complaints")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def order(network):
    return WorkOrderFactory(
        service_center=network.sc1, technician=network.tech, advisor=network.advisor, state="closed"
    )


@pytest.fixture
def complaint(network, order):
    return services.complaint_register(
        by=network.cs_agent.user, work_order=order, summary="异响未修好", people=[network.tech]
    )


@pytest.fixture
def sc2_complaint(network):
    other = WorkOrderFactory(service_center=network.sc2, technician=network.tech_sc2)
    return services.complaint_register(by=network.hr.user, work_order=other, summary="杭州的投诉")


@pytest.fixture
def evidence(network, complaint):
    return services.complaint_add_evidence(
        by=network.cs_agent.user, complaint=complaint, upload=SimpleUploadedFile("report.pdf", PDF)
    )


def test_the_desk_counts_new_mine_and_breaching(client, network, order):
    now = timezone.now()
    late = now - datetime.timedelta(hours=60)
    services.complaint_register(by=network.cs_agent.user, work_order=order, summary="新的")
    old = services.complaint_register(
        by=network.cs_agent.user, work_order=order, summary="迟到的投诉样本", received_at=late
    )
    services.complaint_assign(by=network.manager.user, complaint=old, handler=network.cs_agent)
    login(client, network.cs_agent)
    response = client.get(DESK)
    assert response.status_code == 200
    assert response.context["counts"] == {"new": 1, "mine": 1, "breaching": 1, "open": 2}
    assert "新的" in response.content.decode() and "迟到的投诉样本" not in response.content.decode()
    breaching = client.get(DESK, {"tab": "breaching"}).content.decode()
    assert "迟到的投诉样本" in breaching and "data-overdue" in breaching


def test_an_agent_sees_his_centres_complaints_only(client, network, complaint, sc2_complaint):
    login(client, network.cs_agent)
    html = client.get(DESK, {"tab": "all"}).content.decode()
    assert f'data-complaint="{complaint.pk}"' in html
    assert f'data-complaint="{sc2_complaint.pk}"' not in html
    assert client.get(reverse("voice:complaint", args=[sc2_complaint.pk])).status_code == 404


def test_an_agent_of_a_central_call_centre_sees_every_centres_complaints(
    client, network, complaint, sc2_complaint
):
    VoicePolicy.objects.filter(pk=VoicePolicy.current().pk).update(central_customer_service=True)
    login(client, network.cs_agent)
    html = client.get(DESK, {"tab": "all"}).content.decode()
    assert f'data-complaint="{complaint.pk}"' in html and f'data-complaint="{sc2_complaint.pk}"' in html
    assert client.get(reverse("voice:complaint", args=[sc2_complaint.pk])).status_code == 200


def test_a_central_call_centre_does_not_widen_a_technicians_view(client, network, sc2_complaint):
    VoicePolicy.objects.filter(pk=VoicePolicy.current().pk).update(central_customer_service=True)
    login(client, network.tech)
    assert client.get(reverse("voice:complaint", args=[sc2_complaint.pk])).status_code == 404


def test_hr_sees_every_complaint(client, network, complaint, sc2_complaint):
    login(client, network.hr)
    html = client.get(DESK, {"tab": "all"}).content.decode()
    assert f'data-complaint="{complaint.pk}"' in html and f'data-complaint="{sc2_complaint.pk}"' in html


def test_a_technician_gets_404_for_the_desk_a_complaint_and_its_evidence(
    client, network, complaint, evidence
):
    login(client, network.tech)
    assert client.get(DESK).status_code == 404
    assert client.get(reverse("voice:complaint", args=[complaint.pk])).status_code == 404
    assert client.get(reverse("voice:attachment", args=[evidence.pk])).status_code == 404
    response = client.post(reverse("voice:complaint_step", args=[complaint.pk, "note"]), {"note": "x"})
    assert response.status_code == 404
    assert not complaint.events.filter(kind="note").exists()


def test_another_centres_agent_gets_404_for_the_evidence(client, network, evidence):
    other = EmployeeFactory(
        employee_no="CS9",
        position="cs_agent",
        org_unit=network.sc2,
        user=UserFactory(username="cs9", role="cs_agent"),
    )
    login(client, other)
    assert client.get(reverse("voice:attachment", args=[evidence.pk])).status_code == 404


def test_the_evidence_is_served_by_its_content_to_the_agent(client, network, evidence):
    login(client, network.cs_agent)
    response = client.get(evidence.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_the_desk_runs_a_fixed_number_of_queries(client, network, order, django_assert_max_num_queries):
    for n in range(30):
        c = services.complaint_register(by=network.cs_agent.user, work_order=order, summary=f"投诉{n}")
        services.complaint_assign(by=network.manager.user, complaint=c, handler=network.cs_agent)
    login(client, network.cs_agent)
    client.get(DESK)  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(DESK, {"tab": "mine"})
    assert len(response.context["page_obj"]) == 25


def test_the_complaint_page_runs_a_fixed_number_of_queries(
    client, network, complaint, django_assert_max_num_queries
):
    for n in range(10):
        services.complaint_note(by=network.cs_agent.user, complaint=complaint, note=f"记录{n}")
    login(client, network.manager)
    client.get(DESK)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("voice:complaint", args=[complaint.pk]))
    assert response.status_code == 200


def test_registering_from_a_work_order_prefills_the_order_and_its_people(client, network, order):
    login(client, network.cs_agent)
    response = client.get(reverse("voice:complaint_create"), {"work_order": order.pk})
    form = response.context["form"]
    assert form.initial["work_order"] == order.external_id
    assert form.initial["people"] == "T1, A1"


def test_the_work_order_page_links_to_the_registration(client, network, order):
    login(client, network.advisor)
    html = client.get(reverse("workorders:detail", args=[order.pk])).content.decode()
    assert f"{reverse('voice:complaint_create')}?work_order={order.pk}" in html


def test_registering_from_another_centres_order_is_404(client, network):
    other = WorkOrderFactory(service_center=network.sc2, technician=network.tech_sc2)
    login(client, network.cs_agent)
    assert client.get(reverse("voice:complaint_create"), {"work_order": other.pk}).status_code == 404


def test_the_form_registers_a_complaint(client, network, order):
    login(client, network.cs_agent)
    response = client.post(
        reverse("voice:complaint_create"),
        {
            "summary": "等待太久",
            "source": "phone",
            "severity": "high",
            "work_order": order.external_id,
            "people": "T1",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == reverse("voice:complaint", args=[complaint.pk])
    assert (complaint.summary, complaint.work_order, complaint.severity) == ("等待太久", order, "high")
    assert list(complaint.people.values_list("employee__employee_no", flat=True)) == ["T1"]


def test_the_form_refuses_an_unknown_employee_and_writes_nothing(client, network, settings):
    login(client, network.cs_agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("voice:complaint_create"), {"summary": "x", "source": "phone", "people": "T4, ZZ"}
    )
    assert response.status_code == 200
    assert "Unknown employee no.: T4, ZZ" in response.content.decode()
    assert not Complaint.objects.exists()


def test_an_agent_sees_no_decision_form_and_a_manager_does(client, network, complaint):
    services.complaint_assign(by=network.manager.user, complaint=complaint, handler=network.cs_agent)
    services.complaint_start(by=network.cs_agent.user, complaint=complaint)
    url = reverse("voice:complaint", args=[complaint.pk])
    login(client, network.cs_agent)
    assert 'data-step="determine"' not in client.get(url).content.decode()
    login(client, network.manager)
    assert 'data-step="determine"' in client.get(url).content.decode()


def test_the_steps_through_the_page(client, network, complaint):
    url = lambda step: reverse("voice:complaint_step", args=[complaint.pk, step])  # noqa: E731
    login(client, network.manager)
    assert client.post(url("assign"), {"handler": network.cs_agent.pk}).status_code == 302
    assert client.post(url("start")).status_code == 302
    response = client.post(
        url("determine"), {"responsible": [network.tech.pk], "others": "T2", "reason": "漏检"}
    )
    assert response.status_code == 302
    assert client.post(url("resolve"), {"resolution": "免费返修"}).status_code == 302
    assert client.post(url("close"), {"satisfied_after": "no"}).status_code == 302
    complaint.refresh_from_db()
    assert (complaint.state, complaint.satisfied_after) == ("closed", False)
    assert set(complaint.people.filter(responsible=True).values_list("employee__employee_no", flat=True)) == {
        "T1",
        "T2",
    }
    html = client.get(reverse("voice:complaint", args=[complaint.pk])).content.decode()
    assert "漏检" in html and "免费返修" in html and "data-responsible" in html


def test_a_decision_without_a_reason_shows_the_error_and_writes_nothing(client, network, complaint):
    services.complaint_assign(by=network.manager.user, complaint=complaint, handler=network.cs_agent)
    services.complaint_start(by=network.cs_agent.user, complaint=complaint)
    login(client, network.manager)
    response = client.post(
        reverse("voice:complaint_step", args=[complaint.pk, "not_valid"]), {"reason": "  "}
    )
    assert response.status_code == 422
    assert 'data-error-for="reason"' in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.state == "investigating" and complaint.valid


def test_a_step_in_the_wrong_state_says_so(client, network, complaint, settings):
    login(client, network.cs_agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("voice:complaint_step", args=[complaint.pk, "resolve"]), {"resolution": "x"}
    )
    assert response.status_code == 422
    assert "this step is not possible now" in response.content.decode()


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("invoice.pdf", EXE, content_type="application/pdf"),
        SimpleUploadedFile("big.pdf", PDF + b"0" * (30 * 1024 * 1024), content_type="application/pdf"),
    ],
    ids=["exe-renamed-pdf", "30-MB"],
)
def test_bad_evidence_is_refused_and_nothing_is_stored(client, network, complaint, upload):
    upload.seek(0)
    login(client, network.cs_agent)
    response = client.post(reverse("voice:complaint_step", args=[complaint.pk, "evidence"]), {"file": upload})
    assert response.status_code == 422
    assert 'data-error-for="file"' in response.content.decode()
    assert not VoiceAttachment.objects.exists()
    assert not ComplaintEvent.objects.filter(kind="evidence").exists()


def test_bad_evidence_is_refused_by_the_service_with_its_code(network, complaint):
    with pytest.raises(Exception) as excinfo:
        services.complaint_add_evidence(
            by=network.cs_agent.user, complaint=complaint, upload=SimpleUploadedFile("x.pdf", EXE)
        )
    assert excinfo.value.items()[0]["code"] == "complaint_bad_file"


def test_evidence_upload_through_the_page(client, network, complaint):
    login(client, network.cs_agent)
    response = client.post(
        reverse("voice:complaint_step", args=[complaint.pk, "evidence"]),
        {"file": SimpleUploadedFile("照片.pdf", PDF), "note": "维修单"},
    )
    assert response.status_code == 302
    attachment = VoiceAttachment.objects.get()
    assert attachment.name == "照片.pdf" and attachment.file.name.endswith(".pdf")
    assert "照片" not in attachment.file.name  # the server chose the stored name
    assert complaint.events.filter(kind="evidence").exists()


def test_the_nav_shows_complaints_to_agents_only(client, network):
    login(client, network.cs_agent)
    assert f'href="{DESK}"' in client.get(reverse("home")).content.decode()
    login(client, network.tech)
    assert f'href="{DESK}"' not in client.get(reverse("home")).content.decode()
