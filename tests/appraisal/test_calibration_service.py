"""Calibrating an evaluation (services/calibration.py): the reviewed part or the grade,
with a reason; the KPI part is not negotiable; every change recorded old → new."""

import pytest

from servicescore.appraisal.models import Evaluation, EvaluationChange
from servicescore.appraisal.services.calibration import calibrate
from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.core.models import AuditEntry

from .cycle_setup_y import cycle_with, evaluation, technician_version


@pytest.fixture
def setup(network):
    cycle = cycle_with(technician_version())
    # T1: FTFR 80 → 66.67 points × 60 % = 40; TEAMWORK 4 → 80 × 40 % = 32; final 72, B
    return network, cycle, evaluation(cycle, network.tech)


def test_the_evaluation_is_scored_as_the_set_up_says(setup):
    _net, _cycle, found = setup
    assert (round(found.kpi_score, 2), round(found.manual_score, 2), found.grade) == (40.0, 32.0, "B")


def test_an_adjustment_moves_the_final_score_and_keeps_the_kpi_part(setup):
    net, _cycle, found = setup
    calibrate(
        by=net.hr.user, evaluation=found, revision=found.revision, adjustment="5", reason="团队协作突出"
    )
    found.refresh_from_db()
    assert round(found.kpi_score, 2) == 40.0
    assert found.calibration_adjustment == 5.0
    assert round(found.final_score, 2) == 77.0
    change = found.changes.get(kind=EvaluationChange.Kind.CALIBRATION)
    assert (change.old, change.new, change.reason, change.by) == (0.0, 5.0, "团队协作突出", net.hr.user)
    assert AuditEntry.objects.filter(action="cycle.calibration", reason="团队协作突出").count() == 1


def test_a_calibration_without_a_reason_is_refused_and_writes_nothing(setup):
    net, _cycle, found = setup
    with pytest.raises(Invalid) as refused:
        calibrate(by=net.hr.user, evaluation=found, revision=found.revision, adjustment="5", reason="  ")
    assert refused.value.domain_code == "calibration_reason"
    found.refresh_from_db()
    assert (found.calibration_adjustment, found.changes.count(), found.revision) == (0.0, 0, 0)


def test_an_adjustment_taking_the_reviewed_part_above_its_weight_is_refused(setup):
    net, _cycle, found = setup
    # reviewed part 32 of 40: at most +8
    with pytest.raises(Invalid) as refused:
        calibrate(by=net.hr.user, evaluation=found, revision=found.revision, adjustment="8.5", reason="x")
    assert refused.value.domain_code == "calibration_out_of_range"
    calibrate(by=net.hr.user, evaluation=found, revision=found.revision, adjustment="8", reason="x")


def test_an_adjustment_taking_the_reviewed_part_below_zero_is_refused(setup):
    net, _cycle, found = setup
    with pytest.raises(Invalid) as refused:
        calibrate(by=net.hr.user, evaluation=found, revision=found.revision, adjustment="-32.01", reason="x")
    assert refused.value.domain_code == "calibration_out_of_range"


def test_an_adjustment_that_is_no_number_is_refused(setup):
    net, _cycle, found = setup
    with pytest.raises(Invalid) as refused:
        calibrate(by=net.hr.user, evaluation=found, revision=found.revision, adjustment="abc", reason="x")
    assert refused.value.field == "adjustment"


def test_a_grade_override_is_recorded_old_to_new(setup):
    net, _cycle, found = setup
    calibrate(by=net.hr.user, evaluation=found, revision=found.revision, grade="A", reason="跨部门支援")
    found.refresh_from_db()
    assert (found.grade, found.calibrated_grade, found.shown_grade) == ("B", "A", "A")
    change = found.changes.get(kind=EvaluationChange.Kind.GRADE)
    assert (change.old, change.new, change.reason) == ("B", "A", "跨部门支援")


def test_a_grade_outside_the_cycle_bands_is_refused(setup):
    net, _cycle, found = setup
    with pytest.raises(Invalid) as refused:
        calibrate(by=net.hr.user, evaluation=found, revision=found.revision, grade="Z", reason="x")
    assert refused.value.domain_code == "calibration_grade_unknown"


def test_neither_adjustment_nor_grade_is_refused(setup):
    net, _cycle, found = setup
    with pytest.raises(Invalid) as refused:
        calibrate(by=net.hr.user, evaluation=found, revision=found.revision, reason="x")
    assert refused.value.domain_code == "calibration_nothing"


def test_a_stale_revision_is_a_conflict_and_writes_nothing(setup):
    net, _cycle, found = setup
    opened = found.revision
    calibrate(by=net.hr.user, evaluation=found, revision=opened, adjustment="2", reason="first")
    stale = Evaluation.objects.get(pk=found.pk)
    with pytest.raises(Conflict) as refused:
        calibrate(by=net.manager.user, evaluation=stale, revision=opened, adjustment="4", reason="second")
    assert refused.value.domain_code == "evaluation_changed"
    found.refresh_from_db()
    assert found.calibration_adjustment == 2.0
    assert found.changes.count() == 1


def test_an_evaluation_not_in_calibration_cannot_be_calibrated(network):
    cycle = cycle_with(technician_version())
    found = evaluation(cycle, network.tech, state=Evaluation.State.PUBLISHED)
    with pytest.raises(Conflict) as refused:
        calibrate(by=network.hr.user, evaluation=found, revision=found.revision, adjustment="1", reason="x")
    assert refused.value.domain_code == "not_in_calibration"


def test_a_foreman_cannot_calibrate(setup):
    net, _cycle, found = setup
    with pytest.raises(Refused):
        calibrate(by=net.foreman.user, evaluation=found, revision=found.revision, adjustment="1", reason="x")


def test_a_manager_of_another_centre_gets_not_found(setup):
    net, cycle, _found = setup
    other = evaluation(cycle, net.tech_sc2, reviewer=net.hr)
    with pytest.raises(NotFound):
        calibrate(by=net.manager.user, evaluation=other, revision=other.revision, adjustment="1", reason="x")


def test_nobody_calibrates_his_own_evaluation(setup):
    net, cycle, _found = setup
    own = evaluation(cycle, net.foreman, reviewer=net.hr)
    # the foreman is no calibrator anyway: a service manager's own evaluation
    mine = evaluation(cycle, net.manager, reviewer=net.hr)
    with pytest.raises(Refused):
        calibrate(by=net.manager.user, evaluation=mine, revision=mine.revision, adjustment="1", reason="x")
    assert own.changes.count() == 0
