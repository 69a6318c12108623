"""The work-order detail page: fields, lines, the timeline with photos and locations, SLA,
comebacks, asset history, the action forms each role gets, scope and query counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicescore.workorders import services
from servicescore.workorders.models import EventPhoto, LabourLine, PartsLine, WorkOrderEvent

from ..conftest import login
from ..factories import AssetFactory, CustomerFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db


def detail(client, order):
    return client.get(reverse("workorders:detail", args=[order.pk]))


def page_of(client, order) -> str:
    response = detail(client, order)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def car(network):
    customer = CustomerFactory(name="李女士", phone="13700001111")
    return AssetFactory(external_id="LSVAU2180N2000002", model="ID.4", plate="沪B54321", customer=customer)


@pytest.fixture
def started(network, car):
    """An order of T1's, dispatched, accepted and checked in with a location and a photo."""
    order = WorkOrderFactory(
        external_id="WO-START",
        service_center=network.sc1,
        customer=car.customer,
        asset=car,
        advisor=network.advisor,
        description="异响 noise from the front axle",
        due_at=timezone.now() + datetime.timedelta(hours=5),
    )
    services.assign(order, technician=network.tech, by=network.dispatcher.user)
    services.accept(order, by=network.tech.user)
    services.check_in(
        order,
        by=network.tech.user,
        latitude=Decimal("31.230416"),
        longitude=Decimal("121.473701"),
        note="到店",
    )
    event = order.events.get(action="start")
    EventPhoto.objects.create(event=event, image="work-orders/2026/11/front.jpg")
    order.refresh_from_db()
    return order


def test_detail_shows_fields_customer_asset_and_timeline(client, network, started):
    login(client, network.manager)
    page = page_of(client, started)
    for text in (
        "WO-START",
        "异响 noise from the front axle",
        "上海浦东服务中心",
        "员工T1",
        "员工A1",
        "员工D1",
        "李女士",
        "13700001111",
        "LSVAU2180N2000002",
        "ID.4",
        "沪B54321",
    ):
        assert text in page, text
    timeline = re.search(r'data-list="timeline">(.*?)</ul>', page, re.S).group(1)
    assert [a for a in re.findall(r'data-event="(\w+)"', timeline)] == ["dispatch", "accept", "start"]
    assert "员工D1" in timeline and "Dispatched" in timeline and "New → Dispatched" in timeline
    assert "Accepted → In progress" in timeline and "到店" in timeline


def test_timeline_links_the_location_and_the_photo(client, network, started):
    login(client, network.tech)
    page = page_of(client, started)
    assert 'href="https://uri.amap.com/marker?position=121.473701,31.230416"' in page
    photo = EventPhoto.objects.get()
    assert f'href="{reverse("workorders:photo", args=[photo.pk])}"' in page
    assert f'<img src="{reverse("workorders:photo", args=[photo.pk])}"' in page


def test_actor_without_employee_record_is_shown_by_user_name(client, network, started):
    admin = UserFactory(username="ops-admin", role="admin")
    services.add_note(started, note="checked by ops", by=admin)
    login(client, network.manager)
    note = re.search(r'data-event="note">(.*?)</li>', page_of(client, started), re.S).group(1)
    assert "ops-admin" in note and "checked by ops" in note


def test_technician_cannot_open_colleagues_work_order(client, network, started):
    login(client, network.tech_colleague)
    assert detail(client, started).status_code == 404
    assert client.get(reverse("workorders:edit", args=[started.pk])).status_code == 404


def test_other_centres_manager_and_unknown_ids_get_404(client, network, started):
    sc2_order = WorkOrderFactory(service_center=network.sc2)
    login(client, network.manager)
    assert detail(client, sc2_order).status_code == 404
    assert client.get(reverse("workorders:detail", args=[987654])).status_code == 404


def test_phone_is_masked_for_the_technician_and_whole_for_the_advisor(client, network, started):
    login(client, network.tech)
    page = page_of(client, started)
    assert "137****1111" in page and "13700001111" not in page
    login(client, network.advisor)
    assert "13700001111" in page_of(client, started)


def test_technician_gets_labour_parts_note_and_complete_forms_on_his_order(client, network, started):
    LabourLine.objects.create(
        work_order=started,
        technician=network.tech,
        standard_hours=Decimal("1.50"),
        clocked_hours=Decimal("1.25"),
    )
    LabourLine.objects.create(
        work_order=started,
        technician=network.tech_colleague,
        standard_hours=Decimal("0.50"),
        clocked_hours=Decimal("1.00"),
    )
    PartsLine.objects.create(
        work_order=started, part_no="P-1", name="滤芯", quantity=Decimal("2"), unit_price=Decimal("44.50")
    )
    PartsLine.objects.create(
        work_order=started, part_no="P-2", name="机油", quantity=Decimal("1"), unit_price=Decimal("11.00")
    )
    login(client, network.tech)
    page = page_of(client, started)
    assert f'action="{reverse("workorders:labour", args=[started.pk])}"' in page
    assert f'action="{reverse("workorders:parts", args=[started.pk])}"' in page
    assert f'action="{reverse("workorders:note", args=[started.pk])}"' in page
    assert f'action="{reverse("workorders:action", args=[started.pk, "complete"])}"' in page
    assert 'name="resolution"' in page
    assert 'data-total="standard">2.00<' in page and 'data-total="clocked">2.25<' in page
    assert 'data-total="parts">100.00<' in page and ">89.00<" in page
    line = PartsLine.objects.get(part_no="P-1")
    assert f'action="{reverse("workorders:parts_delete", args=[started.pk, line.pk])}"' in page


