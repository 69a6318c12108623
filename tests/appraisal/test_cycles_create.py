"""Creating an appraisal cycle (services/cycles.py cycle_create): who is appraised, with
which scheme version and reviewers, and the bad inputs, each refused with its code and
nothing written."""

import datetime

import pytest

from servicescore.appraisal.models import Cycle, CycleVersion, Evaluation, TemplateVersion
from servicescore.appraisal.services.cycles import cycle_create
from servicescore.core.errors import Invalid, Refused
from servicescore.core.models import AuditEntry
from servicescore.org.models import Employee

from ..factories import EmployeeFactory, TemplateVersionFactory
from .cycles_setup import create_args, technician_scheme

pytestmark = pytest.mark.django_db


def test_cycle_creates_one_evaluation_per_technician_of_the_units(network):
    version = technician_scheme()
    cycle = cycle_create(**create_args(network))
    people = set(Evaluation.objects.filter(cycle=cycle).values_list("employee", flat=True))
    assert people == {network.tech.pk, network.tech_colleague.pk, network.tech_other_team.pk}
    assert set(Evaluation.objects.filter(cycle=cycle).values_list("version", flat=True)) == {version.pk}
    assert cycle.stage == Cycle.Stage.DRAFT


def test_cycle_pins_the_version_per_position(network):
    version = technician_scheme()
    cycle = cycle_create(**create_args(network))
    assert list(CycleVersion.objects.filter(cycle=cycle).values_list("position", "version")) == [
        ("technician", version.pk)
    ]


def test_a_new_scheme_version_after_creation_does_not_reach_the_cycle(network):
    version = technician_scheme()
    cycle = cycle_create(**create_args(network))
    TemplateVersion.objects.filter(pk=version.pk).update(status=TemplateVersion.Status.RETIRED)
    TemplateVersionFactory(template=version.template, number=2)
    assert set(Evaluation.objects.filter(cycle=cycle).values_list("version", flat=True)) == {version.pk}


def test_the_reviewer_is_the_manager(network):
    technician_scheme()
    cycle = cycle_create(**create_args(network))
    evaluation = Evaluation.objects.get(cycle=cycle, employee=network.tech)
    assert evaluation.reviewer == network.foreman
    assert evaluation.second_reviewer is None


def test_without_a_manager_the_reviewer_is_the_nearest_lead_up_the_chart(network):
    technician_scheme()
    Employee.objects.filter(pk=network.tech.pk).update(manager=None)
    cycle = cycle_create(**create_args(network))
    assert Evaluation.objects.get(cycle=cycle, employee=network.tech).reviewer == network.foreman


def test_a_lead_is_never_his_own_reviewer(network):
    lead_scheme = TemplateVersionFactory(template__position="foreman")
    Employee.objects.filter(pk=network.foreman.pk).update(manager=network.foreman)
    cycle = cycle_create(**create_args(network, positions=["foreman"]))
    evaluation = Evaluation.objects.get(cycle=cycle, employee=network.foreman)
    assert evaluation.version == lead_scheme
    assert evaluation.reviewer == network.manager


def test_second_level_reviewer_is_the_reviewers_manager(network):
    technician_scheme()
    cycle = cycle_create(**create_args(network, second_level=True))
    assert Evaluation.objects.get(cycle=cycle, employee=network.tech).second_reviewer == network.manager


def test_someone_who_has_left_is_not_appraised(network):
    technician_scheme()
    Employee.objects.filter(pk=network.tech_colleague.pk).update(status=Employee.Status.LEFT)
    cycle = cycle_create(**create_args(network))
    assert not Evaluation.objects.filter(cycle=cycle, employee=network.tech_colleague).exists()


def test_people_without_a_scheme_are_left_out_and_listed(network):
    technician_scheme()
    cycle = cycle_create(**create_args(network, positions=[], units=[network.t11.pk]))
    assert set(Evaluation.objects.filter(cycle=cycle).values_list("employee", flat=True)) == {
        network.tech.pk,
        network.tech_colleague.pk,
    }
    assert cycle.scope["without_scheme"] == [network.foreman.pk]


def test_listed_employees_are_added(network):
    technician_scheme()
    cycle = cycle_create(**create_args(network, units=[], employees=[network.tech_sc2.pk]))
    assert list(Evaluation.objects.filter(cycle=cycle).values_list("employee", flat=True)) == [
        network.tech_sc2.pk
    ]


def test_creation_is_audited_once_for_the_cycle_and_once_per_evaluation(network):
    technician_scheme()
    cycle = cycle_create(**create_args(network))
    assert AuditEntry.objects.filter(action="cycle.create", object_id=str(cycle.pk)).count() == 1
    assert AuditEntry.objects.filter(action="cycle.evaluation_create").count() == 3


def _refused(error_class, code, **fields):
    def check(network):
        technician_scheme()
        with pytest.raises(error_class) as caught:
            cycle_create(**create_args(network, **fields))
        assert caught.value.domain_code == code
        assert not Cycle.objects.exists()
        assert not Evaluation.objects.exists()
        assert not AuditEntry.objects.filter(action__startswith="cycle.").exists()

    return check


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"period": "2026-13"}, "cycle_period_invalid"),
        ({"period": "2026-Q4"}, "cycle_period_invalid"),
        ({"kind": "quarter", "period": "2026-10"}, "cycle_period_invalid"),
        ({"kind": "year", "period": "2026-Q4", "pooling": "mean"}, "cycle_period_invalid"),
        ({"kind": "quarter", "period": "2026", "pooling": "mean"}, "cycle_period_invalid"),
        ({"kind": "quarter", "period": "2026-Q4", "pooling": "sum"}, "cycle_period_invalid"),
        ({"name": "  "}, "cycle_name_missing"),
        ({"positions": ["parts_manager"]}, "cycle_scope_empty"),
        ({"self_review_due": datetime.date(2026, 11, 1)}, "cycle_deadlines_order"),
        ({"targets_due": datetime.date(2026, 9, 30), "self_review_due": None}, "cycle_deadlines_order"),
        ({"positions": ["dispatcher"]}, "cycle_no_scheme"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(network, fields, code):
    _refused(Invalid, code, **fields)(network)


def test_a_service_manager_cannot_include_a_unit_outside_his_part(network):
    _refused(Refused, "cycle_scope_refused", by=network.manager.user, units=[network.sc2.pk])(network)


def test_a_service_manager_cannot_include_a_person_outside_his_part(network):
    _refused(
        Refused, "cycle_scope_refused", by=network.manager.user, units=[], employees=[network.tech_sc2.pk]
    )(network)


def test_a_technician_cannot_create_a_cycle(network):
    _refused(Refused, "cycle_managers_only", by=network.tech.user)(network)


def test_a_service_manager_creates_a_cycle_for_his_part(network):
    technician_scheme()
    cycle = cycle_create(**create_args(network, by=network.manager.user))
    assert Evaluation.objects.filter(cycle=cycle).count() == 3


def test_a_unit_scheme_wins_over_the_company_one(network):
    technician_scheme()
    own = technician_scheme(org_unit=network.t12, code="T12-TECH")
    cycle = cycle_create(**create_args(network))
    assert Evaluation.objects.get(cycle=cycle, employee=network.tech_other_team).version == own
    assert Evaluation.objects.get(cycle=cycle, employee=network.tech).version != own


def test_someone_added_to_the_unit_later_is_not_in_the_cycle(network):
    technician_scheme()
    cycle = cycle_create(**create_args(network))
    EmployeeFactory(employee_no="T9", position="technician", org_unit=network.t11)
    assert Evaluation.objects.filter(cycle=cycle).count() == 3
