"""One audit trail: every service that changes a work order or its lines writes exactly one
audit entry on the order, in the same transaction — who, which action, old → new — and a
refused change writes no entry and nothing else. The detail page shows the entries to the
roles that read a record's history."""

import datetime
import io
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from servicescore.core.audit import history_of
from servicescore.core.models import AuditEntry
from servicescore.workorders import services
from servicescore.workorders.models import LabourLine, PartsLine, State, WorkOrder, WorkOrderEvent

from ..conftest import login
from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


@contextmanager
def new_entries():
    """The audit entries written inside the block, oldest first."""
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    written = []
    yield written
    written.extend(AuditEntry.objects.exclude(pk__in=before).order_by("id"))


def the_entry(written, order):
    """The one entry written, which must be on `order`."""
    assert len(written) == 1, [(e.action, e.object_repr) for e in written]
    entry = written[0]
    assert (entry.content_type.model, entry.object_id) == ("workorder", str(order.pk))
    return entry


def iso(moment) -> str:
    return moment.isoformat()


def jpeg(name="photo.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 120, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def order_in(network, state, **fields):
    """An order of T1's at SC1 in `state`, made without services (so without entries)."""
    now = timezone.now()
    stamps = {
        State.DISPATCHED: ["dispatched_at"],
        State.ACCEPTED: ["dispatched_at", "accepted_at"],
        State.IN_PROGRESS: ["dispatched_at", "accepted_at", "started_at"],
        State.COMPLETED: ["dispatched_at", "accepted_at", "started_at", "completed_at"],
    }.get(state, [])
    values = {name: now - datetime.timedelta(minutes=50 - 10 * i) for i, name in enumerate(stamps)}
    if state == State.COMPLETED:
        values["resolution"] = "fixed"
    technician = None if state == State.NEW else network.tech
    return WorkOrderFactory(
        service_center=network.sc1, state=state, technician=technician, **values, **fields
    )


# --- opening and editing ---------------------------------------------------------------------


def test_opening_a_work_order_writes_one_create_entry_with_its_values(network):
    named = services.CustomerAndAsset(customer_name="钱女士", customer_phone="13811112222")
    with new_entries() as written:
        order = services.open_work_order(
            by=network.advisor.user,
            customer_and_asset=named,
            service_center=network.sc1,
            type="repair",
            description="异响",
        )
    on_order = [entry for entry in written if entry.content_type.model == "workorder"]
    entry = the_entry(on_order, order)
    assert (entry.action, entry.actor) == ("create", network.advisor.user)
    assert entry.changes["state"] == [None, "new"]
    assert entry.changes["description"] == [None, "异响"]
    assert entry.changes["customer"] == [None, order.customer_id]
    assert entry.changes["advisor"] == [None, network.advisor.pk]
    assert "channel" not in entry.changes  # nothing given, nothing recorded


def test_opening_with_a_technician_is_one_entry_that_ends_dispatched(network):
    with new_entries() as written:
        order = services.open_work_order(
            by=network.dispatcher.user, service_center=network.sc1, type="repair", technician=network.tech
        )
    entry = the_entry(written, order)
    assert entry.action == "create"
    assert entry.changes["state"] == [None, "dispatched"]
    assert entry.changes["technician"] == [None, network.tech.pk]
    assert entry.changes["dispatcher"] == [None, network.dispatcher.pk]
    # the timeline keeps both steps
    assert list(order.events.values_list("action", flat=True).order_by("id")) == ["create", "dispatch"]


def test_an_order_entered_in_the_admin_writes_one_create_entry(network):
    with new_entries() as written:
        order = services.enter_work_order(
            by=network.hr.user, external_id="WO-ADMIN", service_center=network.sc2, type="repair"
        )
    entry = the_entry(written, order)
    assert (entry.action, entry.actor, entry.changes["external_id"]) == (
        "create",
        network.hr.user,
        [None, "WO-ADMIN"],
    )


def test_editing_writes_one_edit_entry_old_to_new_with_the_recomputed_deadline(network):
    order = order_in(network, State.NEW, priority="normal")
    old_due = order.due_at
    with new_entries() as written:
        services.update_work_order(order, by=network.advisor.user, priority="urgent", description="加急")
    order.refresh_from_db()
    entry = the_entry(written, order)
    assert (entry.action, entry.actor) == ("edit", network.advisor.user)
    assert entry.changes["priority"] == ["normal", "urgent"]
    assert entry.changes["description"] == ["", "加急"]
    assert entry.changes["due_at"] == [old_due and iso(old_due), iso(order.due_at)]
    assert "modified" not in entry.changes


def test_linking_a_customer_and_vehicle_on_edit_is_in_the_orders_entry(network):
    order = order_in(network, State.NEW)
    named = services.CustomerAndAsset(customer_name="孙先生", asset_external_id="LSVAU2180N2000077")
    with new_entries() as written:
        services.update_work_order(order, by=network.advisor.user, customer_and_asset=named)
    order.refresh_from_db()
    entry = the_entry([e for e in written if e.content_type.model == "workorder"], order)
    assert entry.changes["customer"] == [None, order.customer_id]
    assert entry.changes["asset"] == [None, order.asset_id]
    # the customer and the vehicle filed have their own entries
    assert {e.content_type.model for e in written} == {"workorder", "customer", "asset"}


def test_an_edit_that_changes_nothing_writes_no_entry(network):
    order = order_in(network, State.NEW, priority="normal")
    with new_entries() as written:
        services.update_work_order(order, by=network.advisor.user, priority="normal")
    assert written == []


def test_a_correction_in_the_admin_writes_one_edit_entry_with_its_reason(network):
    order = order_in(network, State.CLOSED)
    with new_entries() as written:
        services.correct_work_order(order, by=network.hr.user, reason="录入错误", visits=2)
    entry = the_entry(written, order)
    assert (entry.action, entry.reason, entry.changes) == ("edit", "录入错误", {"visits": [1, 2]})


# --- transitions ------------------------------------------------------------------------------


def test_dispatching_writes_one_entry_with_technician_dispatcher_and_state(network):
    order = order_in(network, State.NEW)
    with new_entries() as written:
        services.assign(order, technician=network.tech, by=network.dispatcher.user, note="上午到店")
    order.refresh_from_db()
    entry = the_entry(written, order)
    assert (entry.action, entry.actor, entry.reason) == ("dispatch", network.dispatcher.user, "上午到店")
    assert entry.changes["state"] == ["new", "dispatched"]
    assert entry.changes["technician"] == [None, network.tech.pk]
    assert entry.changes["dispatcher"] == [None, network.dispatcher.pk]
    assert entry.changes["dispatched_at"] == [None, iso(order.dispatched_at)]


def test_reassigning_writes_one_entry_from_one_technician_to_the_other(network):
    order = order_in(network, State.ACCEPTED)
    with new_entries() as written:
        services.assign(
            order, technician=network.tech_colleague, by=network.dispatcher.user, action="reassign"
        )
    entry = the_entry(written, order)
    assert entry.action == "reassign"
    assert entry.changes["technician"] == [network.tech.pk, network.tech_colleague.pk]
    assert entry.changes["state"] == ["accepted", "dispatched"]
    assert entry.changes["accepted_at"][1] is None


def test_accepting_writes_one_entry(network):
    order = order_in(network, State.DISPATCHED)
    with new_entries() as written:
        services.accept(order, by=network.tech.user)
    order.refresh_from_db()
    entry = the_entry(written, order)
    assert (entry.action, entry.actor) == ("accept", network.tech.user)
    assert entry.changes == {
        "state": ["dispatched", "accepted"],
        "accepted_at": [None, iso(order.accepted_at)],
    }


def test_checking_in_writes_one_entry_with_location_and_photos(network, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order = order_in(network, State.ACCEPTED)
    with new_entries() as written:
        services.check_in(order, by=network.tech.user, latitude="31.23", longitude="121.47", photos=[jpeg()])
    entry = the_entry(written, order)
    assert entry.action == "start"
    assert entry.changes["state"] == ["accepted", "in_progress"]
    assert entry.changes["location"] == [None, "31.230000, 121.470000"]
    stored = order.events.get(action="start").photos.get().image.name
    assert entry.changes["photos"] == [None, [stored]]


def test_completing_writes_one_entry_with_the_resolution(network):
    order = order_in(network, State.IN_PROGRESS)
    with new_entries() as written:
        services.complete(order, resolution="fixed", by=network.tech.user, note="更换刹车片")
    entry = the_entry(written, order)
    assert (entry.action, entry.reason) == ("complete", "更换刹车片")
    assert entry.changes["state"] == ["in_progress", "completed"]
    assert entry.changes["resolution"] == ["", "fixed"]


def test_closing_writes_one_entry(network):
    order = order_in(network, State.COMPLETED)
    with new_entries() as written:
        services.close(order, by=network.advisor.user)
    # Closing also queues the customer's survey and maybe a follow-up call (voice), each
    # audited on its own record: one entry is the order's.
    on_order = [e for e in written if (e.content_type.model, e.object_id) == ("workorder", str(order.pk))]
    entry = the_entry(on_order, order)
    assert (entry.action, entry.changes["state"]) == ("close", ["completed", "closed"])


def test_reopening_writes_one_entry_with_the_reason(network):
    order = order_in(network, State.COMPLETED)
    with new_entries() as written:
        services.reopen(order, reason="客户反映异响仍在", by=network.foreman.user)
    entry = the_entry(written, order)
    assert (entry.action, entry.reason) == ("reopen", "客户反映异响仍在")
    assert entry.changes["state"] == ["completed", "in_progress"]
    assert entry.changes["resolution"] == ["fixed", ""]


def test_cancelling_writes_one_entry_with_the_reason(network):
    order = order_in(network, State.NEW)
    with new_entries() as written:
        services.cancel(order, reason="客户取消", by=network.advisor.user)
    entry = the_entry(written, order)
    assert (entry.action, entry.reason) == ("cancel", "客户取消")
    assert entry.changes["state"] == ["new", "cancelled"]
    assert entry.changes["cancel_reason"] == ["", "客户取消"]


def test_an_action_by_name_writes_the_one_entry_of_its_service(network):
    order = order_in(network, State.DISPATCHED)
    with new_entries() as written:
        services.perform(order, "accept", by=network.tech.user)
    assert the_entry(written, order).action == "accept"


# --- lines and notes --------------------------------------------------------------------------


def test_recording_labour_writes_one_entry_with_the_line(network):
    order = order_in(network, State.IN_PROGRESS)
    with new_entries() as written:
        services.record_labour(
            order,
            technician=network.tech,
            standard_hours=Decimal("2"),
            clocked_hours=Decimal("2.5"),
            by=network.foreman.user,
        )
    entry = the_entry(written, order)
    assert (entry.action, entry.actor) == ("labour", network.foreman.user)
    assert entry.changes == {"labour_line": [None, "T1: 2.00/2.50"]}


def test_replacing_a_labour_line_records_its_old_and_new_hours(network):
    order = order_in(network, State.IN_PROGRESS)
    LabourLine.objects.create(work_order=order, technician=network.tech, standard_hours=2, clocked_hours=2.5)
    with new_entries() as written:
        services.record_labour(
            order,
            technician=network.tech,
            standard_hours=Decimal("3"),
            clocked_hours=Decimal("2.5"),
            by=network.foreman.user,
        )
    assert the_entry(written, order).changes == {"labour_line": ["T1: 2.00/2.50", "T1: 3.00/2.50"]}


def test_removing_a_labour_line_writes_one_entry(network):
    order = order_in(network, State.IN_PROGRESS)
    line = LabourLine.objects.create(
        work_order=order, technician=network.tech, standard_hours=1, clocked_hours=1
    )
    with new_entries() as written:
        services.remove_labour(order, line_id=line.pk, by=network.tech.user)
    assert the_entry(written, order).changes == {"labour_line": ["T1: 1.00/1.00", None]}


def test_labour_corrected_in_the_admin_writes_one_entry_in_any_state(network):
    order = order_in(network, State.CLOSED)
    with new_entries() as written:
        services.correct_labour(
            order,
            technician=network.tech,
            standard_hours=Decimal("1.5"),
            clocked_hours=Decimal("1"),
            by=network.hr.user,
        )
    entry = the_entry(written, order)
    assert (entry.action, entry.actor, entry.changes) == (
        "labour",
        network.hr.user,
        {"labour_line": [None, "T1: 1.50/1.00"]},
    )


def test_recording_a_part_writes_one_entry_with_the_line(network):
    order = order_in(network, State.IN_PROGRESS)
    with new_entries() as written:
        services.record_part(
            order, part_no="P-100", name="刹车片", quantity=2, unit_price=Decimal("150"), by=network.tech.user
        )
    entry = the_entry(written, order)
    assert (entry.action, entry.changes) == ("parts", {"parts_line": [None, "P-100 刹车片 × 2.00 @ 150.00"]})


def test_removing_a_part_writes_one_entry(network):
    order = order_in(network, State.IN_PROGRESS)
    line = PartsLine.objects.create(work_order=order, part_no="P-7", name="滤芯", quantity=1, unit_price=30)
    with new_entries() as written:
        services.remove_part(order, line_id=line.pk, by=network.tech.user)
    assert the_entry(written, order).changes == {"parts_line": ["P-7 滤芯 × 1.00 @ 30.00", None]}


def test_a_note_writes_one_entry_with_its_text(network):
    order = order_in(network, State.IN_PROGRESS)
    with new_entries() as written:
        services.add_note(order, note="  等待配件  ", by=network.advisor.user)
    entry = the_entry(written, order)
    assert (entry.action, entry.actor, entry.changes) == (
        "note",
        network.advisor.user,
        {"note": [None, "等待配件"]},
    )


# --- refusals write nothing -------------------------------------------------------------------


def _record(order):
    order = WorkOrder.objects.get(pk=order.pk)
    return (
        [getattr(order, f.attname) for f in WorkOrder._meta.concrete_fields],
        WorkOrderEvent.objects.count(),
        list(LabourLine.objects.values_list("pk", "standard_hours", "clocked_hours")),
        list(PartsLine.objects.values_list("pk", "quantity")),
        AuditEntry.objects.count(),
    )


REFUSALS = {
    # name: (state of the order, the call)
    "open at a centre the user is not at": (
        State.NEW,
        lambda n, o: services.open_work_order(by=n.advisor.user, service_center=n.sc2, type="repair"),
    ),
    "edit by a technician": (
        State.NEW,
        lambda n, o: services.update_work_order(o, by=n.tech.user, priority="urgent"),
    ),
    "edit of a closed order": (
        State.CLOSED,
        lambda n, o: services.update_work_order(o, by=n.advisor.user, priority="urgent"),
    ),
    "dispatch to another centre's technician": (
        State.NEW,
        lambda n, o: services.assign(o, technician=n.tech_sc2, by=n.dispatcher.user),
    ),
    "accept of a new order": (State.NEW, lambda n, o: services.accept(o, by=n.tech.user)),
    "check-in with half a location": (
        State.ACCEPTED,
        lambda n, o: services.check_in(o, by=n.tech.user, latitude="31.2"),
    ),
    "complete without resolution": (
        State.IN_PROGRESS,
        lambda n, o: services.complete(o, resolution="", by=n.tech.user),
    ),
    "close by a technician through perform": (
        State.COMPLETED,
        lambda n, o: services.perform(o, "close", by=n.tech.user),
    ),
    "reopen without a reason": (
        State.COMPLETED,
        lambda n, o: services.reopen(o, reason=" ", by=n.foreman.user),
    ),
    "cancel of a closed order": (
        State.CLOSED,
        lambda n, o: services.cancel(o, reason="x", by=n.advisor.user),
    ),
    "negative hours": (
        State.IN_PROGRESS,
        lambda n, o: services.record_labour(
            o, technician=n.tech, standard_hours=-1, clocked_hours=1, by=n.tech.user
        ),
    ),
    "labour by a colleague": (
        State.IN_PROGRESS,
        lambda n, o: services.record_labour(
            o, technician=n.tech_colleague, standard_hours=1, clocked_hours=1, by=n.tech_colleague.user
        ),
    ),
    "a part without a number": (
        State.IN_PROGRESS,
        lambda n, o: services.record_part(o, part_no="", name="x", quantity=1, unit_price=1, by=n.tech.user),
    ),
    "removing a line that is not there": (
        State.IN_PROGRESS,
        lambda n, o: services.remove_part(o, line_id=999999, by=n.tech.user),
    ),
    "an empty note": (State.IN_PROGRESS, lambda n, o: services.add_note(o, note=" ", by=n.tech.user)),
    "a stale version": (
        State.NEW,
        lambda n, o: services.update_work_order(o, by=n.advisor.user, version="stale", priority="urgent"),
    ),
}


@pytest.mark.parametrize("refusal", REFUSALS, ids=list(REFUSALS))
def test_a_refused_change_writes_no_entry_and_nothing_else(network, refusal):
    state, call = REFUSALS[refusal]
    order = order_in(network, state)
    LabourLine.objects.create(work_order=order, technician=network.tech, standard_hours=1, clocked_hours=1)
    PartsLine.objects.create(work_order=order, part_no="P-1", name="x", quantity=1, unit_price=1)
    before = _record(order)
    with pytest.raises(ValidationError):
        call(network, order)
    assert _record(order) == before


# --- the detail page ----------------------------------------------------------------------------


def detail(client, order):
    return client.get(reverse("workorders:detail", args=[order.pk]))


@pytest.fixture
def worked(network):
    """An order opened, dispatched, accepted and started through the services."""
    order = services.open_work_order(by=network.advisor.user, service_center=network.sc1, type="repair")
    services.assign(order, technician=network.tech, by=network.dispatcher.user)
    services.accept(order, by=network.tech.user)
    return services.check_in(order, by=network.tech.user)


def test_detail_page_shows_the_records_changes_to_a_service_manager(client, network, worked):
    services.record_labour(
        worked,
        technician=network.tech,
        standard_hours=Decimal("2"),
        clocked_hours=Decimal("2"),
        by=network.foreman.user,
    )
    login(client, network.manager)
    response = detail(client, worked)
    html = response.content.decode()
    assert "data-record-history" in html
    rows = response.context["record_changes"]
    assert [row.entry.action for row in rows] == ["labour", "start", "accept", "dispatch", "create"]
    assert rows[3].action == "Dispatched"
    assert ("Labour line (standard / clocked hours)", "—", "T1: 2.00/2.00") in [
        (change.label, change.old, change.new) for change in rows[0].changes
    ]
    assert "员工T1" in html  # the technician named, not his id


@pytest.mark.parametrize("who", ["tech", "advisor", "dispatcher"])
def test_roles_that_do_not_read_record_history_do_not_get_it(client, network, worked, who):
    login(client, getattr(network, who))
    response = detail(client, worked)
    assert response.status_code == 200
    assert response.context["record_changes"] is None
    assert "data-record-history" not in response.content.decode()


def test_detail_page_queries_do_not_grow_with_the_records_changes(client, network, worked):
    login(client, network.manager)
    url = reverse("workorders:detail", args=[worked.pk])
    client.get(url)  # warm the caches (content types, session)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for n in range(10):
        services.add_note(worked, note=f"note {n}", by=network.tech.user)
        services.record_part(
            worked, part_no=f"P{n}", name="x", quantity=1, unit_price=1, by=network.tech.user
        )
        services.update_work_order(worked, by=network.manager.user, description=f"v{n}")
    with CaptureQueriesContext(connection) as later:
        response = client.get(url)
    assert len(response.context["record_changes"]) == 34
    assert len(later) == len(first)


def test_an_action_on_the_page_is_recorded_with_the_web_channel_and_the_user(client, network):
    order = order_in(network, State.DISPATCHED)
    login(client, network.tech)
    client.post(reverse("workorders:action", args=[order.pk, "accept"]))
    entry = history_of(order).get()
    assert (entry.action, entry.actor, entry.channel) == ("accept", network.tech.user, "web")
