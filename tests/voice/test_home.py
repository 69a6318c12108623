"""The customer-service agent's home page: his follow-up queue (due today, overdue, retries
today, each a link to its list), his own follow-up calls this month with their reach rate
and CSAT, and the complaints he handles — never a colleague's; other roles see none of it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from servicescore.voice.models import Complaint, FollowUp, FollowUpTask

from ..conftest import login
from ..factories import EmployeeFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
HOME = reverse("home")


@pytest.fixture
def colleague(network):
    return EmployeeFactory(
        employee_no="CS2",
        position="cs_agent",
        org_unit=network.sc1,
        user=UserFactory(username="cs2", role="cs_agent"),
    )


@pytest.fixture
def calls(network, colleague):
    order = WorkOrderFactory(service_center=network.sc1, technician=network.tech, state="closed")
    now = timezone.now()
    rows = [
        (network.cs_agent, now, True, 5),
        (network.cs_agent, now, True, 4),
        (network.cs_agent, now, False, None),
        (network.cs_agent, now - datetime.timedelta(days=70), True, 1),  # an earlier month
        (colleague, now, True, 1),
    ]
    for n, (agent, at, reached, satisfied) in enumerate(rows):
        FollowUp.objects.create(
            external_id=f"FU{n}",
            work_order=order,
            agent=agent,
            called_at=at,
            reached=reached,
            satisfied=satisfied,
        )
    Complaint.objects.create(external_id="C1", received_at=now, handler=network.cs_agent)
    Complaint.objects.create(external_id="C2", received_at=now, handler=network.cs_agent, resolved_at=now)
    Complaint.objects.create(external_id="C3", received_at=now, handler=colleague)
    return rows


def test_agent_sees_his_calls_and_reach_rate_this_month(client, network, calls):
    login(client, network.cs_agent)
    response = client.get(HOME)
    assert response.context["calls"] == {"total": 3, "reached": 2, "reach_rate": 66.7, "satisfaction": 4.5}
    assert 'data-stat="reach-rate">66.7%<' in response.content.decode()


def test_agent_sees_the_complaints_he_handles(client, network, calls):
    login(client, network.cs_agent)
    assert client.get(HOME).context["complaints"] == {"open": 1, "received": 2, "resolved": 1}


def test_agent_without_calls_sees_no_rate(client, network, colleague):
    login(client, colleague)
    response = client.get(HOME)
    assert response.context["calls"]["reach_rate"] is None
    assert 'data-stat="reach-rate">—<' in response.content.decode()


@pytest.mark.parametrize("who", ["tech", "manager", "hr"])
def test_other_roles_get_no_call_figures(client, network, calls, who):
    login(client, getattr(network, who))
    assert "calls" not in client.get(HOME).context


@pytest.fixture
def queue(network):
    """Open tasks of the agent's centre: 2 overdue, 1 due later today or tomorrow, 1 retry
    today; and tasks that are not his: done, and of another centre."""
    now = timezone.now()
    hour = datetime.timedelta(hours=1)

    def task(centre=network.sc1, **fields):
        order = WorkOrderFactory(service_center=centre, state="closed", closed_at=now - 50 * hour)
        return FollowUpTask.objects.create(work_order=order, reason="sample", **fields)

    task(due_at=now - hour)
    task(due_at=now - 3 * hour)
    task(due_at=now - hour, attempts=1, next_try_at=now + datetime.timedelta(minutes=1))
    task(due_at=now - hour, state="done")
    task(centre=network.sc2, due_at=now - hour)
    return now


def test_agent_sees_his_queue_counts_with_links(client, network, queue):
    login(client, network.cs_agent)
    response = client.get(HOME)
    counts = {item["key"]: item["count"] for item in response.context["queue"]}
    assert counts == {"due": 0, "overdue": 2, "retries": 1}
    page = response.content.decode()
    assert 'href="/voice/follow-ups/?list=overdue"' in page
    assert 'data-stat="queue-overdue">2<' in page


def test_agent_sees_his_csat_this_month(client, network, calls):
    login(client, network.cs_agent)
    assert 'data-stat="csat">4.5/5<' in client.get(HOME).content.decode()


def test_agents_home_takes_a_fixed_number_of_queries(
    client, network, calls, queue, django_assert_max_num_queries
):
    login(client, network.cs_agent)
    client.get(HOME)
    # 13: the queue's scope asks whether agents work as a central call centre and reads
    # the centre's unit ids once (voice/scope_followups.py).
    with django_assert_max_num_queries(13):
        assert client.get(HOME).status_code == 200
