"""The importer audits the customer-voice records and the facts it writes: one entry per
record it creates or changes, old → new, in the import's own transaction; none for a row
that changes nothing."""

import pytest
from django.contrib.contenttypes.models import ContentType

from servicescore.core.audit import history_of
from servicescore.core.models import AuditEntry
from servicescore.kpi.models import MetricFact
from servicescore.voice.models import Complaint, FollowUp, SurveyResponse

from .conftest import FILES, FOLLOWUPS, METRIC_FACTS

VOICE_AND_FACTS = [
    ("survey_responses", SurveyResponse),
    ("followups", FollowUp),
    ("complaints", Complaint),
    ("metric_facts", MetricFact),
]


@pytest.fixture
def orders(runner):
    runner.load("org_units", "employees", "work_orders")
    return runner


def entries(model):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))


@pytest.mark.parametrize("kind, model", VOICE_AND_FACTS)
def test_each_record_an_import_creates_has_one_create_entry(orders, kind, model):
    orders.load(kind)
    assert model.objects.exists()
    for record in model.objects.all():
        entry = history_of(record).get()
        assert (entry.action, entry.channel, entry.reason) == ("create", "import", f"{kind}.csv")


@pytest.mark.parametrize("kind, model", VOICE_AND_FACTS)
def test_importing_the_same_file_again_writes_no_entry(orders, kind, model):
    orders.load(kind)
    before = entries(model).count()
    orders.load(kind)
    assert entries(model).count() == before


@pytest.mark.parametrize("kind, model", VOICE_AND_FACTS)
def test_a_dry_run_writes_no_entry(orders, kind, model):
    code, report = orders.run(kind, orders.file(f"{kind}.csv", FILES[kind]), "--dry-run")
    assert code == 0 and report["created"] > 0, report
    assert not entries(model).exists()


def test_a_created_survey_response_records_its_values_and_references(orders):
    orders.load("survey_responses")
    response = SurveyResponse.objects.get(external_id="S-1")
    changes = history_of(response).get().changes
    assert changes["overall"] == [None, 5] and changes["comment"] == [None, "师傅很专业"]
    assert changes["work_order"] == [None, response.work_order_id]
    assert changes["submitted_at"][1].startswith("2026-10-02T04:00:00")


def test_a_changed_follow_up_has_one_update_entry_with_old_and_new(orders):
    orders.load("followups")
    orders.run("followups", orders.file("again.csv", FOLLOWUPS.replace(",5,满意", ",4,还行")))
    changed = FollowUp.objects.get(external_id="F-1")
    update = history_of(changed).filter(action="update").get()
    assert update.changes == {"satisfied": [5, 4], "note": ["满意", "还行"]}
    assert update.reason == "again.csv"
    assert not history_of(FollowUp.objects.get(external_id="F-2")).filter(action="update").exists()


def test_a_changed_fact_has_one_update_entry_with_old_and_new_value(orders):
    orders.load("metric_facts")
    orders.run("metric_facts", orders.file("again.csv", METRIC_FACTS.replace(",12.5,T2", ",14,T2")))
    changed = MetricFact.objects.get(indicator="TRAINING_HOURS")
    assert history_of(changed).filter(action="update").get().changes == {"value": ["12.5000", "14.0000"]}
    assert entries(MetricFact).filter(action="update").count() == 1


def test_a_created_fact_records_whose_figure_it_is(orders):
    orders.load("metric_facts")
    fact = MetricFact.objects.get(indicator="TRAINING_HOURS")
    changes = history_of(fact).get().changes
    assert changes["employee"] == [None, fact.employee_id] and changes["period"] == [None, "2026-10"]
    assert changes["value"] == [None, "12.5000"]
