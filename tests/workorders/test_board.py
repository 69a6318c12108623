"""The dispatch board: who may open it, what it lists, and assigning a row with htmx (or
without JavaScript) — with the conflicts and refusals shown in the row itself."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicescore.org.models import EmployeeSkill, Skill
from servicescore.workorders import services
from servicescore.workorders.models import WorkOrder, WorkOrderEvent

from ..conftest import login
from ..factories import AssetFactory, CustomerFactory, EmployeeFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("workorders:board")


def board_url(centre=None):
    return BOARD if centre is None else f"{BOARD}?centre={centre.pk}"


def assign(client, order, technician=None, version=None, htmx=True):
    data = {
        "technician": "" if technician is None else technician.pk,
        "version": order.version if version is None else version,
    }
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("workorders:board_assign", args=[order.pk]), data, **extra)


def row_ids(html):
    return re.findall(r'id="board-order-\d+" data-order="([^"]+)"', html)


def load_of(html, employee):
    match = re.search(rf'data-technician="{employee.pk}" data-load="(\d+)" data-in-progress="(\d+)"', html)
    assert match, f"{employee.employee_no} is not on the board"
    return int(match[1]), int(match[2])


def flash(response):
    return [str(m) for m in response.wsgi_request._messages]


def order_at(centre, state="new", technician=None, due_in_hours=None, **fields):
    due = None if due_in_hours is None else timezone.now() + datetime.timedelta(hours=due_in_hours)
    return WorkOrderFactory(service_center=centre, state=state, technician=technician, due_at=due, **fields)


def test_board_lists_unassigned_first_then_overdue(client, network):
    order_at(network.sc1, "dispatched", network.tech, due_in_hours=5, external_id="DISPATCHED-ON-TIME")
    order_at(network.sc1, "accepted", network.tech, due_in_hours=-1, external_id="ACCEPTED-OVERDUE")
    order_at(network.sc1, "new", due_in_hours=5, external_id="NEW-ON-TIME")
    order_at(network.sc1, "new", due_in_hours=-3, external_id="NEW-OVERDUE")
    order_at(network.sc1, "in_progress", network.tech, external_id="STARTED")
    order_at(network.sc2, "new", external_id="OTHER-CENTRE")
    login(client, network.dispatcher)
    response = client.get(BOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert row_ids(html) == ["NEW-OVERDUE", "NEW-ON-TIME", "ACCEPTED-OVERDUE", "DISPATCHED-ON-TIME"]
    assert 'data-count="unassigned">2<' in html and 'data-count="overdue">2<' in html
    assert "Overdue by" in html and network.sc1.name in html


def test_board_shows_each_technicians_load_in_progress_and_skills(client, network):
    for state in ("dispatched", "accepted", "in_progress", "completed", "cancelled"):
        order_at(network.sc1, state, network.tech)
    order_at(network.sc2, "dispatched", network.tech)  # led elsewhere still weighs on him
    EmployeeSkill.objects.create(employee=network.tech, skill=Skill.objects.create(name="高压电池"), level=4)
    login(client, network.dispatcher)
    html = client.get(BOARD).content.decode()
    assert load_of(html, network.tech) == (4, 1)
    assert load_of(html, network.tech_colleague) == (0, 0)
    assert load_of(html, network.foreman) == (0, 0)
    assert "高压电池 · level 4" in html
    assert f'data-technician="{network.tech_sc2.pk}"' not in html
    assert f'data-technician="{network.advisor.pk}"' not in html


def test_board_page_loads_htmx_and_sends_the_csrf_token(client, network):
    order = order_at(network.sc1)
    login(client, network.dispatcher)
    html = client.get(BOARD).content.decode()
    assert "vendor/htmx.min.js" in html and "js/field.js" in html
    assert f'hx-post="{reverse("workorders:board_assign", args=[order.pk])}"' in html
    assert "X-CSRFToken" in html and "csrfmiddlewaretoken" in html
    assert f'name="version" value="{order.version}"' in html


def test_assign_with_htmx_returns_the_row_and_dispatches_the_order(client, network):
    order = order_at(network.sc1, due_in_hours=-1)
    login(client, network.dispatcher)
    response = assign(client, order, network.tech)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith(
        f'<div class="list-group-item ss-board-row ss-overdue"\n     id="board-order-{order.pk}"'
    )
    assert f"{order.external_id} assigned to {network.tech.name}." in html
    assert 'id="board-technicians" hx-swap-oob="true"' in html
    assert 'id="board-counts" class="d-flex flex-wrap gap-3 text-secondary mt-1" hx-swap-oob="true"' in html
    assert load_of(html, network.tech) == (1, 0)
    assert 'data-count="unassigned">0<' in html
    order.refresh_from_db()
    assert (order.state, order.technician, order.dispatcher) == (
        "dispatched",
        network.tech,
        network.dispatcher,
    )
    assert f'name="version" value="{order.version}"' in html  # the next assignment starts from here
    assert ">Reassign<" in html


def test_reassign_with_htmx_moves_the_order_to_another_technician(client, network):
    order = services.assign(order_at(network.sc1), technician=network.tech, by=network.dispatcher.user)
    services.accept(order, by=network.tech.user)
    order.refresh_from_db()
    login(client, network.manager)
    html = assign(client, order, network.tech_colleague).content.decode()
    order.refresh_from_db()
    assert (order.state, order.technician) == ("dispatched", network.tech_colleague)
    assert load_of(html, network.tech_colleague) == (1, 0) and load_of(html, network.tech) == (0, 0)


def test_second_assign_with_a_stale_version_names_the_first_technician_and_changes_nothing(client, network):
    order = order_at(network.sc1)
    stale = order.version
    services.assign(order, technician=network.tech, by=network.manager.user)
    events = WorkOrderEvent.objects.count()
    login(client, network.dispatcher)
    response = assign(client, order, network.tech_colleague, version=stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"was changed by {network.manager.name}" in html and f"assigned to {network.tech.name}" in html
    assert "data-row-error>" in html
    fresh = WorkOrder.objects.get(pk=order.pk)
    assert fresh.technician == network.tech and fresh.dispatcher == network.manager
    assert WorkOrderEvent.objects.count() == events
    # The row shows the fresh state and keeps the dispatcher's choice for a deliberate retry.
    assert f'name="version" value="{fresh.version}"' in html
    assert re.search(rf'value="{network.tech_colleague.pk}"[^>]* selected', html)
    assert "Dispatched" in html


def test_technician_from_another_centre_is_refused_with_a_message(client, network):
    order = order_at(network.sc1)
    login(client, network.dispatcher)
    html = assign(client, order, network.tech_sc2).content.decode()
    assert f"not one you can assign at {network.sc1.name}" in html
    assert network.tech_sc2.name not in html  # someone outside the scope is not named
    assert WorkOrder.objects.get(pk=order.pk).state == "new"


def test_regional_manager_sees_why_a_technician_of_another_centre_cannot_take_the_order(client, network):
    order = order_at(network.sc1)
    login(client, network.regional_manager)
    html = assign(client, order, network.tech_sc2).content.decode()
    assert f"works at {network.t21.name}, not at {network.sc1.name}" in html
    assert WorkOrder.objects.get(pk=order.pk).technician is None


@pytest.mark.parametrize("value", ["abc", "²", "99999999999999999999", "-1"])
def test_assign_with_a_forged_technician_value_is_refused_with_a_message(client, network, value):
    order = order_at(network.sc1)
    login(client, network.dispatcher)
    response = client.post(
        reverse("workorders:board_assign", args=[order.pk]),
        {"technician": value, "version": order.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "not one you can assign" in response.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).state == "new"


def test_assign_without_a_technician_asks_for_one(client, network):
    order = order_at(network.sc1)
    login(client, network.dispatcher)
    assert "Choose a technician to dispatch to." in assign(client, order).content.decode()
    assert WorkOrder.objects.get(pk=order.pk).state == "new"


def test_order_started_meanwhile_shows_its_state_and_no_assign_form(client, network):
    order = order_at(network.sc1, "in_progress", network.tech)
    login(client, network.dispatcher)
    html = assign(client, order, network.tech_colleague, version="").content.decode()
    assert f"Cannot reassign work order {order.external_id}: it is In progress." in html
    assert "data-assign-form" not in html
    assert WorkOrder.objects.get(pk=order.pk).technician == network.tech


def test_post_without_htmx_redirects_back_to_the_board_with_a_message(client, network):
    order = order_at(network.sc1)
    login(client, network.dispatcher)
    response = assign(client, order, network.tech, htmx=False)
    assert response.status_code == 302
    assert response["Location"] == f"{BOARD}?centre={network.sc1.pk}#board-order-{order.pk}"
    assert flash(response) == [f"{order.external_id} assigned to {network.tech.name}."]
    assert WorkOrder.objects.get(pk=order.pk).state == "dispatched"
    refused = assign(client, order_at(network.sc1), network.tech_sc2, htmx=False)
    assert refused.status_code == 302 and "not one you can assign" in " ".join(flash(refused))


def test_assign_needs_post(client, network):
    order = order_at(network.sc1)
    login(client, network.dispatcher)
    assert client.get(reverse("workorders:board_assign", args=[order.pk])).status_code == 405


@pytest.mark.parametrize("who", ["tech", "advisor", "cs_agent", "hr", "auditor"])
def test_roles_off_the_board_get_404(client, network, who):
    order = order_at(network.sc1, "dispatched", network.tech, advisor=network.advisor)
    login(client, getattr(network, who))
    assert client.get(BOARD).status_code == 404
    assert assign(client, order, network.tech_colleague).status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).technician == network.tech


def test_dispatcher_gets_404_for_a_centre_outside_the_scope(client, network):
    login(client, network.dispatcher)
    assert client.get(board_url(network.sc2)).status_code == 404
    assert client.get(f"{BOARD}?centre=abc").status_code == 404
    assert client.get(f"{BOARD}?centre={network.t11.pk}").status_code == 404  # a team, not a centre
    assert client.get(board_url(network.sc1)).status_code == 200


def test_dispatcher_cannot_assign_an_order_of_another_centre(client, network):
    order = order_at(network.sc2)
    login(client, network.dispatcher)
    assert assign(client, order, network.tech).status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).state == "new"


def test_regional_manager_switches_between_centres(client, network):
    order_at(network.sc2, external_id="HZ-1")
    login(client, network.regional_manager)
    html = client.get(BOARD).content.decode()
    assert 'data-board-centre="SC1"' in html  # the first centre by default
    assert f'<option value="{network.sc2.pk}">' in html and "data-auto-submit" in html
    html = client.get(board_url(network.sc2)).content.decode()
    assert 'data-board-centre="SC2"' in html and row_ids(html) == ["HZ-1"]
    assert f'data-technician="{network.tech_sc2.pk}"' in html


def test_foreman_opens_the_board_without_an_error(client, network):
    login(client, network.foreman)
    assert client.get(BOARD).status_code == 200


def populate(network, count, start):
    """`count` waiting orders (with customers and assets) and `count` skilled technicians."""
    skill = Skill.objects.get_or_create(name="诊断")[0]
    for n in range(start, start + count):
        technician = EmployeeFactory(employee_no=f"X{n}", org_unit=network.t12)
        EmployeeSkill.objects.create(employee=technician, skill=skill, level=1 + n % 5)
        customer = CustomerFactory()
        order_at(
            network.sc1,
            "new" if n % 2 else "dispatched",
            None if n % 2 else technician,
            due_in_hours=n % 3 - 1,
            customer=customer,
            asset=AssetFactory(customer=customer),
        )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_board_queries_do_not_grow_with_orders_and_technicians(
    client, network, django_assert_max_num_queries
):
    populate(network, 2, 0)
    login(client, network.dispatcher)
    few = count_queries(client, BOARD)
    populate(network, 30, 2)
    with django_assert_max_num_queries(few):
        html = client.get(BOARD).content.decode()
    assert len(row_ids(html)) == 32
    assert count_queries(client, BOARD) == few


def test_assign_queries_do_not_grow_with_the_board(client, network, django_assert_max_num_queries):
    populate(network, 2, 0)
    login(client, network.dispatcher)
    with CaptureQueriesContext(connection) as queries:
        assign(client, order_at(network.sc1), network.tech)
    populate(network, 30, 2)
    with django_assert_max_num_queries(len(queries)):
        assert assign(client, order_at(network.sc1), network.tech).status_code == 200


def test_foreman_dispatches_his_centres_new_orders_to_his_team(client, network):
    waiting = order_at(network.sc1)
    login(client, network.foreman)
    html = client.get(reverse("workorders:board")).content.decode()
    assert waiting.external_id in html and network.tech.name in html
    assert network.tech_other_team.name not in html  # not his team
    assign(client, waiting, network.tech)
    assert WorkOrder.objects.get(pk=waiting.pk).technician == network.tech
    other = order_at(network.sc1)
    assign(client, other, network.tech_other_team)
    assert WorkOrder.objects.get(pk=other.pk).state == "new"
