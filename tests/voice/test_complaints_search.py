"""The complaint desk's search: a complaint is found by its number or external id, its work
order's number, the vehicle's plate in any spelling the work-order search accepts, the
customer's name or the last four digits of their phone — within the desk's scope (an
agent does not find another centre's complaint), every tab counted within the search."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.customers.models import Asset
from servicescore.voice.models import Complaint

from ..conftest import login
from ..factories import CustomerFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
URL = reverse("voice:complaints")


def complaint(network, centre, *, external_id, order_no, plate, name, phone):
    customer = CustomerFactory(name=name, phone=phone)
    asset = Asset.objects.create(
        external_id=f"LVIN{order_no}", kind="vehicle", plate=plate, customer=customer
    )
    order = WorkOrderFactory(
        external_id=order_no,
        service_center=centre,
        technician=network.tech,
        customer=customer,
        asset=asset,
        state="closed",
    )
    return Complaint.objects.create(
        external_id=external_id,
        summary=f"投诉 {order_no}",
        work_order=order,
        received_at=timezone.now() - datetime.timedelta(hours=3),
    )


@pytest.fixture
def world(network):
    return {
        "ours": complaint(
            network,
            network.sc1,
            external_id="TS-2026-0417",
            order_no="WO-SH-88001",
            plate="粤A·F00373",
            name="张伟",
            phone="13812345678",
        ),
        "other": complaint(
            network,
            network.sc1,
            external_id="TS-2026-0999",
            order_no="WO-SH-88002",
            plate="沪B·12345",
            name="李娜",
            phone="13900001111",
        ),
        # Another centre's complaint about the same car and customer name.
        "theirs": complaint(
            network,
            network.sc2,
            external_id="TS-2026-0418",
            order_no="WO-HZ-88003",
            plate="粤A·F00373X",
            name="张伟",
            phone="13700005678",
        ),
    }


def found(client, q, tab="all"):
    response = client.get(URL, {"q": q, "tab": tab})
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'data-complaint="(\d+)"', response.content.decode())}


@pytest.mark.parametrize(
    "q",
    [
        "TS-2026-0417",
        "ts-2026-0417",
        "WO-SH-88001",
        "wo-sh-88001",
        "粤A·F00373",
        "粤AF00373",
        "粤a f00373",
        "AF00373",
        "F00373",
        "5678",
    ],
)
def test_each_spelling_finds_the_complaint_and_not_another_centres(network, world, client, q):
    login(client, network.cs_agent)
    assert found(client, q) == {world["ours"].pk}


def test_the_customers_name_finds_the_complaint(network, world, client):
    login(client, network.cs_agent)
    assert found(client, "张伟") == {world["ours"].pk}


def test_the_complaints_number_finds_it(network, world, client):
    login(client, network.cs_agent)
    assert found(client, f"#{world['other'].pk}") == {world["other"].pk}


def test_a_manager_above_both_centres_finds_both(network, world, client):
    login(client, network.regional_manager)
    assert found(client, "张伟") == {world["ours"].pk, world["theirs"].pk}


def test_a_number_that_matches_nothing_lists_nothing(network, world, client):
    login(client, network.cs_agent)
    assert found(client, "WO-NOPE-1") == set()


def test_the_tab_counts_count_within_the_search(network, world, client):
    login(client, network.cs_agent)
    response = client.get(URL, {"q": "张伟"})
    assert response.context["counts"]["open"] == 1
    assert response.context["page_obj"].paginator.count == 1  # the "new" tab


def test_a_too_short_query_says_so_and_lists_nothing(network, world, client):
    login(client, network.cs_agent)
    with translation.override("en"):
        response = client.get(URL, {"q": "a", "tab": "all"}, headers={"accept-language": "en"})
    assert response.status_code == 200
    assert b"data-complaint=" not in response.content
    assert b"data-search-error" in response.content


def test_the_search_box_keeps_the_query_and_the_tab_links_keep_it(network, world, client):
    login(client, network.cs_agent)
    body = client.get(URL, {"q": "粤A F00373", "tab": "open"}).content.decode()
    assert 'value="粤A F00373"' in body
    assert "?tab=all&amp;q=%E7%B2%A4A+F00373" in body


def test_a_search_takes_a_fixed_number_of_queries(network, world, client, django_assert_max_num_queries):
    for n in range(10):
        complaint(
            network,
            network.sc1,
            external_id=f"TS-MORE-{n}",
            order_no=f"WO-MORE-{n}",
            plate=f"粤B·M000{n}",
            name="张伟",
            phone=f"1381111{n:04d}",
        )
    login(client, network.cs_agent)
    client.get(URL)  # the session and the settings
    with django_assert_max_num_queries(12):
        assert len(found(client, "WO-SH-88001")) == 1
    with django_assert_max_num_queries(12):
        assert len(found(client, "张伟")) == 11
