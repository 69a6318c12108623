"""A work order corrected in the admin leaves the same trace as one edited on its page: an
"edit" event listing old → new, and an audit entry."""

import pytest
from django.urls import reverse
from django.utils import timezone

from servicescore.core.audit import history_of
from servicescore.core.models import AuditEntry
from servicescore.workorders.models import PartsLine, WorkOrder

from ..conftest import login
from ..factories import WorkOrderFactory


@pytest.fixture
def hr(network):
    network.hr.user.is_staff = True
    network.hr.user.save()
    return network.hr.user


@pytest.fixture
def order(network):
    return WorkOrderFactory(
        external_id="WO-A1", service_center=network.sc1, technician=network.tech, priority="normal"
    )


def change_form(order, **overrides):
    created = timezone.localtime(order.created_at)
    data = {
        "external_id": order.external_id,
        "service_center": order.service_center_id,
        "type": order.type,
        "priority": order.priority,
        "created_at_0": created.strftime("%Y-%m-%d"),
        "created_at_1": created.strftime("%H:%M:%S"),
        "technician": order.technician_id or "",
        "difficulty": "1.0",
        "visits": "1",
        "labour_lines-TOTAL_FORMS": "0",
        "labour_lines-INITIAL_FORMS": "0",
        "parts_lines-TOTAL_FORMS": "0",
        "parts_lines-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def post(client, order, **overrides):
    return client.post(
        reverse("admin:workorders_workorder_change", args=[order.pk]), change_form(order, **overrides)
    )


def test_admin_edit_of_a_work_order_writes_an_edit_event(client, hr, order):
    login(client, hr)
    response = post(client, order, priority="urgent")
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = order.events.get(action="edit")
    assert event.actor == hr
    assert event.note == "priority: normal → urgent"


def test_admin_edit_of_a_work_order_writes_an_audit_entry_old_to_new(client, hr, order):
    login(client, hr)
    post(client, order, priority="urgent", description="客户要求加急")
    entry = history_of(order).get()
    assert (entry.action, entry.actor, entry.channel) == ("edit", hr, "admin")
    assert entry.changes["priority"] == ["normal", "urgent"]
    assert entry.changes["description"] == ["", "客户要求加急"]


def test_admin_save_without_changes_writes_nothing(client, hr, order):
    login(client, hr)
    post(client, order)
    assert not order.events.filter(action="edit").exists()
    assert not history_of(order).exists()


def test_parts_line_added_in_the_admin_is_audited_with_an_event(client, hr, order):
    login(client, hr)
    response = post(
        client,
        order,
        **{
            "parts_lines-TOTAL_FORMS": "1",
            "parts_lines-0-part_no": "P-100",
            "parts_lines-0-name": "刹车片",
            "parts_lines-0-quantity": "2",
            "parts_lines-0-unit_price": "150.00",
        },
    )
    assert response.status_code == 302
    line = PartsLine.objects.get(work_order=order)
    assert history_of(line).get().changes["part_no"] == [None, "P-100"]
    assert "P-100" in order.events.get(action="parts").note


def test_history_page_of_a_work_order_lists_the_audit_entries(client, hr, order):
    login(client, hr)
    post(client, order, priority="urgent")
    response = client.get(reverse("admin:workorders_workorder_history", args=[order.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Urgent" in html or "紧急" in html
    assert hr.username in html


def test_admin_created_work_order_is_audited(client, hr, network):
    login(client, hr)
    data = change_form(
        WorkOrder(
            external_id="WO-NEW",
            service_center=network.sc1,
            type="repair",
            priority="normal",
            created_at=network.sc1.created,
        )
    )
    data["technician"] = ""
    response = client.post(reverse("admin:workorders_workorder_add"), data)
    assert response.status_code == 302
    order = WorkOrder.objects.get(external_id="WO-NEW")
    assert AuditEntry.objects.filter(object_id=str(order.pk), action="create").exists()


def test_admin_comeback_cycle_is_refused_beside_the_form_not_with_an_error_page(client, hr, order):
    comeback = WorkOrderFactory(external_id="WO-A2", service_center=order.service_center, rework_of=order)
    login(client, hr)
    response = post(client, order, rework_of=comeback.pk)
    assert response.status_code == 200
    assert "comeback of itself" in str(response.context["adminform"].form.errors["rework_of"])
    order.refresh_from_db()
    assert order.rework_of is None
