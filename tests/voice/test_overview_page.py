"""The managers' customer-voice page (/voice/): the month's response rate, CSAT, average,
NPS and follow-up coverage per service centre and in total, the complaints open now by
age and past their deadline, the flagged responses to review — within the manager's scope,
in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.core.periods import company_zone
from servicescore.voice.models import Complaint, FollowUp, SurveyInvitation, SurveyResponse

from ..conftest import login
from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
URL = reverse("voice:overview")
MONTH = "2026-10"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


def october(day, hour=10):
    return datetime.datetime(2026, 10, day, hour, tzinfo=company_zone())


def hours_ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


def closed_order(centre, technician, *, closed_day=10, **fields):
    return WorkOrderFactory(
        service_center=centre, technician=technician, state="closed", closed_at=october(closed_day), **fields
    )


def surveyed(order, *, overall, nps=None, day=11, review="", answered=True):
    response = None
    if answered:
        response = SurveyResponse.objects.create(
            work_order=order, submitted_at=october(day), overall=overall, nps=nps, review=review
        )
    SurveyInvitation.objects.create(
        work_order=order, state="answered" if answered else "sent", sent_at=october(day, 8), response=response
    )
    return response


@pytest.fixture
def sc1_month(network):
    """SC1 in October: 4 invitations, 3 answered (5/10, 4/9, 2/3); 4 orders closed, 2 covered
    (a response and a reached call within 7 days), one answered too late, one call not reached."""
    orders = [closed_order(network.sc1, network.tech) for _n in range(4)]
    surveyed(orders[0], overall=5, nps=10)
    surveyed(orders[1], overall=4, nps=9, day=25)  # answered after the 7-day window
    surveyed(orders[2], overall=2, nps=3, day=20)  # also too late
    surveyed(orders[3], overall=5, answered=False)
    FollowUp.objects.create(work_order=orders[1], agent=network.cs_agent, called_at=october(12), reached=True)
    FollowUp.objects.create(
        work_order=orders[3], agent=network.cs_agent, called_at=october(12), reached=False
    )
    return orders


@pytest.fixture
def sc2_month(network):
    order = closed_order(network.sc2, network.tech_sc2)
    surveyed(order, overall=1, nps=0)
    Complaint.objects.create(
        work_order=order, summary="杭州投诉", received_at=hours_ago(3), due_at=hours_ago(-45)
    )
    return order


def overview(client, **params):
    response = client.get(URL, {"month": MONTH, **params})
    assert response.status_code == 200
    return response


def test_the_manager_sees_the_months_response_rate_csat_average_nps_and_coverage(client, network, sc1_month):
    login(client, network.manager)
    total = overview(client).context["total"]
    assert (total.sent, total.answered, total.response_rate) == (4, 3, 75.0)
    assert (total.responses, total.csat, total.average) == (3, 66.7, 3.67)
    assert total.nps == 33.3  # (2 promoters - 1 detractor) / 3
    assert (total.closed, total.covered, total.coverage) == (4, 2, 50.0)


def test_the_figures_are_shown_on_the_page_and_per_centre(client, network, sc1_month):
    login(client, network.manager)
    html = overview(client).content.decode()
    assert 'data-stat="response-rate">75.0%<' in html and 'data-stat="csat">66.7%<' in html
    assert '<tr data-centre="SC1">' in html and 'data-cell="coverage">50.0%<' in html


def test_a_response_excluded_after_review_is_not_counted(client, network, sc1_month):
    SurveyResponse.objects.filter(overall=2).update(review="excluded")
    login(client, network.manager)
    total = overview(client).context["total"]
    assert (total.responses, total.csat) == (2, 100.0)


def test_responses_on_a_cancelled_order_are_not_counted(client, network, sc1_month):
    order = closed_order(network.sc1, network.tech)
    surveyed(order, overall=1)
    order.state = "cancelled"
    order.save()
    login(client, network.manager)
    assert overview(client).context["total"].responses == 3


def test_another_month_shows_other_figures(client, network, sc1_month):
    login(client, network.manager)
    total = client.get(URL, {"month": "2026-09"}).context["total"]
    assert (total.sent, total.responses, total.closed) == (0, 0, 0)


def test_the_centre_manager_sees_nothing_of_another_centre(client, network, sc1_month, sc2_month):
    login(client, network.manager)
    response = overview(client)
    assert [row.centre.code for row in response.context["centres"]] == ["SC1"]
    assert response.context["total"].open_complaints == 0
    assert "杭州" not in response.content.decode()


def test_the_regional_manager_sees_each_centre_and_may_choose_one(client, network, sc1_month, sc2_month):
    login(client, network.regional_manager)
    assert [row.centre.code for row in overview(client).context["centres"]] == ["SC1", "SC2"]
    chosen = overview(client, unit=network.sc2.pk).context
    assert [row.centre.code for row in chosen["centres"]] == ["SC2"]
    assert (chosen["total"].responses, chosen["total"].csat) == (1, 0.0)


def test_a_team_chosen_counts_the_orders_its_people_led(client, network, sc1_month):
    closed_order(network.sc1, network.tech_other_team)
    login(client, network.manager)
    assert overview(client, unit=network.t11.pk).context["total"].closed == 4
    assert overview(client, unit=network.t12.pk).context["total"].closed == 1


def test_a_unit_out_of_scope_or_not_a_number_answers_404(client, network):
    login(client, network.manager)
    assert client.get(URL, {"unit": network.sc2.pk}).status_code == 404
    assert client.get(URL, {"unit": "abc"}).status_code == 404


@pytest.mark.parametrize("month", ["2026-13", "2026-Q4", "next"])
def test_a_malformed_month_answers_400_with_a_message(client, network, month):
    login(client, network.manager)
    response = client.get(URL, {"month": month})
    assert response.status_code == 400
    assert 'data-error="month"' in response.content.decode()


@pytest.mark.parametrize("who", ["tech", "advisor", "cs_agent", "dispatcher"])
def test_roles_without_the_overview_get_404(client, network, who):
    login(client, getattr(network, who))
    assert client.get(URL).status_code == 404


def test_the_foreman_sees_his_teams_figures(client, network, sc1_month):
    closed_order(network.sc1, network.tech_other_team)
    login(client, network.foreman)
    assert overview(client).context["total"].closed == 4


def test_open_complaints_are_counted_by_age_and_past_their_deadline(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    for hours, due in ((2, -46), (30, 18), (80, 32), (200, 152), (300, 252)):
        Complaint.objects.create(work_order=order, received_at=hours_ago(hours), due_at=hours_ago(due))
    Complaint.objects.create(
        work_order=order, received_at=hours_ago(5), state="resolved", resolved_at=hours_ago(1)
    )
    Complaint.objects.create(work_order=order, received_at=hours_ago(5), state="not_valid", valid=False)
    Complaint.objects.create(employee=network.tech, received_at=hours_ago(1), due_at=hours_ago(-47))
    login(client, network.manager)
    total = overview(client).context["total"]
    assert total.open_complaints == 6
    assert total.ages == {"day": 2, "two_days": 1, "week": 1, "older": 2}
    assert total.breaching == 4


def test_complaints_without_a_work_order_get_a_row_of_their_own(client, network):
    Complaint.objects.create(employee=network.tech, received_at=hours_ago(1), due_at=hours_ago(-47))
    login(client, network.manager)
    html = overview(client).content.decode()
    assert '<tr data-centre="none">' in html and "No work order" in html


def test_the_manager_sees_how_many_flagged_responses_wait_and_a_link_to_review_them(
    client, network, sc1_month
):
    SurveyResponse.objects.filter(overall=5).update(flags=["fast"], review="pending")
    login(client, network.manager)
    response = overview(client)
    assert response.context["pending_reviews"] == 1
    html = response.content.decode()
    assert 'data-link="reviews"' in html and 'href="/voice/reviews/"' in html


def test_the_foreman_sees_no_review_figure(client, network, sc1_month):
    login(client, network.foreman)
    assert 'data-link="reviews"' not in overview(client).content.decode()


def test_the_overview_takes_a_fixed_number_of_queries(
    client, network, sc1_month, django_assert_max_num_queries
):
    login(client, network.hr)
    with CaptureQueriesContext(connection) as captured:
        overview(client)
    baseline = len(captured.captured_queries)
    for centre, technician in ((network.sc1, network.tech_colleague), (network.sc2, network.tech_sc2)):
        for n in range(3):
            order = closed_order(centre, technician)
            surveyed(order, overall=n + 3, nps=n * 4)
            FollowUp.objects.create(
                work_order=order, agent=network.cs_agent, called_at=october(11), reached=True
            )
            Complaint.objects.create(work_order=order, received_at=hours_ago(n * 40), due_at=hours_ago(n))
    with django_assert_max_num_queries(baseline):
        response = overview(client)
    assert len(response.context["centres"]) == 2


def test_the_navigation_offers_the_page_to_managers_in_the_performance_menu(client, network):
    from servicescore.core.navigation import nav_items

    keys = {item["key"]: item for item in nav_items(network.manager.user)}
    assert keys["voice_overview"]["url"] == URL and keys["voice_overview"]["group"] == "performance"
    assert "voice_overview" not in {item["key"] for item in nav_items(network.tech.user)}


def test_the_manager_reaches_the_complaint_desk_from_the_open_complaints(client, network):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    Complaint.objects.create(work_order=order, received_at=hours_ago(60), due_at=hours_ago(12))
    login(client, network.manager)
    html = overview(client).content.decode()
    assert f'href="{reverse("voice:complaints")}?tab=open"' in html
    assert f'href="{reverse("voice:complaints")}?tab=breaching"' in html


def test_the_foreman_gets_the_figures_without_the_complaint_desk(client, network):
    login(client, network.foreman)
    assert 'data-link="complaint-desk"' not in overview(client).content.decode()
