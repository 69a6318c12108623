"""The work-order sections of the home page lead somewhere: every count opens the list
behind it, each most-overdue row and each of a technician's cards opens that order, the
overdue time is short enough for a phone (the warranty clerk's own figures:
test_home_desk_clerk.py)."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from servicescore.workorders.home import short_duration

from ..conftest import login
from ..factories import WorkOrderFactory

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


def test_other_roles_see_no_warranty_desk_figures(client, network, orders):
    login(client, network.dispatcher)
    assert "warranty" not in client.get(HOME).context
