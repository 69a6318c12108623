"""Moving a cycle through its stages (services/cycles.py): open, freeze on a snapshot,
advance, publish with ranks, close; the people behind hold the cycle unless HR skips
them with a reason."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from servicescore.appraisal.models import Cycle, Evaluation, EvaluationChange
from servicescore.appraisal.services.cycles import (
    competition_ranks,
    cycle_advance,
    cycle_close,
    cycle_create,
    cycle_freeze,
    cycle_open,
    cycle_publish,
)
from servicescore.core.errors import Conflict, Refused
from servicescore.core.models import AuditEntry, InboxMessage
from servicescore.kpi.models import ManualRating

from ..factories import employee_result
from .cycles_setup import computed_october, create_args, technician_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(network):
    technician_scheme()
    return cycle_create(**create_args(network))


@pytest.fixture
def october_stored(network):
    computed_october(
        {network.tech: 90.0, network.tech_colleague: 75.0, network.tech_other_team: 90.0}, centre=network.sc1
    )


def _sign_all(cycle):
    for evaluation in Evaluation.objects.filter(cycle=cycle):
        evaluation.sign_targets()
        evaluation.save()


def _opened_and_frozen(cycle, network):
    cycle_open(cycle=cycle, by=network.hr.user)
    _sign_all(cycle)
    return cycle_freeze(cycle=cycle, by=network.hr.user)


def _states(cycle):
    return set(Evaluation.objects.filter(cycle=cycle).values_list("state", flat=True))


def test_opening_starts_target_sign_off_and_tells_each_person(network, cycle):
    cycle_open(cycle=cycle, by=network.hr.user)
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.TARGETS
    assert _states(cycle) == {Evaluation.State.TARGETS}
    assert InboxMessage.objects.filter(user=network.tech.user).count() == 1


def test_opening_twice_is_a_conflict(network, cycle):
    cycle_open(cycle=cycle, by=network.hr.user)
    with pytest.raises(Conflict) as caught:
        cycle_open(cycle=cycle, by=network.hr.user)
    assert caught.value.domain_code == "cycle_stage"


def test_a_service_manager_of_another_part_cannot_open_the_cycle(network, cycle):
    from ..factories import EmployeeFactory, UserFactory

    other = EmployeeFactory(
        employee_no="M2", position="service_manager", org_unit=network.sc2,
        user=UserFactory(username="m2", role="service_manager"),
    )  # fmt: skip
    with pytest.raises(Refused):
        cycle_open(cycle=cycle, by=other.user)
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.DRAFT


def test_freeze_snapshots_the_stored_figures_and_scores(network, cycle, october_stored):
    _opened_and_frozen(cycle, network)
    evaluation = Evaluation.objects.get(cycle=cycle, employee=network.tech)
    assert evaluation.state == Evaluation.State.SELF_REVIEW
    assert evaluation.figures["FTFR"][0] == 90.0
    assert evaluation.priors == {"FTFR": 80.0}
    assert evaluation.kpi_score is not None
    assert EvaluationChange.objects.filter(evaluation=evaluation, kind="freeze").count() == 1


def test_a_record_changed_after_the_freeze_does_not_move_the_score(network, cycle, october_stored):
    _opened_and_frozen(cycle, network)
    before = Evaluation.objects.get(cycle=cycle, employee=network.tech_colleague)
    employee_result(network.tech_colleague, period="2026-10", indicator="FTFR", value=100.0)
    after = Evaluation.objects.get(cycle=cycle, employee=network.tech_colleague)
    assert after.figures == before.figures
    assert after.final_score == before.final_score


def test_freeze_carries_the_months_manual_rating_in(network, cycle, october_stored):
    ManualRating.objects.create(
        employee=network.tech, period="2026-10", indicator="COMPLIANCE", reviewer=network.foreman, rating=4
    )
    _opened_and_frozen(cycle, network)
    assert Evaluation.objects.get(cycle=cycle, employee=network.tech).figures["COMPLIANCE"][0] == 4.0


def test_freeze_runs_a_fixed_number_of_queries(network, cycle, october_stored, django_assert_max_num_queries):
    cycle_open(cycle=cycle, by=network.hr.user)
    _sign_all(cycle)
    # the snapshot's reads are fixed; rescore reads the indicator catalogue per person (two
    # queries each); the "your turn" messages are counted in test_cycles_notices
    with (
        mock.patch("servicescore.appraisal.services.cycle_notices.notify_turn"),
        django_assert_max_num_queries(21 + 2 * 3),
    ):
        cycle_freeze(cycle=cycle, by=network.hr.user)


def test_freeze_needs_the_period_computed(network, cycle):
    cycle_open(cycle=cycle, by=network.hr.user)
    _sign_all(cycle)
    with pytest.raises(Conflict) as caught:
        cycle_freeze(cycle=cycle, by=network.hr.user)
    assert caught.value.domain_code == "cycle_not_computed"
    assert _states(cycle) == {Evaluation.State.SIGNED}


def test_freeze_waits_for_the_period_to_end(network, october_stored):
    technician_scheme()
    cycle = cycle_create(**create_args(network))
    cycle_open(cycle=cycle, by=network.hr.user)
    _sign_all(cycle)
    early = datetime.datetime(2026, 10, 20, tzinfo=datetime.UTC)
    with mock.patch("django.utils.timezone.now", return_value=early), pytest.raises(Conflict) as caught:
        cycle_freeze(cycle=cycle, by=network.hr.user)
    assert caught.value.domain_code == "cycle_period_running"


def test_unsigned_targets_hold_the_freeze(network, cycle, october_stored):
    cycle_open(cycle=cycle, by=network.hr.user)
    with pytest.raises(Conflict) as caught:
        cycle_freeze(cycle=cycle, by=network.hr.user)
    assert caught.value.domain_code == "cycle_people_behind"
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.TARGETS
    assert not EvaluationChange.objects.exists()


def test_a_service_manager_cannot_skip_even_with_a_reason(network, cycle, october_stored):
    cycle_open(cycle=cycle, by=network.manager.user)
    with pytest.raises(Conflict):
        cycle_freeze(cycle=cycle, by=network.manager.user, reason="休假")
    assert _states(cycle) == {Evaluation.State.TARGETS}


def test_hr_skips_unsigned_targets_with_a_reason_recorded_per_person(network, cycle, october_stored):
    cycle_open(cycle=cycle, by=network.hr.user)
    cycle_freeze(cycle=cycle, by=network.hr.user, reason="员工休假，目标默认确认")
    skips = EvaluationChange.objects.filter(kind=EvaluationChange.Kind.SKIP)
    assert skips.count() == 3
    assert set(skips.values_list("reason", flat=True)) == {"员工休假，目标默认确认"}
    assert _states(cycle) == {Evaluation.State.SELF_REVIEW}


def test_advancing_moves_the_submitted_self_reviews_on(network, cycle, october_stored):
    _opened_and_frozen(cycle, network)
    Evaluation.objects.filter(cycle=cycle).update(self_submitted_at=timezone.now())
    cycle_advance(cycle=cycle, by=network.manager.user)
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.MANAGER_REVIEW
    assert _states(cycle) == {Evaluation.State.MANAGER_REVIEW}
    assert (
        EvaluationChange.objects.filter(kind=EvaluationChange.Kind.STAGE, new="manager_review").count() == 3
    )


def test_advancing_tells_the_reviewers(network, cycle, october_stored):
    _opened_and_frozen(cycle, network)
    Evaluation.objects.filter(cycle=cycle).update(self_submitted_at=timezone.now())
    cycle_advance(cycle=cycle, by=network.hr.user)
    assert InboxMessage.objects.filter(user=network.foreman.user).count() == 2


def test_a_late_self_review_holds_the_cycle(network, cycle, october_stored):
    _opened_and_frozen(cycle, network)
    with pytest.raises(Conflict) as caught:
        cycle_advance(cycle=cycle, by=network.hr.user)
    assert network.tech.name in caught.value.message_text
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.SELF_REVIEW


def test_a_bad_target_stage_is_refused(network, cycle, october_stored):
    _opened_and_frozen(cycle, network)
    Evaluation.objects.filter(cycle=cycle).update(self_submitted_at=timezone.now())
    with pytest.raises(Conflict):
        cycle_advance(cycle=cycle, by=network.hr.user, to="published")


def _to_calibration(cycle, network):
    _opened_and_frozen(cycle, network)
    Evaluation.objects.filter(cycle=cycle).update(self_submitted_at=timezone.now())
    cycle_advance(cycle=cycle, by=network.hr.user)
    Evaluation.objects.filter(cycle=cycle).update(manager_submitted_at=timezone.now())
    cycle_advance(cycle=cycle, by=network.hr.user, to="calibration")


def test_manager_review_may_go_straight_to_calibration(network, cycle, october_stored):
    _to_calibration(cycle, network)
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.CALIBRATION
    assert _states(cycle) == {Evaluation.State.CALIBRATION}


def test_publish_ranks_within_position_with_shared_ties(network, cycle, october_stored):
    _to_calibration(cycle, network)
    cycle_publish(cycle=cycle, by=network.hr.user)
    ranks = {
        e.employee_id: (e.rank_in_position, e.rank_in_centre, e.ranked_among)
        for e in Evaluation.objects.filter(cycle=cycle)
    }
    assert ranks[network.tech.pk] == (1, 1, 3)
    assert ranks[network.tech_other_team.pk] == (1, 1, 3)
    assert ranks[network.tech_colleague.pk] == (3, 3, 3)


def test_publish_opens_the_confirmation_window_and_tells_each_person(network, cycle, october_stored):
    _to_calibration(cycle, network)
    cycle_publish(cycle=cycle, by=network.hr.user)
    evaluation = Evaluation.objects.get(cycle=cycle, employee=network.tech)
    assert evaluation.state == Evaluation.State.PUBLISHED
    assert evaluation.confirm_due > timezone.now() + datetime.timedelta(days=5)
    assert InboxMessage.objects.filter(
        user=network.tech.user, notification__link__contains=str(evaluation.pk)
    )


def test_only_hr_publishes(network, cycle, october_stored):
    _to_calibration(cycle, network)
    with pytest.raises(Refused) as caught:
        cycle_publish(cycle=cycle, by=network.manager.user)
    assert caught.value.domain_code == "cycle_publishers_only"
    assert _states(cycle) == {Evaluation.State.CALIBRATION}


def test_closing_with_open_results_needs_a_reason(network, cycle, october_stored):
    _to_calibration(cycle, network)
    cycle_publish(cycle=cycle, by=network.hr.user)
    with pytest.raises(Conflict):
        cycle_close(cycle=cycle, by=network.hr.user)
    cycle_close(cycle=cycle, by=network.hr.user, reason="确认期已过")
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.CLOSED
    assert _states(cycle) == {Evaluation.State.FINAL}


def test_every_move_is_audited(network, cycle, october_stored):
    _to_calibration(cycle, network)
    actions = set(AuditEntry.objects.filter(object_id=str(cycle.pk)).values_list("action", flat=True))
    assert {"cycle.open", "cycle.freeze", "cycle.start_manager_review", "cycle.start_calibration"} <= actions


def test_ties_share_a_rank_and_the_next_skips():
    assert competition_ranks([(1, 90.0), (2, 80.0), (3, 90.0), (4, 70.0)]) == {1: 1, 3: 1, 2: 3, 4: 4}


def test_a_quarter_cycle_freezes_the_quarters_pooled_results(network):
    from django.utils import timezone as tz

    from servicescore.kpi.models import ComputedPeriod

    from ..factories import employee_result

    technician_scheme()
    cycle = cycle_create(
        **create_args(network, kind="quarter", period="2026-Q3", targets_due=None, self_review_due=None)
        | {"manager_review_due": None}
    )
    assert cycle.pooling == Cycle.Pooling.POOLED
    employee_result(employee=network.tech, period="2026-Q3", indicator="FTFR", value=70.0)
    ComputedPeriod.objects.create(period="2026-Q3", computed_at=tz.now())
    cycle = cycle_open(cycle=cycle, by=network.hr.user)
    cycle_freeze(cycle=cycle, by=network.hr.user, reason="季度考核，目标默认确认")
    assert Evaluation.objects.get(cycle=cycle, employee=network.tech).figures["FTFR"][0] == 70.0


def test_the_audit_trail_names_the_cycles_moves(network, cycle):
    from django.utils import translation

    from servicescore.core.history import action_in_words

    cycle_open(cycle=cycle, by=network.hr.user)
    entry = AuditEntry.objects.get(action="cycle.open")
    with translation.override("en"):
        assert action_in_words(entry) == "cycle opened"