def test_advisor_may_note_and_record_labour_but_not_take_technician_steps(client, network, started):
    login(client, network.advisor)
    page = page_of(client, started)
    assert f'action="{reverse("workorders:note", args=[started.pk])}"' in page
    # the advisor builds the order's labour with the customer (policy.LABOUR_DESK_ROLES)
    assert 'data-form="labour"' in page and 'data-form="parts"' not in page
    assert 'data-action-form="complete"' not in page
    assert 'data-action-form="cancel"' in page  # the desk may cancel an open order


def test_auditor_reads_everything_but_gets_no_forms(client, network, started):
    client.force_login(network.auditor)
    page = page_of(client, started)
    assert "WO-START" in page
    assert "data-action-form" not in page and 'data-form="note"' not in page
    assert 'data-action="edit"' not in page


def test_dispatcher_dispatches_new_order_to_technicians_of_its_centre_only(client, network):
    order = WorkOrderFactory(service_center=network.sc1)
    login(client, network.dispatcher)
    page = page_of(client, order)
    form = re.search(r'<form[^>]*data-action-form="dispatch".*?</form>', page, re.S).group(0)
    assert f'action="{reverse("workorders:action", args=[order.pk, "dispatch"])}"' in form
    assert f'name="version" value="{order.version}"' in form
    options = re.findall(r'<option value="(\d+)"', form)
    assert {int(o) for o in options} == {
        network.foreman.pk,
        network.tech.pk,
        network.tech_colleague.pk,
        network.tech_other_team.pk,
    }


def test_reassign_form_marks_the_current_technician(client, network, started):
    order = WorkOrderFactory(service_center=network.sc1)
    services.assign(order, technician=network.tech, by=network.dispatcher.user)
    login(client, network.dispatcher)
    form = re.search(r'<form[^>]*data-action-form="reassign".*?</form>', page_of(client, order), re.S).group(
        0
    )
    assert f'<option value="{network.tech.pk}" disabled>' in form


def test_check_in_form_takes_photos_and_a_location(client, network):
    order = WorkOrderFactory(service_center=network.sc1)
    services.assign(order, technician=network.tech, by=network.dispatcher.user)
    services.accept(order, by=network.tech.user)
    login(client, network.tech)
    page = page_of(client, order)
    form = re.search(r'<form[^>]*data-action-form="start".*?</form>', page, re.S).group(0)
    assert 'enctype="multipart/form-data"' in form and 'data-geolocate="auto"' in form
    assert '<input type="file" name="photos"' in form and 'accept="image/*" multiple' in form
    assert 'type="hidden" name="latitude"' in form and 'type="hidden" name="longitude"' in form
    assert "js/workorders.js" in page
    assert "<script>" not in page  # no inline scripts


def test_sla_shows_overdue_by_and_late_by(client, network):
    now = timezone.now()
    overdue = WorkOrderFactory(
        service_center=network.sc1, due_at=now - datetime.timedelta(hours=2, minutes=5)
    )
    late = WorkOrderFactory(
        service_center=network.sc1,
        state="completed",
        due_at=now - datetime.timedelta(days=2),
        completed_at=now - datetime.timedelta(days=1),
    )
    met = WorkOrderFactory(
        service_center=network.sc1,
        state="completed",
        due_at=now,
        completed_at=now - datetime.timedelta(hours=1),
    )
    login(client, network.manager)
    assert "Overdue by 2\xa0hours, 5\xa0minutes" in page_of(client, overdue)
    assert "Late by 1\xa0day" in page_of(client, late)
    assert 'data-sla="met"' in page_of(client, met)


def test_links_to_original_comebacks_and_asset_history(client, network, car):
    first = WorkOrderFactory(
        external_id="WO-FIRST",
        service_center=network.sc1,
        asset=car,
        created_at=timezone.now() - datetime.timedelta(days=30),
    )
    again = WorkOrderFactory(external_id="WO-AGAIN", service_center=network.sc1, asset=car, rework_of=first)
    WorkOrderFactory(external_id="WO-ELSEWHERE", service_center=network.sc2, asset=car)
    login(client, network.manager)
    page = page_of(client, again)
    assert f'href="{reverse("workorders:detail", args=[first.pk])}" data-original>WO-FIRST' in page
    history = re.search(r'id="asset-history".*?</ul>', page, re.S).group(0)
    assert "WO-FIRST" in history and "WO-ELSEWHERE" not in history
    page = page_of(client, first)
    assert 'data-comeback="WO-AGAIN"' in page


def _event(order, actor, n, with_photo=True):
    event = WorkOrderEvent.objects.create(
        work_order=order,
        action="note",
        from_state=order.state,
        to_state=order.state,
        actor=actor,
        at=timezone.now() + datetime.timedelta(seconds=n),
        note=f"note {n}",
        latitude=Decimal("31.2"),
        longitude=Decimal("121.4"),
    )
    if with_photo:
        EventPhoto.objects.create(event=event, image=f"work-orders/2026/11/{n}.jpg")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_detail_queries_do_not_grow_with_events_lines_and_history(
    client, network, started, car, django_assert_max_num_queries
):
    users = [network.tech.user, network.manager.user, network.auditor]
    login(client, network.manager)
    url = reverse("workorders:detail", args=[started.pk])
    baseline = _queries(client, url)
    for n in range(30):
        _event(started, users[n % 3], n)
        PartsLine.objects.create(work_order=started, part_no=f"P{n}", name="x", quantity=1, unit_price=1)
        WorkOrderFactory(
            service_center=network.sc1,
            asset=car,
            technician=network.tech,
            rework_of=started if n % 2 else None,
        )
    with django_assert_max_num_queries(baseline):
        page = client.get(url).content.decode()
    assert page.count('data-event="note"') == 30
    assert _queries(client, url) == baseline
