"""A cycle's progress board (selectors/cycles.py cycle_progress): states × service
centre, late people with who must act, within the reader's scope, in a fixed number of
queries."""

import datetime

import pytest

from servicescore.appraisal.models import Evaluation
from servicescore.appraisal.selectors.cycles import cycle_list, cycle_progress
from servicescore.appraisal.services.cycles import cycle_create, cycle_open

from ..factories import EmployeeFactory
from .cycles_setup import create_args, technician_scheme

pytestmark = pytest.mark.django_db

AFTER_TARGETS_DUE = datetime.date(2026, 11, 4)


@pytest.fixture
def cycle(network):
    technician_scheme()
    cycle = cycle_create(**create_args(network, units=[network.sc1.pk, network.sc2.pk]))
    return cycle_open(cycle=cycle, by=network.hr.user)


def _counts(board):
    return {
        row["unit"]: dict(zip([s for s, _l in board.states], row["counts"], strict=True))
        for row in board.rows
    }


def test_the_board_counts_states_per_service_centre(network, cycle):
    Evaluation.objects.filter(cycle=cycle, employee=network.tech).update(state=Evaluation.State.SIGNED)
    board = cycle_progress(network.hr.user, cycle, today=datetime.date(2026, 11, 1))
    counts = _counts(board)
    assert counts[network.sc1.name]["targets"] == 2
    assert counts[network.sc1.name]["signed"] == 1
    assert counts[network.sc2.name]["targets"] == 1
    assert board.total == 4


def test_nobody_is_late_before_the_deadline(network, cycle):
    assert cycle_progress(network.hr.user, cycle, today=datetime.date(2026, 11, 3)).late == []


def test_late_people_are_named_with_who_must_act(network, cycle):
    Evaluation.objects.filter(cycle=cycle).exclude(employee=network.tech).update(
        state=Evaluation.State.SIGNED
    )
    late = cycle_progress(network.hr.user, cycle, today=AFTER_TARGETS_DUE).late
    assert [(p.name, p.actor, p.actor_role) for p in late] == [
        (network.tech.name, network.tech.name, "employee")
    ]


def test_a_late_manager_review_names_the_reviewer(network, cycle):
    Evaluation.objects.filter(cycle=cycle).update(state=Evaluation.State.SIGNED)
    Evaluation.objects.filter(cycle=cycle, employee=network.tech).update(
        state=Evaluation.State.MANAGER_REVIEW
    )
    late = cycle_progress(network.hr.user, cycle, today=datetime.date(2026, 11, 11)).late
    assert [(p.name, p.actor, p.actor_role) for p in late] == [
        (network.tech.name, network.foreman.name, "reviewer")
    ]


def test_a_service_manager_sees_only_his_part(network, cycle):
    board = cycle_progress(network.manager.user, cycle, today=AFTER_TARGETS_DUE)
    assert [row["unit"] for row in board.rows] == [network.sc1.name]
    assert network.tech_sc2.name not in {p.name for p in board.late}


def test_the_boards_queries_do_not_grow_with_the_people(network, cycle, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        cycle_progress(network.hr.user, cycle, today=AFTER_TARGETS_DUE)
    for n in range(10):
        person = EmployeeFactory(employee_no=f"TX{n}", position="technician", org_unit=network.t21)
        Evaluation.objects.create(
            cycle=cycle, employee=person, position="technician", org_unit=network.t21,
            version=Evaluation.objects.filter(cycle=cycle).first().version,
        )  # fmt: skip
    with django_assert_max_num_queries(6):
        board = cycle_progress(network.hr.user, cycle, today=AFTER_TARGETS_DUE)
    assert len(board.late) == 14


def test_the_list_counts_people_in_a_fixed_number_of_queries(network, cycle, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        cycles = cycle_list(network.manager.user)
    assert [(c.pk, c.people) for c in cycles] == [(cycle.pk, 3)]


def test_the_board_names_the_first_late_people_and_counts_them_all(network, cycle, monkeypatch):
    from servicescore.appraisal.selectors import cycles as selectors

    monkeypatch.setattr(selectors, "LATE_SHOWN", 2)
    board = cycle_progress(network.hr.user, cycle, today=AFTER_TARGETS_DUE)
    assert (len(board.late), board.late_total) == (2, 4)
