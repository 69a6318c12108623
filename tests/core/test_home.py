"""The home page per role: own open work orders, unit counts, or the company overview."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from servicescore.org.models import Certificate

from ..conftest import login
from ..factories import AssetFactory, CustomerFactory, WorkOrderFactory

PHONE = "13812345678"
MASKED = "138****5678"


def order_for(technician, centre, *, due_in_hours=4, state="dispatched", **fields):
    return WorkOrderFactory(
        service_center=centre,
        technician=technician,
        state=state,
        due_at=timezone.now() + datetime.timedelta(hours=due_in_hours),
        **fields,
    )


@pytest.fixture
def orders(network):
    customer = CustomerFactory(name="王先生", phone=PHONE)
    asset = AssetFactory(plate="沪A12345", model="Model Y", customer=customer)
    return {
        "mine": order_for(network.tech, network.sc1, customer=customer, asset=asset, external_id="WO-MINE"),
        "mine_overdue": order_for(network.tech, network.sc1, due_in_hours=-3, external_id="WO-LATE"),
        "mine_closed": order_for(network.tech, network.sc1, state="closed", external_id="WO-DONE"),
        "colleague": order_for(network.tech_colleague, network.sc1, due_in_hours=-1, external_id="WO-COLL"),
        "other_team": order_for(network.tech_other_team, network.sc1, due_in_hours=-5, external_id="WO-T12"),
        "other_centre": order_for(network.tech_sc2, network.sc2, due_in_hours=-7, external_id="WO-SC2"),
    }


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_technician_sees_only_own_open_orders_with_masked_phone(client, network, orders):
    login(client, network.tech)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.context["kind"] == "personal"
    shown = [o.external_id for o in response.context["my_open_orders"]]
    assert shown == ["WO-LATE", "WO-MINE"]  # soonest due first; closed and colleagues' left out
    assert MASKED in html and PHONE not in html
    assert "沪A12345" in html and "Model Y" in html
    overdue = {o.external_id: o.is_overdue for o in response.context["my_open_orders"]}
    assert overdue == {"WO-LATE": True, "WO-MINE": False}


def test_advisor_sees_full_phone_on_own_orders(client, network, orders):
    orders["mine"].advisor = network.advisor
    orders["mine"].save()
    login(client, network.advisor)
    html = client.get(reverse("home")).content.decode()
    assert PHONE in html


def test_foreman_sees_team_counts_and_most_overdue(client, network, orders):
    login(client, network.foreman)
    response = client.get(reverse("home"))
    ctx = response.context
    assert ctx["kind"] == "unit"
    assert ctx["open_count"] == 3  # T1's two open, T2's one
    assert ctx["overdue_count"] == 2
    assert [o.external_id for o in ctx["overdue_orders"]] == ["WO-LATE", "WO-COLL"]
    assert "WO-T12" not in response.content.decode()
    by_state = {row["code"]: row["count"] for row in ctx["by_state"]}
    assert by_state["dispatched"] == 3 and by_state["closed"] == 1
    assert "headcount" not in ctx


def test_service_manager_sees_the_centre(client, network, orders):
    login(client, network.manager)
    ctx = client.get(reverse("home")).context
    assert ctx["overdue_count"] == 3
    assert [o.external_id for o in ctx["overdue_orders"]] == ["WO-T12", "WO-LATE", "WO-COLL"]
    assert [row["service_center__code"] for row in ctx["centres"]] == ["SC1"]


def test_regional_manager_sees_both_centres(client, network, orders):
    login(client, network.regional_manager)
    ctx = client.get(reverse("home")).context
    assert ctx["overdue_count"] == 4
    assert ctx["overdue_orders"][0].external_id == "WO-SC2"
    assert {row["service_center__code"] for row in ctx["centres"]} == {"SC1", "SC2"}


def test_dispatcher_sees_the_service_centre_not_the_other(client, network, orders):
    login(client, network.dispatcher)
    ctx = client.get(reverse("home")).context
    assert ctx["kind"] == "unit"
    assert "WO-SC2" not in {o.external_id for o in ctx["overdue_orders"]}


@pytest.mark.parametrize("who", ["hr", "auditor"])
def test_company_roles_see_headcount_and_certificates(client, network, orders, who):
    today = timezone.localdate()
    Certificate.objects.create(
        employee=network.tech, cert_type="低压电工", valid_until=today - datetime.timedelta(days=1)
    )
    Certificate.objects.create(
        employee=network.tech, cert_type="高压电工", valid_until=today + datetime.timedelta(days=10)
    )
    Certificate.objects.create(
        employee=network.tech_sc2, cert_type="低压电工", valid_until=today + datetime.timedelta(days=300)
    )
    login(client, getattr(network, who))
    ctx = client.get(reverse("home")).context
    assert ctx["kind"] == "company"
    assert ctx["overdue_count"] == 4
    assert ctx["certificates"] == {"expired": 1, "expiring": 1}
    headcount = {row["code"]: row["count"] for row in ctx["headcount"]}
    assert headcount["technician"] == 4 and headcount["hr"] == 1


def test_account_without_employee_record_sees_a_hint(client, network):
    from ..factories import UserFactory

    login(client, UserFactory(username="loose", role="foreman"))
    response = client.get(reverse("home"))
    assert response.context["kind"] == "unlinked"


def _many_orders(network, n):
    customer = CustomerFactory()
    asset = AssetFactory(customer=customer)
    for i in range(n):
        order_for(network.tech, network.sc1, due_in_hours=i - n // 2, customer=customer, asset=asset)
        order_for(network.tech_sc2, network.sc2, due_in_hours=-i - 1)


# session + user, the employee record (scope), then the page's own reads.
# A unit role pays three lookups for its scope (units, people, orders they worked elsewhere).
# Everyone's "my score" card reads the employee, the scorecards and the imported figures
# (3: figures show even without a scorecard); the score panel of a lead, a manager or HR
# reads 8 more (tests/appraisal/test_home_panel.py counts it with data).
@pytest.mark.parametrize("who, queries", [("tech", 7), ("foreman", 21), ("regional_manager", 21), ("hr", 19)])
def test_home_query_count_does_not_grow_with_work_orders(
    client, network, django_assert_num_queries, who, queries
):
    person = getattr(network, who)
    login(client, person)
    _many_orders(network, 3)
    with django_assert_num_queries(queries):
        assert client.get(reverse("home")).status_code == 200
    _many_orders(network, 30)
    with django_assert_num_queries(queries):
        assert client.get(reverse("home")).status_code == 200


def nav_keys(response):
    return [item["key"] for item in response.context["nav_items"]]


def test_navigation_shows_only_what_the_role_can_open(client, network):
    login(client, network.tech)
    response = client.get(reverse("home"))
    assert nav_keys(response) == ["home", "mine", "work_orders", "people", "scores", "cycle_todo"]
    assert reverse("exchange:upload") not in response.content.decode()
    assert reverse("org:me") in response.content.decode()  # a technician's "people" is his own profile
    assert response.context["nav_active"] == "home"

    login(client, network.manager)
    assert nav_keys(client.get(reverse("home"))) == [
        "home",
        "work_orders",
        "board",
        "followups",
        "complaints",
        "praise",
        "people",
        "scores",
        "cycle_todo",
        "team_scores",
        "ratings",
        "voice_overview",
        "voice_reviews",
        "facts",
        "cycles",
        "templates",
        "import",
    ]

    network.hr.user.is_staff = True
    network.hr.user.save()
    login(client, network.hr)
    response = client.get(reverse("home"))
    assert nav_keys(response) == [
        "home",
        "work_orders",
        "complaints",
        "praise",
        "people",
        "scores",
        "cycle_todo",
        "team_scores",
        "ratings",
        "voice_overview",
        "voice_reviews",
        "facts",
        "cycles",
        "appeals",
        "templates",
        "import",
        "audit",
        "survey_templates",
        "voice_settings",
        "admin",
    ]
    html = response.content.decode()
    assert network.hr.user.username in html  # the account has no full name: its user name
    assert "人事" in html  # the role label, in Chinese by default


def test_home_page_has_logout_form_and_language_switch(client, network):
    login(client, network.tech)
    html = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("logout")}"' in html and 'method="post"' in html
    assert f'action="{reverse("set_language")}"' in html
    assert "退出登录" in html
    assert "https://" not in html  # nothing from a CDN


def test_language_switch_turns_the_page_english(client, network):
    login(client, network.tech)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response["Location"] == reverse("home")
    html = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in html and "Log out" in html and "My open work orders" in html
