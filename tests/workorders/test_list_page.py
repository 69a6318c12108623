"""The work-order list (/work-orders/) and its Excel export: every filter, sorting, paging,
bad filter values, scope, masked phones and a query count that does not grow with the rows."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicescore.workorders import forms, views
from servicescore.workorders.models import WorkOrder

from ..conftest import login
from ..factories import AssetFactory, CustomerFactory, EmployeeFactory, UserFactory, WorkOrderFactory
from .exports import export_rows

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
LIST = reverse("workorders:list")


def listed(response) -> list[str]:
    """The external ids of the rows on the page, in order."""
    assert response.status_code == 200
    return re.findall(r'<tr data-order="([^"]+)"', response.content.decode())


def get_list(client, **params):
    return client.get(LIST, params)


def field_errors(response) -> dict:
    return response.context["form"].errors


@pytest.fixture
def orders(network):
    """A handful of orders at SC1 and one at SC2, each different in one respect."""
    now = timezone.now()
    customer = CustomerFactory(name="王先生", phone="13912345678")
    car = AssetFactory(external_id="LSVAU2180N2000001", plate="沪A12345", customer=customer)
    made = {
        "repair": WorkOrderFactory(
            external_id="WO-REPAIR",
            service_center=network.sc1,
            type="repair",
            priority="normal",
            technician=network.tech,
            advisor=network.advisor,
            customer=customer,
            asset=car,
            state="dispatched",
            due_at=now + datetime.timedelta(days=1),
        ),
        "urgent": WorkOrderFactory(
            external_id="WO-URGENT",
            service_center=network.sc1,
            type="maintenance",
            priority="urgent",
            technician=network.tech_colleague,
            state="in_progress",
            due_at=now - datetime.timedelta(hours=3),
        ),
        "done": WorkOrderFactory(
            external_id="WO-DONE",
            service_center=network.sc1,
            type="inspection",
            priority="low",
            technician=network.tech,
            state="completed",
            due_at=now - datetime.timedelta(days=1),
            completed_at=now - datetime.timedelta(hours=6),
        ),
        "sc2": WorkOrderFactory(
            external_id="WO-SC2",
            service_center=network.sc2,
            type="repair",
            technician=network.tech_sc2,
            state="new",
        ),
    }
    made["comeback"] = WorkOrderFactory(
        external_id="WO-COMEBACK",
        service_center=network.sc1,
        type="repair",
        rework_of=made["done"],
        state="new",
        advisor=network.advisor,
    )
    return made


def test_manager_sees_his_centres_orders_newest_first_and_not_another_centres(client, network, orders):
    login(client, network.manager)
    response = get_list(client)
    ids = listed(response)
    assert set(ids) == {"WO-REPAIR", "WO-URGENT", "WO-DONE", "WO-COMEBACK"}
    assert response.context["page_obj"].paginator.count == 4
    assert 'data-count="4"' in response.content.decode()


def test_technician_sees_only_his_own_orders(client, network, orders):
    login(client, network.tech)
    assert set(listed(get_list(client))) == {"WO-REPAIR", "WO-DONE"}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"state": "in_progress"}, {"WO-URGENT"}),
        ({"state": ["new", "completed"]}, {"WO-DONE", "WO-COMEBACK"}),
        ({"type": "maintenance"}, {"WO-URGENT"}),
        ({"type": ["inspection", "maintenance"]}, {"WO-URGENT", "WO-DONE"}),
        ({"priority": "urgent"}, {"WO-URGENT"}),
        ({"priority": ["low", "urgent"]}, {"WO-URGENT", "WO-DONE"}),
        ({"technician": "T1"}, {"WO-REPAIR", "WO-DONE"}),
        ({"advisor": "A1"}, {"WO-REPAIR", "WO-COMEBACK"}),
        ({"overdue": "yes"}, {"WO-URGENT", "WO-DONE"}),
        ({"overdue": "no"}, {"WO-REPAIR", "WO-COMEBACK"}),
        ({"comeback": "yes"}, {"WO-COMEBACK"}),
        ({"comeback": "no"}, {"WO-REPAIR", "WO-URGENT", "WO-DONE"}),
        ({"q": "wo-rep"}, {"WO-REPAIR"}),  # the start of the external id, any case
        ({"q": "LSVAU2180N2000001"}, {"WO-REPAIR"}),
        ({"q": "沪A12345"}, {"WO-REPAIR"}),
        ({"q": "  wo-urg "}, {"WO-URGENT"}),
    ],
)
def test_each_filter_narrows_the_list(client, network, orders, params, expected):
    login(client, network.manager)
    response = get_list(client, **params)
    assert set(listed(response)) == expected
    assert not field_errors(response)


def test_regional_manager_filters_by_service_centre(client, network, orders):
    login(client, network.regional_manager)
    assert set(listed(get_list(client))) == {"WO-REPAIR", "WO-URGENT", "WO-DONE", "WO-COMEBACK", "WO-SC2"}
    assert listed(get_list(client, service_center=network.sc2.pk)) == ["WO-SC2"]


def test_created_dates_are_whole_local_days(client, network):
    # 16:30 UTC on 31 October is 00:30 on 1 November in Shanghai.
    WorkOrderFactory(
        external_id="WO-NOV",
        service_center=network.sc1,
        created_at=datetime.datetime(2026, 10, 31, 16, 30, tzinfo=UTC),
    )
    WorkOrderFactory(
        external_id="WO-OCT",
        service_center=network.sc1,
        created_at=datetime.datetime(2026, 10, 31, 15, 59, tzinfo=UTC),
    )
    login(client, network.manager)
    assert listed(get_list(client, created_from="2026-11-01")) == ["WO-NOV"]
    assert listed(get_list(client, created_to="2026-10-31")) == ["WO-OCT"]
    assert listed(get_list(client, created_from="2026-10-31", created_to="2026-10-31")) == ["WO-OCT"]
    assert set(listed(get_list(client, created_from="2026-10-31", created_to="2026-11-01"))) == {
        "WO-NOV",
        "WO-OCT",
    }


def test_completed_dates_are_whole_local_days(client, network):
    created = datetime.datetime(2026, 10, 30, 1, 0, tzinfo=UTC)
    WorkOrderFactory(
        external_id="WO-LATE-EVENING",
        service_center=network.sc1,
        state="completed",
        created_at=created,
        completed_at=datetime.datetime(2026, 11, 30, 15, 59, tzinfo=UTC),
    )
    WorkOrderFactory(
        external_id="WO-NEXT-MORNING",
        service_center=network.sc1,
        state="completed",
        created_at=created,
        completed_at=datetime.datetime(2026, 11, 30, 16, 0, tzinfo=UTC),
    )
    WorkOrderFactory(external_id="WO-OPEN", service_center=network.sc1, created_at=created)
    login(client, network.manager)
    assert listed(get_list(client, completed_from="2026-11-30", completed_to="2026-11-30")) == [
        "WO-LATE-EVENING"
    ]
    assert listed(get_list(client, completed_from="2026-12-01")) == ["WO-NEXT-MORNING"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"state": "bogus"}, "state"),
        ({"type": "spaceship"}, "type"),
        ({"priority": "whenever"}, "priority"),
        ({"created_from": "31/10/2026"}, "created_from"),
        ({"completed_to": "2026-02-30"}, "completed_to"),
        ({"created_from": "0001-01-01"}, "created_from"),
        ({"created_to": "9999-12-31"}, "created_to"),
        ({"overdue": "maybe"}, "overdue"),
        ({"comeback": "1"}, "comeback"),
        ({"technician": "NOBODY"}, "technician"),
        ({"advisor": "T4"}, "advisor"),  # exists, but at SC2: outside the manager's scope
        ({"service_center": "abc"}, "service_center"),
        ({"sort": "salary"}, "sort"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_bad_filter_value_shows_a_field_error_and_is_ignored(client, network, orders, params, field):
    login(client, network.manager)
    response = get_list(client, **params)
    assert set(listed(response)) == {"WO-REPAIR", "WO-URGENT", "WO-DONE", "WO-COMEBACK"}
    assert list(field_errors(response)) == [field]
    assert f'data-error-for="{field}"' in response.content.decode()


def test_service_centre_outside_scope_is_refused_like_a_bad_value(client, network, orders):
    login(client, network.manager)
    response = get_list(client, service_center=network.sc2.pk)
    assert "service_center" in field_errors(response)
    assert "WO-SC2" not in listed(response)


def test_inverted_date_range_names_the_end_date_and_keeps_the_start(client, network, orders):
    login(client, network.manager)
    response = get_list(client, created_from="2026-11-02", created_to="2026-11-01")
    assert "is before the start date" in field_errors(response)["created_to"][0]
    assert response.context["form"].filters().created_from == datetime.date(2026, 11, 2)


def test_a_bad_value_does_not_drop_the_good_filters_beside_it(client, network, orders):
    login(client, network.manager)
    response = get_list(client, priority="urgent", created_from="yesterday")
    assert listed(response) == ["WO-URGENT"]
    assert list(field_errors(response)) == ["created_from"]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("id", ["WO-COMEBACK", "WO-DONE", "WO-REPAIR", "WO-URGENT"]),
        ("-id", ["WO-URGENT", "WO-REPAIR", "WO-DONE", "WO-COMEBACK"]),
    ],
)
def test_sorting_by_external_id(client, network, orders, sort, expected):
    login(client, network.manager)
    assert listed(get_list(client, sort=sort)) == expected


def test_sorting_by_priority_puts_urgent_first_and_low_last(client, network, orders):
    login(client, network.manager)
    ids = listed(get_list(client, sort="priority"))
    assert ids[0] == "WO-URGENT" and ids[-1] == "WO-DONE"
    assert listed(get_list(client, sort="-priority"))[0] == "WO-DONE"


def test_sorting_by_due_puts_the_most_overdue_first(client, network, orders):
    login(client, network.manager)
    assert listed(get_list(client, sort="due", state=["in_progress", "completed", "dispatched"])) == [
        "WO-DONE",
        "WO-URGENT",
        "WO-REPAIR",
    ]


def test_column_header_links_toggle_the_direction_and_keep_the_filters(client, network, orders):
    login(client, network.manager)
    response = get_list(client, state="new", sort="id", page="1")
    links = response.context["sorts"]
    assert links["id"]["direction"] == "asc"
    assert links["id"]["url"] == "?state=new&sort=-id"
    assert links["created"]["url"] == "?state=new&sort=-created"
    assert links["priority"]["url"] == "?state=new&sort=priority"
    assert 'data-sort-link="id"' in response.content.decode()


def test_paging_fifty_a_page_keeps_filters_and_forgives_bad_page_numbers(client, network):
    for n in range(120):
        WorkOrderFactory(external_id=f"WO-P{n:03d}", service_center=network.sc1, priority="high")
    WorkOrderFactory(external_id="WO-LOW", service_center=network.sc1, priority="low")
    login(client, network.manager)
    first = get_list(client, priority="high", sort="id")
    assert listed(first) == [f"WO-P{n:03d}" for n in range(50)]
    assert 'data-count="120"' in first.content.decode()
    assert 'href="?priority=high&amp;sort=id&amp;page=2"' in first.content.decode()
    third = get_list(client, priority="high", sort="id", page="3")
    assert listed(third) == [f"WO-P{n:03d}" for n in range(100, 120)]
    assert 'href="?priority=high&amp;sort=id&amp;page=2"' in third.content.decode()
    assert listed(get_list(client, priority="high", sort="id", page="abc"))[0] == "WO-P000"
    assert listed(get_list(client, priority="high", sort="id", page="999"))[0] == "WO-P100"
    assert listed(get_list(client, priority="high", sort="id", page="-1"))[0] == "WO-P100"


def test_phone_is_masked_for_a_technician_and_whole_for_an_advisor(client, network, orders):
    login(client, network.tech)
    page = get_list(client).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    login(client, network.advisor)
    page = get_list(client).content.decode()
    assert "13912345678" in page


def test_overdue_row_says_by_how_long(client, network, orders):
    login(client, network.manager)
    page = get_list(client, state="in_progress").content.decode()
    assert 'data-sla="overdue"' in page and "Overdue by 3\xa0hours" in page


def test_new_button_only_for_roles_that_open_orders_and_export_keeps_the_query(client, network, orders):
    login(client, network.advisor)
    page = get_list(client, priority="urgent").content.decode()
    assert 'data-action="create"' in page
    assert f'href="{reverse("workorders:export")}?priority=urgent"' in page
    login(client, network.tech)
    assert 'data-action="create"' not in get_list(client).content.decode()


def test_large_scope_asks_for_an_employee_no_instead_of_listing_everyone(
    client, network, orders, monkeypatch
):
    monkeypatch.setattr(forms, "LARGE_SCOPE", 3)
    client.force_login(network.hr.user)
    response = get_list(client, technician="T2")
    assert listed(response) == ["WO-URGENT"]
    page = response.content.decode()
    assert '<input type="text" name="technician" value="T2"' in page
    assert '<select name="technician"' not in page


def test_small_scope_offers_a_select_of_technicians(client, network, orders):
    login(client, network.manager)
    page = get_list(client).content.decode()
    assert '<select name="technician"' in page
    assert '<option value="T1">员工T1 (T1)</option>' in page
    assert "T4" not in re.search(r'<select name="technician".*?</select>', page, re.S).group(0)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _full_order(network, n):
    customer = CustomerFactory()
    return WorkOrderFactory(
        service_center=network.sc1,
        technician=network.tech,
        advisor=network.advisor,
        customer=customer,
        asset=AssetFactory(customer=customer),
        due_at=timezone.now() - datetime.timedelta(hours=n % 3),
    )


def test_list_queries_do_not_grow_with_the_rows(client, network, django_assert_max_num_queries):
    for n in range(3):
        _full_order(network, n)
    login(client, network.manager)
    url = f"{LIST}?state=new&overdue=any"
    baseline = _queries(client, url)
    for n in range(30):
        _full_order(network, n)
    with django_assert_max_num_queries(baseline):
        assert len(listed(client.get(url))) == 33
    assert _queries(client, url) == baseline


# --- export ---------------------------------------------------------------------------


def export(client, **params):
    return export_rows(client, **params)


def column(header, rows, name):
    index = header.index(name)
    return [row[index] for row in rows]


def test_export_holds_the_filtered_rows_with_the_extra_columns(client, network, orders):
    orders["done"].description, orders["done"].resolution = "更换滤芯", "fixed"
    orders["done"].closed_at = orders["done"].completed_at + datetime.timedelta(hours=1)
    orders["done"].save()
    login(client, network.manager)
    response, header, rows = export(client, type="inspection")
    assert response["Content-Disposition"] == (
        f'attachment; filename="work-orders-{timezone.localdate():%Y%m%d}.xlsx"'
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    for name in (
        "External id",
        "Type",
        "Priority",
        "State",
        "Service centre",
        "Technician",
        "Customer",
        "Customer phone",
        "Created",
        "Due",
        "SLA",
        "Completed",
        "Closed",
        "Description",
        "Resolution",
        "Difficulty coefficient",
    ):
        assert name in header
    assert column(header, rows, "External id") == ["WO-DONE"]
    row = dict(zip(header, rows[0], strict=True))
    assert row["Description"] == "更换滤芯" and row["Resolution"] == "Fixed"
    assert row["SLA"] == "Late" and row["Late by (hours)"] == pytest.approx(18, abs=0.01)
    assert row["Difficulty coefficient"] == 1
    local_completed = timezone.localtime(orders["done"].completed_at).replace(tzinfo=None, microsecond=0)
    assert row["Completed"] == local_completed


def test_technicians_export_holds_only_his_orders_with_masked_phones(client, network, orders):
    login(client, network.tech)
    _response, header, rows = export(client)
    assert set(column(header, rows, "External id")) == {"WO-REPAIR", "WO-DONE"}
    assert "139****5678" in column(header, rows, "Customer phone")


def test_managers_export_leaves_out_another_centre_and_shows_full_phones(client, network, orders):
    login(client, network.manager)
    _response, header, rows = export(client)
    ids = column(header, rows, "External id")
    assert "WO-SC2" not in ids and len(ids) == 4
    assert "13912345678" in column(header, rows, "Customer phone")


def test_export_with_a_bad_filter_ignores_it_instead_of_failing(client, network, orders):
    login(client, network.manager)
    _response, header, rows = export(client, state="bogus", created_from="nope")
    assert len(rows) == 4


def test_export_is_cut_at_the_limit_with_a_row_saying_so(client, network, orders, monkeypatch):
    monkeypatch.setattr(views, "EXPORT_LIMIT", 2)
    login(client, network.manager)
    _response, header, rows = export(client, sort="id")
    assert column(header, rows, "External id")[:2] == ["WO-COMEBACK", "WO-DONE"]
    assert len(rows) == 3 and rows[2][0].startswith("Cut at 2 rows")


def test_user_without_employee_record_sees_an_empty_list(client, network, orders):
    client.force_login(UserFactory(username="lonely", role="technician"))
    assert listed(get_list(client)) == []


def test_left_technician_still_filters_his_history(client, network, orders):
    network.tech.status = "left"
    network.tech.save()
    login(client, network.manager)
    assert set(listed(get_list(client, technician="T1"))) == {"WO-REPAIR", "WO-DONE"}


def test_anonymous_user_is_sent_to_log_in(client, network):
    assert client.get(LIST).status_code == 302
    assert client.get(reverse("workorders:export")).status_code == 302


def test_the_employee_input_switches_to_text_above_the_scope_limit(client, network, orders, monkeypatch):
    for n in range(5):
        EmployeeFactory(employee_no=f"X{n}", org_unit=network.t11)
    monkeypatch.setattr(forms, "LARGE_SCOPE", 12)
    login(client, network.manager)
    page = get_list(client).content.decode()
    assert '<input type="text" name="advisor"' in page
    assert WorkOrder.objects.count() == 5
