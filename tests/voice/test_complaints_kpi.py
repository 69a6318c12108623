"""A complaint counts (COMPLAINT_RATE's numerator) for each responsible person once they are
determined; else for its explicit employee; else through the work order. One declared not
valid counts for nobody. A decision queues the recompute of the complaint's day, and the
incremental figures then equal a full recompute."""

import pytest

from servicescore.core.periods import parse_period
from servicescore.kpi.compute import compute_period
from servicescore.kpi.models import RecomputeRequest
from servicescore.org.models import Employee
from servicescore.voice.models import Complaint, ComplaintPerson
from servicescore.voice.services import complaints as services

from ..kpi.test_incremental import at, check_against_full, month, order  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def rate(employee_no, period="2026-10"):
    rows = compute_period(parse_period(period), Employee.objects.all())
    found = {(row.employee_no, row.indicator): row for row in rows}[employee_no, "COMPLAINT_RATE"]
    return found.numerator


@pytest.fixture
def october(network):
    network.o1 = order(network, network.tech, "10-05")  # T1 lead, A1 advisor
    order(network, network.tech_colleague, "10-06")
    return network


def decided(net, *, responsible, reason="查明"):
    complaint = services.complaint_register(
        by=net.cs_agent.user,
        work_order=net.o1,
        summary="x",
        received_at=at("10-07 09:00"),
        now=at("10-07 09:00"),
    )
    services.complaint_assign(by=net.manager.user, complaint=complaint, handler=net.cs_agent)
    services.complaint_start(by=net.cs_agent.user, complaint=complaint)
    if responsible is None:
        return services.complaint_not_valid(by=net.manager.user, complaint=complaint, reason=reason)
    if responsible:
        return services.complaint_determine(
            by=net.manager.user, complaint=complaint, responsible=responsible, reason=reason
        )
    return complaint


def test_an_undecided_complaint_counts_through_the_work_order(october):
    decided(october, responsible=[])
    assert (rate("T1"), rate("A1"), rate("T2")) == (1, 1, 0)


def test_a_decided_complaint_counts_for_each_responsible_person_only(october):
    decided(october, responsible=[october.tech_colleague, october.advisor])
    assert (rate("T1"), rate("A1"), rate("T2")) == (0, 1, 1)


def test_responsible_people_win_over_the_explicit_employee(october):
    complaint = decided(october, responsible=[october.tech_colleague])
    Complaint.objects.filter(pk=complaint.pk).update(employee=october.tech)
    assert (rate("T1"), rate("T2")) == (0, 1)


def test_a_complaint_not_valid_counts_for_nobody(october):
    decided(october, responsible=None)
    assert (rate("T1"), rate("A1"), rate("T2")) == (0, 0, 0)


def test_a_responsible_link_of_an_invalid_complaint_does_not_count(october):
    complaint = decided(october, responsible=[october.tech_colleague])
    Complaint.objects.filter(pk=complaint.pk).update(valid=False)
    assert ComplaintPerson.objects.filter(responsible=True).exists()
    assert rate("T2") == 0


def test_a_decision_queues_the_recompute_of_the_complaints_day(october, settings):
    complaint = decided(october, responsible=[])
    settings.KPI_AUTO_RECOMPUTE = True
    services.complaint_determine(
        by=october.manager.user, complaint=complaint, responsible=[october.tech_colleague], reason="r"
    )
    queued = set(RecomputeRequest.objects.values_list("group", "day"))
    assert ("complaints", at("10-07 09:00").date()) in queued


def test_decisions_recompute_incrementally_to_what_a_full_run_gives(month):  # noqa: F811
    net = month
    first = net.orders[0]
    complaint = {}

    def register():
        complaint["c"] = services.complaint_register(
            by=net.cs_agent.user,
            work_order=first,
            summary="x",
            received_at=at("10-22 09:00"),
            now=at("10-22 09:00"),
        )
        services.complaint_assign(by=net.manager.user, complaint=complaint["c"], handler=net.cs_agent)
        services.complaint_start(by=net.cs_agent.user, complaint=complaint["c"])

    net.change(register)
    net.change(
        lambda: services.complaint_determine(
            by=net.manager.user, complaint=complaint["c"], responsible=[net.tech_colleague], reason="r"
        )
    )
    check_against_full()
