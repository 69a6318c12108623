"""The work-order sections of the home page lead somewhere: every count opens the list
behind it, each most-overdue row and each of a technician's cards opens that order, the
overdue time is short enough for a phone, and the desk roles see their centre's figures."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from servicescore.workorders.home import short_duration
from servicescore.workorders.models import PartsLine

from ..conftest import login
from ..factories import EmployeeFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
HOME = reverse("home")


def order(technician, centre, *, due_in_hours=4, state="dispatched", **fields):
    return WorkOrderFactory(
        service_center=centre,
        technician=technician,
        state=state,
        due_at=timezone.now() + datetime.timedelta(hours=due_in_hours),
        **fields,
    )


@pytest.fixture
def orders(network):
    return {
        "late": order(network.tech, network.sc1, due_in_hours=-3, external_id="WO-LATE"),
        "soon": order(network.tech, network.sc1, external_id="WO-SOON"),
        "late_done": order(
            network.tech,
            network.sc1,
            due_in_hours=-30,
            state="completed",
            completed_at=timezone.now() - datetime.timedelta(hours=1),
            external_id="WO-DONE-LATE",
        ),
        "colleague_late": order(network.tech_colleague, network.sc1, due_in_hours=-1, external_id="WO-COLL"),
        "other_centre": order(network.tech_sc2, network.sc2, due_in_hours=-7, external_id="WO-SC2"),
    }


def link(html, marker):
    """The href of the element carrying `marker` (e.g. data-link="overdue")."""
    found = re.search(rf'href="([^"]+)"[^>]*{re.escape(marker)}', html)
    assert found, marker
    return unescape(found[1])


def listed(client, url):
    return sorted(o.external_id for o in client.get(url).context["page_obj"])


def test_overdue_count_opens_the_list_of_exactly_those_orders(client, network, orders):
    login(client, network.manager)
    html = client.get(HOME).content.decode()
    # open past due only: the order completed late is not among them
    assert listed(client, link(html, 'data-link="overdue"')) == ["WO-COLL", "WO-LATE"]


def test_open_count_opens_the_list_of_open_orders(client, network, orders):
    login(client, network.manager)
    html = client.get(HOME).content.decode()
    assert listed(client, link(html, 'data-link="open"')) == ["WO-COLL", "WO-LATE", "WO-SOON"]


def test_state_rows_open_the_list_filtered_by_state(client, network, orders):
    login(client, network.manager)
    rows = {row["code"]: row for row in client.get(HOME).context["by_state"]}
    assert listed(client, rows["completed"]["url"]) == ["WO-DONE-LATE"]


def test_most_overdue_rows_link_to_their_orders(client, network, orders):
    login(client, network.manager)
    html = client.get(HOME).content.decode()
    assert f'href="{reverse("workorders:detail", args=[orders["late"].pk])}"' in html
    assert client.get(reverse("workorders:detail", args=[orders["late"].pk])).status_code == 200


def test_centre_counts_open_the_centres_lists(client, network, orders):
    login(client, network.regional_manager)
    centres = {row["service_center__code"]: row for row in client.get(HOME).context["centres"]}
    assert listed(client, centres["SC2"]["overdue_url"]) == ["WO-SC2"]
    assert listed(client, centres["SC1"]["open_url"]) == ["WO-COLL", "WO-LATE", "WO-SOON"]


def test_overdue_time_is_short_enough_for_a_phone(client, network, orders):
    login(client, network.manager)
    response = client.get(HOME)
    late = next(o for o in response.context["overdue_orders"] if o.external_id == "WO-LATE")
    assert late.overdue_by in ("2 h 59 min", "3 h")
    assert "hours," not in response.content.decode()


@pytest.mark.parametrize(
    "delta, text",
    [
        (datetime.timedelta(days=10, hours=3, minutes=5), "10 d 3 h"),
        (datetime.timedelta(days=2), "2 d"),
        (datetime.timedelta(hours=14, minutes=25), "14 h 25 min"),
        (datetime.timedelta(hours=1), "1 h"),
        (datetime.timedelta(minutes=8, seconds=30), "8 min"),
        (datetime.timedelta(seconds=-5), "0 min"),
    ],
)
def test_short_duration_keeps_two_units_at_most(delta, text):
    assert short_duration(delta) == text


def test_technicians_cards_are_links_to_his_orders_on_the_phone(client, network, orders):
    login(client, network.tech)
    html = client.get(HOME).content.decode()
    url = reverse("workorders:mine_detail", args=[orders["late"].pk])
    assert f'<a href="{url}" class="card card-link ss-order-card' in html
    assert link(html, 'data-link="open"') == reverse("workorders:mine")
    assert client.get(url).status_code == 200


def test_advisors_cards_open_the_desk_page(client, network, orders):
    orders["soon"].advisor = network.advisor
    orders["soon"].save()
    login(client, network.advisor)
    html = client.get(HOME).content.decode()
    assert f'href="{reverse("workorders:detail", args=[orders["soon"].pk])}"' in html


def test_technician_gets_no_link_to_a_colleagues_order(client, network, orders):
    login(client, network.tech)
    html = client.get(HOME).content.decode()
    assert str(orders["colleague_late"].pk) not in re.findall(r"/work-orders/mine/(\d+)/", html)
    assert (
        client.get(reverse("workorders:mine_detail", args=[orders["colleague_late"].pk])).status_code == 404
    )


def test_agent_without_work_orders_is_not_shown_an_empty_work_order_list(client, network):
    login(client, network.cs_agent)
    html = client.get(HOME).content.decode()
    assert "My open work orders" not in html


def desk_person(network, position, no):
    return EmployeeFactory(
        employee_no=no,
        name=f"员工{no}",
        position=position,
        org_unit=network.sc1,
        user=UserFactory(username=no.lower(), role=position),
    )


def test_warranty_clerk_sees_his_centres_warranty_orders(client, network, orders):
    clerk = desk_person(network, "warranty_clerk", "W1")
    order(network.tech, network.sc1, type="warranty")
    order(network.tech_other_team, network.sc1, type="warranty", state="closed")
    order(network.tech_sc2, network.sc2, type="warranty")  # another centre
    login(client, clerk)
    response = client.get(HOME)
    assert response.context["warranty"] == {"open": 1, "created": 2, "completed": 0}
    assert 'data-stat="warranty-open">1<' in response.content.decode()


def test_parts_manager_sees_the_parts_of_his_centre_this_month(client, network):
    parts = desk_person(network, "parts_manager", "P1")
    done = order(network.tech, network.sc1, state="completed", completed_at=timezone.now())
    elsewhere = order(network.tech_sc2, network.sc2, state="completed", completed_at=timezone.now())
    PartsLine.objects.create(
        work_order=done, part_no="F-1", name="滤芯", quantity=2, unit_price=Decimal("35.50")
    )
    PartsLine.objects.create(
        work_order=done, part_no="O-1", name="机油", quantity=1, unit_price=Decimal("100")
    )
    PartsLine.objects.create(
        work_order=elsewhere, part_no="O-1", name="机油", quantity=9, unit_price=Decimal("100")
    )
    login(client, parts)
    context = client.get(HOME).context
    assert context["parts"] == {"lines": 2, "orders": 1, "value": Decimal("171.00")}


def test_other_roles_see_no_centre_desk_figures(client, network, orders):
    login(client, network.dispatcher)
    assert "warranty" not in client.get(HOME).context
