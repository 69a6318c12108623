"""The score-relevant writes of kpi leave one audit entry each, in their transaction: a
recompute on its period's ComputedPeriod row (what it stored, before → after), and a fact
or a manual rating changed in the admin on that record."""

from decimal import Decimal

import pytest
from django.urls import reverse

from servicescore.core.models import AuditEntry
from servicescore.kpi.models import ComputedPeriod, ManualRating, MetricFact, RecomputeRequest
from servicescore.kpi.services import recompute as services

from ..conftest import login

pytestmark = pytest.mark.django_db


def entries(action):
    # Only this app's records: the audit trail is append-only, so a module-scoped fixture
    # elsewhere (the demo's build) may have left entries of other models behind.
    return list(AuditEntry.objects.filter(action=action, content_type__app_label="kpi"))


def fact(network, value="160"):
    return MetricFact.objects.create(
        indicator="AVAILABLE_HOURS", period="2026-10", value=Decimal(value), employee=network.tech
    )


@pytest.fixture
def staff_hr(network):
    user = network.hr.user
    user.is_staff = True
    user.save()
    return user


def test_a_recompute_writes_one_entry_on_its_period_with_what_it_stored(network):
    fact(network)
    summary = services.recompute_period("2026-10")
    [entry] = entries("recompute")
    period = ComputedPeriod.objects.get(period="2026-10")
    assert (entry.content_type.model_class(), entry.object_id) == (ComputedPeriod, str(period.pk))
    assert entry.changes["people"] == [None, summary["people"]]
    assert entry.changes["results"] == [None, summary["results"]] and summary["results"] > 0
    assert entry.changes["org_unit_results"] == [None, summary["org_unit_results"]]
    assert entry.actor is None


def test_a_second_recompute_of_the_period_says_what_moved(network):
    fact(network)
    services.recompute_period("2026-10")
    first = ComputedPeriod.objects.get().computed_at
    services.recompute_period("2026-10", people={network.tech.pk})
    latest = AuditEntry.objects.filter(action="recompute").order_by("-id").first()
    assert AuditEntry.objects.filter(action="recompute").count() == 2
    assert latest.changes["computed_at"][0] == first.isoformat()
    assert ComputedPeriod.objects.count() == 1


def test_draining_the_queue_writes_one_entry_per_period_recomputed(network):
    RecomputeRequest.objects.bulk_create(
        [RecomputeRequest(period="2026-10", group=""), RecomputeRequest(period="2026-11", group="")]
    )
    services.process_recompute_requests()
    assert sorted(e.object_repr for e in entries("recompute")) == ["2026-10", "2026-11"]


def test_a_recompute_that_finds_nothing_changed_writes_no_entry(network):
    services.recompute_period("2026-10")
    services.build_components("2026-10")  # queued by the full recompute, after its commit
    services.recompute_period("2026-10", people=set(), days={})
    assert len(entries("recompute")) == 1


def test_a_fact_changed_in_the_admin_is_audited_old_to_new(client, network, staff_hr):
    row = fact(network)
    login(client, staff_hr)
    response = client.post(
        reverse("admin:kpi_metricfact_change", args=[row.pk]),
        {"indicator": row.indicator, "period": row.period, "value": "150", "employee": network.tech.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    [entry] = entries("update")
    # Saving in the admin also makes the account that saved the fact's recorder.
    assert sorted(entry.changes) == ["recorded_by", "value"] and entry.actor == staff_hr
    assert [Decimal(value) for value in entry.changes["value"]] == [160, 150]


def test_a_manual_rating_added_in_the_admin_is_audited(client, network, staff_hr):
    login(client, staff_hr)
    response = client.post(
        reverse("admin:kpi_manualrating_add"),
        {
            "employee": network.tech.pk,
            "period": "2026-10",
            "indicator": "TEAMWORK",
            "reviewer": network.foreman.pk,
            "rating": "4",
            "comment": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rating = ManualRating.objects.get()
    [entry] = entries("create")
    assert entry.object_id == str(rating.pk) and entry.changes["rating"] == [None, 4]
