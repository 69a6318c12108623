"""The employees' results are stored one document per person and period (EmployeeResults,
kpi 0014): what a recompute stores reads back the same through `kpi.results`, the means
of the home page's trend are worked out in SQL on both databases, and the migration
carries the rows of a database from before it into documents — and back when reversed."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from servicescore.kpi.figures import Figure
from servicescore.kpi.models import EmployeeResults, IndicatorResult
from servicescore.kpi.results import entry, figures_of, mean_values, stored_result, stored_results
from servicescore.kpi.services.recompute import recompute_period
from servicescore.org.models import Employee

from ..factories import employee_result
from .october import october_orders, result

AT = datetime.datetime(2026, 10, 31, 12, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_a_recompute_stores_one_document_per_person_and_the_units_per_indicator(network):
    october_orders(network)
    recompute_period("2026-10")
    assert EmployeeResults.objects.filter(period="2026-10").count() == Employee.objects.count()
    stored = stored_result(network.tech, "2026-10", "FTFR")
    assert (stored.value, stored.numerator, stored.denominator, stored.sample) == (50.0, 1.0, 2.0, 2)
    assert result("FTFR", employee=network.tech) == (50.0, 1.0, 2.0)
    # nothing worth storing is left out: the colleague in the other team completed nothing
    assert "WO_COMPLETED" not in stored_results(network.tech_other_team, "2026-10")
    assert IndicatorResult.objects.filter(period="2026-10", org_unit=network.sc1, indicator="FTFR").exists()


@pytest.mark.django_db
def test_a_note_is_kept_only_where_there_is_one(network):
    assert entry(1.0, 1.0, None, 1) == [1.0, 1.0, None, 1]
    assert entry(None, None, None, 0, "divided by zero") == [None, None, None, 0, "divided by zero"]
    employee_result(network.tech, indicator="X", value=None, numerator=None, denominator=None, note="÷0")
    employee_result(network.tech, indicator="FTFR", value=80.0)
    found = stored_results(network.tech, "2026-10")
    assert (found["X"].note, found["FTFR"].note) == ("÷0", "")
    assert list(found) == ["FTFR", "X"]  # in code order


@pytest.mark.django_db
def test_figures_of_filters_people_periods_and_codes(network):
    employee_result(network.tech, indicator="FTFR", value=80.0, numerator=8, denominator=10, sample=10)
    employee_result(network.tech, indicator="CSAT", value=90.0)
    employee_result(network.tech_colleague, indicator="FTFR", value=70.0)
    employee_result(network.tech, period="2026-09", indicator="FTFR", value=60.0)
    got = {
        (pk, period): figures for pk, period, figures in figures_of("2026-10", [network.tech.pk], ["FTFR"])
    }
    assert got == {(network.tech.pk, "2026-10"): {"FTFR": Figure(80.0, 8, 10, 10)}}
    periods = {
        (pk, period)
        for pk, period, _figures in figures_of(
            ["2026-09", "2026-10"], Employee.objects.filter(pk=network.tech.pk)
        )
    }
    assert periods == {(network.tech.pk, "2026-09"), (network.tech.pk, "2026-10")}


@pytest.mark.django_db
def test_the_means_leave_out_people_without_a_value(network, django_assert_num_queries):
    employee_result(network.tech, indicator="FTFR", value=80.0)
    employee_result(network.tech_colleague, indicator="FTFR", value=None, note="no records")
    employee_result(network.tech_colleague, indicator="CSAT", value=90.0)
    employee_result(network.tech_other_team, indicator="FTFR", value=60.0)
    employee_result(network.tech_sc2, indicator="FTFR", value=10.0)  # not among the people asked
    employee_result(network.tech, period="2026-09", indicator="FTFR", value=50.0)
    people = Employee.objects.filter(
        pk__in=[network.tech.pk, network.tech_colleague.pk, network.tech_other_team.pk]
    )
    with django_assert_num_queries(1):
        means = mean_values(people, ["2026-09", "2026-10"], ["FTFR", "CSAT", "NPS"])
    assert means == {("2026-10", "FTFR"): 70.0, ("2026-10", "CSAT"): 90.0, ("2026-09", "FTFR"): 50.0}


# --- the migration ---------------------------------------------------------------------------

BEFORE = [("kpi", "0013_component_prefix")]
AFTER = [("kpi", "0014_employee_results")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_the_move(transactional_db):
    old = migrate(BEFORE)
    try:
        yield old
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_migration_turns_the_rows_into_documents_and_back(before_the_move, network):
    old = before_the_move.get_model("kpi", "IndicatorResult")
    earlier = AT - datetime.timedelta(hours=1)
    rows = [
        dict(employee_id=network.tech.pk, indicator="FTFR", value=50.0, numerator=1, denominator=2, sample=2),
        dict(employee_id=network.tech.pk, indicator="NPS", value=None, numerator=None, denominator=None, note="÷0"),
        dict(employee_id=network.tech_colleague.pk, indicator="FTFR", value=100.0, numerator=1, denominator=1,
             sample=1, computed_at=earlier),
        dict(org_unit_id=network.sc1.pk, indicator="FTFR", value=66.7, numerator=2, denominator=3, sample=3),
    ]  # fmt: skip
    for row in rows:
        old.objects.create(**({"period": "2026-10", "computed_at": AT} | row))
    new = migrate(AFTER)
    docs = {
        doc.employee_id: (doc.figures, doc.computed_at)
        for doc in new.get_model("kpi", "EmployeeResults").objects.filter(period="2026-10")
    }
    assert docs == {
        network.tech.pk: ({"FTFR": [50.0, 1.0, 2.0, 2], "NPS": [None, None, None, 0, "÷0"]}, AT),
        network.tech_colleague.pk: ({"FTFR": [100.0, 1.0, 1.0, 1]}, earlier),
    }
    units = new.get_model("kpi", "IndicatorResult").objects.values_list("org_unit_id", "indicator", "value")
    assert list(units) == [(network.sc1.pk, "FTFR", 66.7)]
    back = migrate(BEFORE).get_model("kpi", "IndicatorResult")
    again = {
        (row.employee_id, row.org_unit_id, row.indicator): (row.value, row.note, row.computed_at)
        for row in back.objects.all()
    }
    assert again == {
        (network.tech.pk, None, "FTFR"): (50.0, "", AT),
        (network.tech.pk, None, "NPS"): (None, "÷0", AT),
        (network.tech_colleague.pk, None, "FTFR"): (100.0, "", earlier),
        (None, network.sc1.pk, "FTFR"): (66.7, "", AT),
    }
