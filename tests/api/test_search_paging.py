"""/api/work-orders?q=…: a search's pages are sorted as the matches are (COALESCE(x, x), as
the list page does) rather than by walking the whole table's index of the sort column, and
following next_cursor returns every match exactly once, in order."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicescore.workorders.models import WorkOrder

from ..factories import CustomerFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

SORTS = {"created": "created_at", "modified": "modified"}


@pytest.fixture
def matches(network):
    """Eight orders of customers named 王欣… (three share a creation time and a change time)
    and four of another customer, in one centre."""
    base = timezone.now() - datetime.timedelta(days=3)
    wang, wang_two, li = (CustomerFactory(name=name) for name in ("王欣", "王欣怡", "李雷"))
    for n in range(12):
        customer = li if n % 3 == 2 else (wang if n % 2 else wang_two)
        order = WorkOrderFactory(
            external_id=f"S{n:02d}",
            service_center=network.sc1,
            customer=customer,
            created_at=base + datetime.timedelta(minutes=min(n, 6)),
        )
        # A change time in another order than the creation time, with ties too.
        changed = base + datetime.timedelta(hours=(n * 5) % 7)
        WorkOrder.objects.filter(pk=order.pk).update(modified=changed)
    return WorkOrder.objects.filter(customer__name__startswith="王欣")


def pages(api, params, limit=3):
    seen, cursor = [], None
    for _page in range(20):
        body = api.get(
            "/api/work-orders", {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        )
        assert body.status_code == 200, body.content
        body = body.json()
        seen += [item["external_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


@pytest.mark.parametrize("sort", ["created", "-created", "modified", "-modified"])
def test_paging_through_a_search_returns_every_match_once_in_order(network, token_for, matches, sort):
    field = SORTS[sort.lstrip("-")]
    order = [f"-{field}", "-pk"] if sort.startswith("-") else [field, "pk"]
    expected = list(matches.order_by(*order).values_list("external_id", flat=True))
    assert len(expected) == 8
    assert pages(token_for(network.hr), {"q": "王欣", "sort": sort}) == expected


def test_a_search_page_is_sorted_as_its_matches_are_not_by_the_columns_index(network, token_for, matches):
    api = token_for(network.hr)
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/work-orders", {"q": "王欣", "limit": 3}).status_code == 200
    listing = [q["sql"] for q in queries.captured_queries if 'FROM "workorders_workorder"' in q["sql"]]
    assert listing and all("ORDER BY COALESCE(" in sql for sql in listing)


def test_the_unfiltered_list_keeps_the_plain_column_order_its_index_serves(network, token_for, matches):
    api = token_for(network.hr)
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/work-orders", {"limit": 3}).status_code == 200
    listing = [q["sql"] for q in queries.captured_queries if 'FROM "workorders_workorder"' in q["sql"]]
    assert listing and not any("COALESCE(" in sql for sql in listing)
