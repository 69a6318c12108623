"""The warranty clerk's home page shows his own warranty work: the warranty orders he is on
(as the one who opened them, their advisor, or in any other part the work-order scope
counts), each number a link to the work-order list filtered to exactly those orders. His
service centre's other orders are not his data (product.md, "Users and roles"): they are
neither counted nor listed, and guessing their ids gives 404."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.core.periods import day_start, local_today

from ..conftest import login
from ..factories import EmployeeFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
HOME = reverse("home")
NUMBERS = ["warranty-open", "warranty-overdue", "warranty-created", "warranty-completed", "warranty-last"]


def clerk_at(centre, no):
    return EmployeeFactory(
        employee_no=no,
        name=f"员工{no}",
        position="warranty_clerk",
        org_unit=centre,
        user=UserFactory(username=no.lower(), role="warranty_clerk"),
    )


@pytest.fixture
def clerk(network):
    return clerk_at(network.sc1, "W1")


@pytest.fixture
def moments():
    """Now, a moment earlier this month, and the last hour of last month (local time)."""
    now = timezone.now()
    month_start = day_start(local_today(now).replace(day=1))
    return {
        "this_month": month_start + (now - month_start) / 2,
        "last_month": month_start - datetime.timedelta(hours=1),
        "month_start": month_start,
        "now": now,
    }


def warranty(advisor, centre, external_id, *, state="dispatched", created_at, **fields):
    return WorkOrderFactory(
        external_id=external_id,
        type="warranty",
        service_center=centre,
        advisor=advisor,
        state=state,
        created_at=created_at,
        **fields,
    )


@pytest.fixture
def orders(network, clerk, moments):
    now, this_month, last_month = moments["now"], moments["this_month"], moments["last_month"]
    early = moments["month_start"] - datetime.timedelta(days=40)
    colleague = clerk_at(network.sc1, "W2")
    return [
        # his: open and overdue, opened last month
        warranty(
            clerk, network.sc1, "MY-LATE", created_at=last_month, due_at=now - datetime.timedelta(hours=2)
        ),
        # his: open, opened this month, due later
        warranty(
            clerk, network.sc1, "MY-OPEN", created_at=this_month, due_at=now + datetime.timedelta(days=1)
        ),
        # his: opened and completed this month
        warranty(
            clerk, network.sc1, "MY-DONE", state="completed", created_at=this_month, completed_at=this_month
        ),
        # his: completed in the last hour of last month
        warranty(clerk, network.sc1, "MY-LAST", state="closed", created_at=early, completed_at=last_month),
        # his, but no warranty order
        WorkOrderFactory(
            external_id="MY-REPAIR", service_center=network.sc1, advisor=clerk, state="dispatched"
        ),
        # a colleague's warranty orders at his centre, and another centre's
        warranty(colleague, network.sc1, "W2-OPEN", created_at=this_month),
        warranty(
            colleague,
            network.sc1,
            "W2-DONE",
            state="completed",
            created_at=this_month,
            completed_at=this_month,
        ),
        warranty(None, network.sc2, "SC2-OPEN", created_at=this_month, technician=network.tech_sc2),
    ]


def link(html, marker):
    found = re.search(rf'href="([^"]+)"[^>]*data-link="{marker}"', html)
    assert found, marker
    return unescape(found[1])


def number(html, marker):
    found = re.search(rf'data-number="{marker}">(\d+)<', html)
    assert found, marker
    return int(found[1])


def listed(client, url):
    page = client.get(url).context["page_obj"]
    return page.paginator.count, sorted(o.external_id for o in page)


def test_clerks_home_counts_only_his_own_warranty_orders(client, clerk, orders):
    login(client, clerk)
    assert client.get(HOME).context["warranty"] == {
        "open": 2,
        "overdue": 1,
        "created": 2,
        "completed": 1,
        "last_month": 1,
    }


@pytest.mark.parametrize(
    "marker, expected",
    [
        ("warranty-open", ["MY-LATE", "MY-OPEN"]),
        ("warranty-overdue", ["MY-LATE"]),
        ("warranty-created", ["MY-DONE", "MY-OPEN"]),
        ("warranty-completed", ["MY-DONE"]),
        ("warranty-last", ["MY-LAST"]),
    ],
)
def test_each_warranty_number_opens_the_list_of_exactly_the_orders_it_counts(
    client, clerk, orders, marker, expected
):
    login(client, clerk)
    html = client.get(HOME).content.decode()
    count, ids = listed(client, link(html, marker))
    assert ids == expected
    assert count == number(html, marker)


def test_all_my_warranty_orders_link_lists_his_warranty_orders_only(client, clerk, orders):
    login(client, clerk)
    html = client.get(HOME).content.decode()
    assert listed(client, link(html, "warranty-all")) == (4, ["MY-DONE", "MY-LAST", "MY-LATE", "MY-OPEN"])


def test_clerk_gets_404_for_a_colleagues_warranty_order_guessed_by_id(client, clerk, orders):
    login(client, clerk)
    theirs = next(o for o in orders if o.external_id == "W2-OPEN")
    mine = next(o for o in orders if o.external_id == "MY-OPEN")
    assert client.get(reverse("workorders:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("workorders:detail", args=[theirs.pk])).status_code == 404


def test_clerks_home_shows_no_unlinked_centre_figures(client, clerk, orders):
    login(client, clerk)
    html = client.get(HOME).content.decode()
    # every number of the section sits inside a link that opens its list
    section = html[html.index('data-section-kind="my-warranty"') :]
    section = section[: section.index("</section>")]
    assert len(re.findall(r'class="h1[^"]*"', section)) == len(NUMBERS)
    for marker in NUMBERS:
        assert re.search(
            rf'data-link="{marker}"><div class="card-body">[^<]*<div[^>]*>[^<]*</div>\s*<div class="h1',
            section,
        )
    assert "data-stat=" not in html


def test_clerk_on_no_warranty_order_sees_zeros_that_open_empty_lists(client, network, clerk):
    warranty(None, network.sc1, "SC1-OTHER", created_at=timezone.now(), technician=network.tech)
    login(client, clerk)
    html = client.get(HOME).content.decode()
    for marker in NUMBERS:
        assert number(html, marker) == 0
        assert listed(client, link(html, marker)) == (0, [])


def test_clerks_warranty_section_is_titled_in_the_users_language(client, clerk, orders):
    login(client, clerk)
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        assert "My warranty orders" in client.get(HOME).content.decode()


@pytest.mark.parametrize("role", ["tech", "advisor", "dispatcher", "manager"])
def test_other_roles_get_no_warranty_section(client, network, orders, role):
    login(client, getattr(network, role))
    assert "warranty" not in client.get(HOME).context


def test_clerks_home_takes_a_bounded_number_of_queries(
    client, network, clerk, orders, moments, django_assert_max_num_queries
):
    login(client, clerk)
    client.get(HOME)  # warm caches (session, translations)
    for i in range(30):
        warranty(clerk, network.sc1, f"MORE-{i}", created_at=moments["this_month"])
    with django_assert_max_num_queries(10):
        response = client.get(HOME)
    assert response.context["warranty"]["open"] == 32
