"""The technician's phone pages: today's list and one order with its next step."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from servicescore.core.periods import day_start, local_today
from servicescore.workorders import services
from servicescore.workorders.models import LabourOperation, WorkOrder

from ..conftest import login
from ..factories import AssetFactory, CustomerFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

MINE = reverse("workorders:mine")


def detail_url(order):
    return reverse("workorders:mine_detail", args=[order.pk])


def card_ids(html):
    return re.findall(r'class="card card-link ss-mine-card[^"]*"\s+data-order="([^"]+)"', html)


def led_by(technician, state, centre=None, due_in_hours=None, **fields):
    due = None if due_in_hours is None else timezone.now() + datetime.timedelta(hours=due_in_hours)
    return WorkOrderFactory(
        service_center=centre or technician.org_unit.parent,
        technician=technician,
        state=state,
        due_at=due,
        **fields,
    )


def jpeg(name="arrival.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_mine_lists_only_own_orders_in_progress_then_accepted_then_dispatched_and_done_today_last(
    client, network
):
    tech = network.tech
    led_by(tech, "dispatched", due_in_hours=1, external_id="DISPATCHED")
    led_by(tech, "accepted", due_in_hours=9, external_id="ACCEPTED")
    led_by(tech, "in_progress", due_in_hours=30, external_id="IN-PROGRESS")
    led_by(tech, "completed", external_id="DONE-TODAY", completed_at=timezone.now())
    led_by(
        tech,
        "closed",
        external_id="DONE-YESTERDAY",
        completed_at=day_start(local_today()) - datetime.timedelta(hours=1),
    )
    led_by(tech, "new", external_id="NOT-YET")
    led_by(network.tech_colleague, "in_progress", external_id="COLLEAGUES")
    login(client, tech)
    response = client.get(MINE)
    assert response.status_code == 200
    assert card_ids(response.content.decode()) == ["IN-PROGRESS", "ACCEPTED", "DISPATCHED", "DONE-TODAY"]


def test_mine_highlights_overdue_orders_and_links_each_card_to_its_phone_page(client, network):
    late = led_by(network.tech, "dispatched", due_in_hours=-2, external_id="LATE")
    on_time = led_by(network.tech, "dispatched", due_in_hours=20, external_id="ON-TIME")
    login(client, network.tech)
    html = client.get(MINE).content.decode()
    assert re.search(r'ss-mine-card ss-overdue"\s+data-order="LATE"', html)
    assert re.search(r'ss-mine-card"\s+data-order="ON-TIME"', html)
    assert f'href="{detail_url(late)}"' in html and f'href="{detail_url(on_time)}"' in html
    assert "Overdue by" in html


def test_foreman_sees_the_orders_he_leads(client, network):
    led_by(network.foreman, "accepted", centre=network.sc1, external_id="FOREMANS")
    led_by(network.tech, "accepted", external_id="TEAMS")
    login(client, network.foreman)
    assert card_ids(client.get(MINE).content.decode()) == ["FOREMANS"]


def test_user_without_employee_record_sees_an_empty_state(client, network):
    login(client, network.auditor)
    response = client.get(MINE)
    assert response.status_code == 200
    assert 'data-mine-empty="unlinked"' in response.content.decode()


def test_technician_with_nothing_to_do_sees_so(client, network):
    login(client, network.tech)
    html = client.get(MINE).content.decode()
    assert 'data-mine-empty="open"' in html and 'data-mine-empty="done"' in html


def test_colleagues_order_is_404_on_the_phone_page(client, network):
    colleagues = led_by(network.tech_colleague, "dispatched")
    elsewhere = led_by(network.tech_sc2, "dispatched")
    login(client, network.tech)
    assert client.get(detail_url(colleagues)).status_code == 404
    assert client.get(detail_url(elsewhere)).status_code == 404
    assert client.get(reverse("workorders:mine_detail", args=[999999])).status_code == 404


def test_phone_page_shows_what_the_technician_needs_with_the_phone_masked(client, network):
    customer = CustomerFactory(name="张先生", phone="13912345678")
    order = led_by(
        network.tech,
        "dispatched",
        due_in_hours=1,
        customer=customer,
        asset=AssetFactory(customer=customer, plate="沪A88888", model="Model 3"),
        description="右前轮异响",
    )
    login(client, network.tech)
    html = client.get(detail_url(order)).content.decode()
    assert "张先生" in html and "139****5678" in html and "13912345678" not in html
    assert "沪A88888 Model 3" in html and "右前轮异响" in html
    assert "Due in" in html


@pytest.mark.parametrize(
    "state, step, present",
    [
        ("dispatched", "accept", ["/action/accept/"]),
        (
            "accepted",
            "start",
            [
                "/action/start/",
                'accept="image/*" capture="environment" multiple',
                'data-field-geo="latitude"',
                "Location not available",
                'enctype="multipart/form-data"',
            ],
        ),
        ("in_progress", "work", ["/labour/", "/parts/", "/note/", "/action/complete/", 'name="resolution"']),
        ("completed", "done", ['data-next-step="done"']),
        ("new", "none", ["has not been dispatched yet"]),
    ],
)
def test_phone_page_shows_the_next_step_for_the_state(client, network, state, step, present):
    order = led_by(network.tech, state)
    login(client, network.tech)
    html = client.get(detail_url(order)).content.decode()
    assert f'data-step="{step}"' in html
    for text in present:
        assert text in html
    steps = {"accept": "/action/accept/", "start": "/action/start/", "work": "/action/complete/"}
    for other, url in steps.items():
        if other != step:
            assert url not in html
    assert f'name="next" value="{detail_url(order)}"' in html or step in ("done", "none")
    assert "js/field.js" in html and "htmx.min.js" not in html


def test_labour_form_records_the_technicians_own_hours(client, network):
    order = led_by(network.tech, "in_progress")
    login(client, network.tech)
    html = client.get(detail_url(order)).content.decode()
    assert f'name="technician" value="{network.tech.pk}"' in html
    LabourOperation.objects.create(code="MNT01", name="常规保养", standard_hours=2)
    response = client.post(
        reverse("workorders:labour", args=[order.pk]),
        {
            "technician": network.tech.pk,
            "operation_code": "MNT01",
            "clocked_hours": "1.5",
            "next": detail_url(order),
        },
    )
    assert response["Location"] == detail_url(order)
    html = client.get(detail_url(order)).content.decode()
    assert "My labour hours · 2.00 / 1.50 h" in html and 'value="1.50"' in html


def test_supervisor_viewing_an_order_gets_no_technician_button(client, network):
    order = led_by(network.tech, "dispatched")
    login(client, network.dispatcher)
    html = client.get(detail_url(order)).content.decode()
    assert 'data-step="none"' in html and "/action/accept/" not in html


def test_accept_then_check_in_from_the_phone_page_comes_back_to_it(client, network, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order = led_by(network.tech, "dispatched")
    login(client, network.tech)
    response = client.post(
        reverse("workorders:action", args=[order.pk, "accept"]), {"next": detail_url(order)}
    )
    assert response["Location"] == detail_url(order)
    response = client.post(
        reverse("workorders:action", args=[order.pk, "start"]),
        {"next": detail_url(order), "photos": [jpeg()], "latitude": "31.2304", "longitude": "121.4737"},
    )
    assert response["Location"] == detail_url(order)
    assert WorkOrder.objects.get(pk=order.pk).state == "in_progress"
    html = client.get(detail_url(order)).content.decode()
    photo = order.events.get(action="start").photos.get()
    assert f'<img src="{reverse("workorders:photo", args=[photo.pk])}"' in html
    assert "location recorded" in html
    assert re.search(r'data-event="start".*data-event="accept"', html, re.S)  # newest first


def test_timeline_shows_only_the_latest_events(client, network):
    order = led_by(network.tech, "in_progress")
    for n in range(12):
        services.add_note(order, note=f"note {n}", by=network.tech.user)
    login(client, network.tech)
    html = client.get(detail_url(order)).content.decode()
    assert "note 11" in html and "note 4" in html and "note 3" not in html
    assert "4 older events are on the full page." in html


def populate(technician, count):
    for n in range(count):
        customer = CustomerFactory()
        led_by(
            technician,
            ["dispatched", "accepted", "in_progress"][n % 3],
            due_in_hours=n % 3 - 1,
            customer=customer,
            asset=AssetFactory(customer=customer),
        )
        led_by(technician, "completed", completed_at=timezone.now(), customer=customer)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_mine_queries_do_not_grow_with_orders(client, network, django_assert_max_num_queries):
    populate(network.tech, 2)
    login(client, network.tech)
    few = count_queries(client, MINE)
    populate(network.tech, 30)
    with django_assert_max_num_queries(few):
        html = client.get(MINE).content.decode()
    assert len(card_ids(html)) == 64
    assert count_queries(client, MINE) == few


def test_phone_page_queries_do_not_grow_with_events_and_photos(client, network, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order = led_by(network.tech, "in_progress")
    services.add_note(order, note="first", photos=[jpeg()], by=network.tech.user)
    login(client, network.tech)
    few = count_queries(client, detail_url(order))
    for n in range(30):
        services.add_note(order, note=f"note {n}", photos=[jpeg(), jpeg("b.jpg")], by=network.tech.user)
    assert count_queries(client, detail_url(order)) == few
