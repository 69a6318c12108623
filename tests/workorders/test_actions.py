"""The POST endpoints every work-order page uses: transitions, check-in with photos and
location, labour, parts, notes — with their bad input and the scope/role checks."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from servicescore.workorders import services
from servicescore.workorders.models import EventPhoto, LabourLine, LabourOperation, PartsLine, WorkOrder

from ..conftest import login
from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


def jpeg(name="photo.jpg", size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def flash(response):
    return [str(m) for m in response.wsgi_request._messages]


def post(client, order, action, data=None, **extra):
    return client.post(reverse("workorders:action", args=[order.pk, action]), data or {}, **extra)


@pytest.fixture
def dispatched(network):
    order = WorkOrderFactory(service_center=network.sc1)
    return services.assign(order, technician=network.tech, by=network.dispatcher.user)


def test_technician_accepts_checks_in_with_photo_and_location_and_completes(
    client, network, dispatched, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    login(client, network.tech)
    assert post(client, dispatched, "accept").status_code == 302
    response = post(
        client,
        dispatched,
        "start",
        {
            "latitude": "31.230416123456",
            "longitude": "121.473701",
            "note": "到店",
            "photos": [jpeg(), jpeg("b.jpg")],
        },
    )
    assert response.status_code == 302, flash(response)
    order = WorkOrder.objects.get(pk=dispatched.pk)
    assert order.state == "in_progress"
    event = order.events.get(action="start")
    assert (str(event.latitude), str(event.longitude)) == ("31.230416", "121.473701")
    assert event.photos.count() == 2
    photo = event.photos.first()
    assert client.get(reverse("workorders:photo", args=[photo.pk])).status_code == 200
    LabourOperation.objects.create(code="MNT01", name="常规保养", standard_hours=Decimal("1.5"))
    client.post(
        reverse("workorders:labour", args=[order.pk]),
        {"technician": network.tech.pk, "operation_code": "MNT01", "clocked_hours": "1.2"},
    )
    client.post(
        reverse("workorders:parts", args=[order.pk]),
        {"part_no": "P-1", "name": "滤芯", "quantity": "1", "unit_price": "88.00"},
    )
    assert post(client, order, "complete", {"resolution": "fixed"}).status_code == 302
    order.refresh_from_db()
    assert order.state == "completed" and order.resolution == "fixed"
    assert LabourLine.objects.get(work_order=order).standard_hours == 1.5
    assert PartsLine.objects.filter(work_order=order).count() == 1
    assert list(order.events.values_list("action", flat=True)) == [
        "dispatch",
        "accept",
        "start",
        "labour",
        "parts",
        "complete",
    ]


def test_transition_not_allowed_from_current_state_is_refused_with_message(client, network, dispatched):
    login(client, network.tech)
    response = post(client, dispatched, "complete", {"resolution": "fixed"})
    assert "Cannot complete work order" in " ".join(flash(response))
    assert WorkOrder.objects.get(pk=dispatched.pk).state == "dispatched"


def test_colleague_cannot_act_on_or_see_anothers_order(client, network, dispatched):
    login(client, network.tech_colleague)
    assert post(client, dispatched, "accept").status_code == 404
    assert client.get(reverse("workorders:detail", args=[dispatched.pk])).status_code == 404


def test_forged_id_is_404(client, network):
    login(client, network.dispatcher)
    assert post(client, WorkOrder(pk=999999), "accept").status_code == 404
    assert client.get(reverse("workorders:photo", args=[424242])).status_code == 404


def test_dispatcher_cannot_assign_technician_from_another_service_centre(client, network):
    order = WorkOrderFactory(service_center=network.sc1)
    login(client, network.dispatcher)
    response = post(client, order, "dispatch", {"technician": network.tech_sc2.pk})
    # T4 works at SC2, outside the dispatcher's scope: the form does not even offer him.
    assert WorkOrder.objects.get(pk=order.pk).state == "new"
    assert "Technician" in " ".join(flash(response))
    with pytest.raises(services.ValidationError, match="works at"):
        services.assign(order, technician=network.tech_sc2, by=network.dispatcher.user)


def test_second_dispatcher_sees_who_got_there_first(client, network):
    order = WorkOrderFactory(service_center=network.sc1)
    stale = order.version
    services.assign(order, technician=network.tech, by=network.manager.user)
    login(client, network.dispatcher)
    response = post(client, order, "dispatch", {"technician": network.tech_colleague.pk, "version": stale})
    text = " ".join(flash(response))
    assert "was changed by" in text and network.tech.name in text
    assert WorkOrder.objects.get(pk=order.pk).technician == network.tech


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg"), "is not a photo"),
        (SimpleUploadedFile("x.pdf", b"%PDF-1.4 hello", content_type="application/pdf"), "is not a photo"),
    ],
)
def test_check_in_refuses_a_file_that_is_not_an_image(client, network, dispatched, upload, message):
    services.accept(dispatched, by=network.tech.user)
    login(client, network.tech)
    response = post(client, dispatched, "start", {"photos": [upload]})
    assert message in " ".join(flash(response))
    assert WorkOrder.objects.get(pk=dispatched.pk).state == "accepted"
    assert not EventPhoto.objects.exists()


def test_check_in_refuses_a_photo_over_the_size_limit(client, network, dispatched, settings):
    settings.PHOTO_MAX_BYTES = 200
    services.accept(dispatched, by=network.tech.user)
    login(client, network.tech)
    response = post(client, dispatched, "start", {"photos": [jpeg(size=(400, 400))]})
    assert "a photo may be at most" in " ".join(flash(response))
    assert WorkOrder.objects.get(pk=dispatched.pk).state == "accepted"


@pytest.mark.parametrize(
    "lat, lon, message",
    [
        ("91", "121", "latitude must be between -90 and 90"),
        ("31", "-181", "longitude must be between -180 and 180"),
        ("abc", "121", "latitude must be a number"),
        ("31", "", "Give both latitude and longitude"),
    ],
)
def test_check_in_refuses_a_location_outside_valid_ranges(client, network, dispatched, lat, lon, message):
    services.accept(dispatched, by=network.tech.user)
    login(client, network.tech)
    response = post(client, dispatched, "start", {"latitude": lat, "longitude": lon})
    assert message in " ".join(flash(response))
    assert WorkOrder.objects.get(pk=dispatched.pk).state == "accepted"


def test_auditor_and_advisor_roles_cannot_do_technician_steps(client, network, dispatched):
    client.force_login(network.auditor)
    response = post(client, dispatched, "accept")
    assert "may not accept" in " ".join(flash(response))
    login(client, network.advisor)
    assert post(client, dispatched, "accept").status_code == 404  # not his order: out of scope


def test_parts_and_labour_bad_input_names_the_field(client, network, dispatched):
    services.accept(dispatched, by=network.tech.user)
    login(client, network.tech)
    response = client.post(
        reverse("workorders:parts", args=[dispatched.pk]),
        {"part_no": "P-1", "name": "x", "quantity": "0", "unit_price": "1"},
    )
    assert "Quantity must be more than 0" in " ".join(flash(response))
    response = client.post(
        reverse("workorders:labour", args=[dispatched.pk]),
        {"technician": network.tech.pk, "standard_hours": "-1", "clocked_hours": "1"},
    )
    assert "Standard hours" in " ".join(flash(response))
    assert not PartsLine.objects.exists() and not LabourLine.objects.exists()


def test_external_redirect_in_next_is_ignored(client, network, dispatched):
    login(client, network.tech)
    response = post(client, dispatched, "accept", {"next": "https://evil.example/"})
    assert response["Location"] == reverse("workorders:detail", args=[dispatched.pk])
