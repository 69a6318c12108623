"""The link after an import of several work orders lists exactly the orders that import
created or changed (its audit entries, by the run's request id), within the user's scope."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicescore.core.audit import audit_context, audit_record, history_of
from servicescore.exchange.importer import run_import
from servicescore.exchange.links import imported_link
from servicescore.workorders.models import WorkOrder

from ..conftest import login
from ..factories import WorkOrderFactory
from .test_import_link import imported, link_of

HEADER = "external_id,service_center,type,created_at,technician,standard_hours,clocked_hours\n"
FIRST = HEADER + (
    "WEB-1,SC1,repair,2026/10/05 10:00,T1,1,1\n"
    "WEB-2,SC1,repair,2026/10/05 11:00,T1,1,1\n"
    "WEB-3,SC1,repair,2026/10/06 11:00,T1,1,1\n"
)
# WEB-1 unchanged, WEB-2 changes type, WEB-3 only its labour hours; WEB-4 and WEB-5 are new.
SECOND = HEADER + (
    "WEB-1,SC1,repair,2026/10/05 10:00,T1,1,1\n"
    "WEB-2,SC1,maintenance,2026/10/05 11:00,T1,1,1\n"
    "WEB-3,SC1,repair,2026/10/06 11:00,T1,2,2.5\n"
    "WEB-4,SC1,repair,2026/10/05 12:00,T1,,\n"
    "WEB-5,SC2,repair,2026/10/06 12:00,T4,,\n"
)


@pytest.fixture
def hr(client, network):
    login(client, network.hr)
    return client


def listed(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {order.external_id for order in response.context["page_obj"].object_list}


def test_the_link_of_an_import_names_its_run_and_nothing_else(hr):
    link = link_of(imported(hr, "work_orders", FIRST))
    query = parse_qs(urlsplit(link["url"]).query)
    assert list(query) == ["imported"]
    assert len(query["imported"][0]) >= 8


def test_the_link_of_the_second_import_lists_exactly_what_it_created_or_changed(hr, network):
    WorkOrderFactory(external_id="OLD-1", service_center=network.sc1)  # there before, same days
    first = link_of(imported(hr, "work_orders", FIRST))
    second = link_of(imported(hr, "work_orders", SECOND))
    assert listed(hr, second["url"]) == {"WEB-2", "WEB-3", "WEB-4", "WEB-5"}
    assert listed(hr, first["url"]) == {"WEB-1", "WEB-2", "WEB-3"}


def test_the_list_of_an_import_says_it_is_one_imports_orders(hr):
    link = link_of(imported(hr, "work_orders", FIRST))
    with_link = hr.get(link["url"]).content.decode()
    assert "data-import-run" in with_link
    assert 'type="hidden" name="imported"' in with_link
    assert "data-import-run" not in hr.get(reverse("workorders:list")).content.decode()


def test_a_manager_following_hrs_link_sees_only_his_centres_orders(hr, client, network):
    imported(hr, "work_orders", FIRST)
    link = link_of(imported(hr, "work_orders", SECOND))
    login(client, network.manager)
    assert listed(client, link["url"]) == {"WEB-2", "WEB-3", "WEB-4"}


def test_a_technician_following_the_link_sees_only_his_own_orders(hr, client, network):
    link = link_of(imported(hr, "work_orders", SECOND))
    login(client, network.tech_sc2)
    assert listed(client, link["url"]) == {"WEB-5"}


@pytest.mark.parametrize("run", ["0123456789abcdef0123456789abcdef", "x", "' OR 1=1 --", "a" * 200])
def test_an_unknown_or_malformed_run_lists_nothing(hr, run):
    imported(hr, "work_orders", FIRST)
    assert listed(hr, reverse("workorders:list") + "?" + f"imported={run}".replace(" ", "+")) == set()


def test_the_id_of_a_request_that_changed_an_order_on_a_page_lists_nothing(hr, network):
    imported(hr, "work_orders", FIRST)
    order = WorkOrder.objects.get(external_id="WEB-1")
    with audit_context(request_id="0123456789abcdef", channel="web"):
        audit_record(
            actor=network.hr.user, action="edit", obj=order, changes={"priority": ["normal", "high"]}
        )
    assert listed(hr, reverse("workorders:list") + "?imported=0123456789abcdef") == set()


def test_the_import_filter_costs_the_list_one_query(hr, django_assert_max_num_queries):
    link = link_of(imported(hr, "work_orders", SECOND))
    with CaptureQueriesContext(connection) as plain:
        hr.get(reverse("workorders:list"))  # all of them: the same five orders
    with django_assert_max_num_queries(len(plain.captured_queries) + 1):
        hr.get(link["url"])


def test_an_import_outside_a_request_links_to_its_creation_days(runner, network):
    path = runner.file("orders.csv", FIRST)
    report = run_import("work_orders", path, name="orders.csv", user=network.hr.user)
    query = parse_qs(urlsplit(imported_link(report)["url"]).query)
    assert query == {
        "created_from": ["2026-10-05"],
        "created_to": ["2026-10-06"],
        "service_center": [str(network.sc1.pk)],
    }


def test_an_import_replacing_labour_hours_writes_a_labour_entry_on_the_order(hr):
    imported(hr, "work_orders", FIRST)
    imported(hr, "work_orders", SECOND)
    entry = history_of(WorkOrder.objects.get(external_id="WEB-3")).first()
    assert (entry.action, entry.channel) == ("labour", "import")
    assert entry.changes == {"labour_line": ["T1: 1.00/1.00", "T1: 2.00/2.50"]}
