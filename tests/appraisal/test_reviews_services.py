"""The evaluation's own steps (appraisal.services.reviews): personal targets and their
sign-off, the self review and the manager review — who may, when, the rating rules, the
adjustment limit, the lost-update guard, and what each writes (or does not)."""

import datetime

import pytest
from django.utils import timezone

from servicescore.appraisal.models import (
    Cycle,
    CycleReminder,
    Evaluation,
    EvaluationChange,
    EvaluationRating,
    FeedbackRequest,
)
from servicescore.appraisal.services.reviews import (
    ReviewRating,
    manager_review_save,
    self_review_save,
    submitted_late,
    targets_set,
    targets_sign,
)
from servicescore.core.errors import Conflict, Invalid, Refused
from servicescore.core.models import AuditEntry

from .review_factories import make_cycle, make_evaluation, rate, technician_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(network):
    return technician_scheme()


def evaluation_at(network, version, state, stage=None, **fields):
    stage = stage or {
        Evaluation.State.TARGETS: Cycle.Stage.TARGETS,
        Evaluation.State.SELF_REVIEW: Cycle.Stage.SELF_REVIEW,
    }.get(state, Cycle.Stage.MANAGER_REVIEW)
    cycle = make_cycle(version, stage=stage)
    return make_evaluation(cycle, network.tech, network.foreman, state=state, **fields)


def fresh(evaluation):
    return Evaluation.objects.select_related("cycle", "employee", "version").get(pk=evaluation.pk)


def review(evaluation, by, rating=4, comment="", overall="steady month", submit=True, **kw):
    return manager_review_save(
        evaluation=fresh(evaluation),
        by=by.user,
        revision=fresh(evaluation).revision,
        ratings=[ReviewRating("COMPLIANCE", rating, comment)],
        comment=overall,
        submit=submit,
        **kw,
    )


# --- targets -------------------------------------------------------------------------------
def test_the_reviewer_sets_a_personal_target_and_it_is_recorded(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.TARGETS)
    targets_set(
        evaluation=fresh(evaluation),
        by=network.foreman.user,
        revision=0,
        targets={"FTFR": "85"},
        reason="new hire",
    )
    evaluation.refresh_from_db()
    assert evaluation.targets == {"FTFR": 85.0} and evaluation.revision == 1
    change = EvaluationChange.objects.get(evaluation=evaluation, kind=EvaluationChange.Kind.TARGETS)
    assert (change.old, change.new, change.reason, change.by) == (
        {},
        {"FTFR": 85.0},
        "new hire",
        network.foreman.user,
    )


def test_a_colleague_who_is_not_the_reviewer_may_not_set_targets(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.TARGETS)
    evaluation.reviewer = network.manager
    evaluation.save()
    with pytest.raises(Refused) as refused:
        targets_set(evaluation=fresh(evaluation), by=network.foreman.user, revision=0, targets={"FTFR": "85"})
    assert refused.value.domain_code == "not_the_reviewer"
    assert fresh(evaluation).targets == {}


def test_a_target_on_the_wrong_side_of_the_threshold_is_refused_naming_the_item(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.TARGETS)
    with pytest.raises(Invalid) as invalid:
        targets_set(evaluation=fresh(evaluation), by=network.foreman.user, revision=0, targets={"FTFR": "50"})
    (item,) = invalid.value.items()
    assert item["field"] == "target:FTFR" and item["code"] == "target_value" and "FTFR" in item["message"]
    assert not EvaluationChange.objects.exists() and fresh(evaluation).revision == 0


@pytest.mark.parametrize("value", ["abc", "120", "NaN"])
def test_a_target_that_is_no_usable_percentage_is_refused(network, version, value):
    evaluation = evaluation_at(network, version, Evaluation.State.TARGETS)
    with pytest.raises(Invalid):
        targets_set(
            evaluation=fresh(evaluation), by=network.foreman.user, revision=0, targets={"FTFR": value}
        )


def test_a_manual_item_takes_no_target(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.TARGETS)
    with pytest.raises(Invalid) as invalid:
        targets_set(
            evaluation=fresh(evaluation), by=network.foreman.user, revision=0, targets={"COMPLIANCE": "4"}
        )
    assert invalid.value.items()[0]["code"] == "target_not_settable"


def test_the_employee_signs_off_his_targets(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.TARGETS)
    targets_sign(evaluation=fresh(evaluation), by=network.tech.user, revision=0)
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.SIGNED and evaluation.targets_signed_at is not None


def test_someone_else_may_not_sign_off_the_employees_targets(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.TARGETS)
    with pytest.raises(Refused) as refused:
        targets_sign(evaluation=fresh(evaluation), by=network.foreman.user, revision=0)
    assert refused.value.domain_code == "not_the_employee"
    assert fresh(evaluation).state == Evaluation.State.TARGETS


# --- self review ---------------------------------------------------------------------------
def test_a_submitted_self_review_moves_the_evaluation_to_the_manager(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.SELF_REVIEW)
    self_review_save(
        evaluation=fresh(evaluation),
        by=network.tech.user,
        revision=0,
        ratings=[ReviewRating("COMPLIANCE", "4", "")],
        comment="good month",
        submit=True,
    )
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.MANAGER_REVIEW and evaluation.self_comment == "good month"
    rating = EvaluationRating.objects.get(evaluation=evaluation, role=EvaluationRating.Role.SELF)
    assert (rating.rating, rating.rater, rating.submitted_at is not None) == (4, network.tech, True)


def test_a_self_rating_of_five_without_comment_is_refused_naming_the_item(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.SELF_REVIEW)
    with pytest.raises(Invalid) as invalid:
        self_review_save(
            evaluation=fresh(evaluation),
            by=network.tech.user,
            revision=0,
            ratings=[ReviewRating("COMPLIANCE", "5", "")],
            submit=False,
        )
    (item,) = invalid.value.items()
    assert (item["field"], item["code"]) == ("comment:COMPLIANCE", "rating_comment")
    assert "COMPLIANCE" in item["message"]
    assert not EvaluationRating.objects.exists() and fresh(evaluation).revision == 0


def test_the_reviewer_may_not_write_the_self_review(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.SELF_REVIEW)
    with pytest.raises(Refused):
        self_review_save(
            evaluation=fresh(evaluation), by=network.foreman.user, revision=0, ratings=[], submit=False
        )


# --- manager review ------------------------------------------------------------------------
def test_a_submitted_review_scores_the_evaluation_and_moves_it_to_calibration(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    review(evaluation, network.foreman, rating=4)
    evaluation.refresh_from_db()
    # FTFR 90 on target → 100 × 60 %; compliance 4 → 80 × 40 %
    assert evaluation.final_score == pytest.approx(92.0)
    assert (evaluation.kpi_score, evaluation.manual_score) == (pytest.approx(60.0), pytest.approx(32.0))
    assert evaluation.state == Evaluation.State.CALIBRATION and evaluation.manager_submitted_at is not None
    assert EvaluationChange.objects.filter(evaluation=evaluation, field="state", new="calibration").exists()


def test_a_review_with_feedback_requests_waiting_moves_to_feedback(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    FeedbackRequest.objects.create(
        evaluation=evaluation, rater=network.tech_colleague, indicators=["COMPLIANCE"]
    )
    review(evaluation, network.foreman)
    assert fresh(evaluation).state == Evaluation.State.FEEDBACK


def test_a_review_rating_below_three_without_comment_writes_nothing(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    with pytest.raises(Invalid) as invalid:
        review(evaluation, network.foreman, rating=2)
    assert invalid.value.items()[0]["field"] == "comment:COMPLIANCE"
    assert not EvaluationRating.objects.exists()
    assert fresh(evaluation).state == Evaluation.State.MANAGER_REVIEW


def test_a_review_is_not_submitted_without_the_overall_comment(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    with pytest.raises(Invalid) as invalid:
        review(evaluation, network.foreman, overall="  ")
    assert invalid.value.items()[0]["code"] == "review_comment_missing"


def test_an_adjustment_beyond_the_cycles_limit_is_refused(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    with pytest.raises(Invalid) as invalid:
        review(evaluation, network.foreman, adjustment="5.5", adjustment_reason="extra shifts")
    assert invalid.value.items()[0]["code"] == "review_adjustment_limit"
    assert fresh(evaluation).review_adjustment == 0


def test_an_adjustment_without_a_reason_is_refused(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    with pytest.raises(Invalid) as invalid:
        review(evaluation, network.foreman, adjustment="-3")
    assert invalid.value.items()[0]["field"] == "adjustment_reason"


def test_an_adjustment_with_a_reason_counts_and_is_recorded(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    review(evaluation, network.foreman, adjustment="-3", adjustment_reason="two missed call-backs")
    evaluation.refresh_from_db()
    assert evaluation.final_score == pytest.approx(89.0)
    change = EvaluationChange.objects.get(evaluation=evaluation, kind=EvaluationChange.Kind.REVIEW_ADJUSTMENT)
    assert (change.old, change.new, change.reason) == (0, -3.0, "two missed call-backs")
    assert AuditEntry.objects.filter(action="cycle.review_adjustment").count() == 1


def test_a_reviewer_may_not_review_his_own_evaluation(network, version):
    cycle = make_cycle(version)
    own = make_evaluation(cycle, network.foreman, network.foreman)
    with pytest.raises(Refused) as refused:
        review(own, network.foreman)
    assert refused.value.domain_code == "review_own_evaluation"


def test_someone_not_the_named_reviewer_may_not_review(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    with pytest.raises(Refused) as refused:
        review(evaluation, network.manager)
    assert refused.value.domain_code == "not_the_reviewer"


def test_the_second_reviewer_reviews_too_and_the_evaluation_waits_for_both(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    Cycle.objects.filter(pk=evaluation.cycle_id).update(second_level=True)
    Evaluation.objects.filter(pk=evaluation.pk).update(second_reviewer=network.manager)
    review(evaluation, network.foreman, rating=4)
    assert fresh(evaluation).state == Evaluation.State.MANAGER_REVIEW
    review(evaluation, network.manager, rating=3)
    evaluation.refresh_from_db()
    # compliance (4 + 3) / 2 = 3.5 → 70 × 40 %
    assert evaluation.state == Evaluation.State.CALIBRATION and evaluation.final_score == pytest.approx(88.0)


def test_a_review_after_the_due_date_is_accepted_and_marked_late(network, version, monkeypatch):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 11, 12, 3, tzinfo=datetime.UTC))
    review(evaluation, network.foreman)
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.CALIBRATION
    assert submitted_late(evaluation.manager_submitted_at, evaluation.cycle.manager_review_due)


def test_a_review_on_its_due_day_is_not_late(network, version, monkeypatch):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    # 23:30 in Shanghai on the due day is 15:30 UTC
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 11, 10, 15, 30, tzinfo=datetime.UTC))
    review(evaluation, network.foreman)
    evaluation.refresh_from_db()
    assert not submitted_late(evaluation.manager_submitted_at, evaluation.cycle.manager_review_due)


def test_a_review_after_the_cycle_left_the_stage_is_refused_as_closed(network, version):
    evaluation = evaluation_at(
        network, version, Evaluation.State.MANAGER_REVIEW, stage=Cycle.Stage.CALIBRATION
    )
    with pytest.raises(Conflict) as conflict:
        review(evaluation, network.foreman)
    assert conflict.value.domain_code == "review_step_closed"
    assert "closed" in str(conflict.value) or "已结束" in str(conflict.value)
    assert not EvaluationRating.objects.exists()


def test_the_reviewer_may_save_a_draft_during_the_self_review_but_not_submit(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.SELF_REVIEW)
    review(evaluation, network.foreman, submit=False)
    assert EvaluationRating.objects.get(role=EvaluationRating.Role.MANAGER).submitted_at is None
    with pytest.raises(Conflict):
        review(evaluation, network.foreman, submit=True)


def test_the_second_of_two_reviews_opened_on_one_revision_is_a_conflict(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    first, second = fresh(evaluation), fresh(evaluation)
    manager_review_save(
        evaluation=first,
        by=network.foreman.user,
        revision=0,
        ratings=[ReviewRating("COMPLIANCE", 4)],
        comment="draft one",
        submit=False,
    )
    with pytest.raises(Conflict) as conflict:
        manager_review_save(
            evaluation=second,
            by=network.foreman.user,
            revision=0,
            ratings=[ReviewRating("COMPLIANCE", 3)],
            comment="draft two",
            submit=False,
        )
    assert conflict.value.domain_code == "evaluation_changed"
    evaluation.refresh_from_db()
    assert evaluation.manager_comment == "draft one"
    assert EvaluationRating.objects.get().rating == 4


def test_a_rating_in_the_cycle_replaces_nothing_of_the_other_sides(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    rate(evaluation, network.tech, EvaluationRating.Role.SELF, rating=5, comment="spotless")
    review(evaluation, network.foreman, rating=4)
    assert EvaluationRating.objects.get(role=EvaluationRating.Role.SELF).rating == 5


def test_hr_who_manages_cycles_may_set_personal_targets(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.TARGETS)
    targets_set(evaluation=fresh(evaluation), by=network.hr.user, revision=0, targets={"FTFR": "92.5"})
    assert fresh(evaluation).targets == {"FTFR": 92.5}


def test_targets_after_the_sign_off_are_refused_as_closed(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.SIGNED)
    with pytest.raises(Conflict) as conflict:
        targets_set(evaluation=fresh(evaluation), by=network.foreman.user, revision=0, targets={"FTFR": "85"})
    assert conflict.value.domain_code == "review_step_closed"


def test_a_rating_of_an_item_outside_the_scheme_is_refused(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.SELF_REVIEW)
    with pytest.raises(Invalid) as invalid:
        self_review_save(
            evaluation=fresh(evaluation),
            by=network.tech.user,
            revision=0,
            ratings=[ReviewRating("TEAMWORK", "4")],
            submit=False,
        )
    assert invalid.value.items()[0]["code"] == "review_rating_not_manual"
    assert not EvaluationRating.objects.exists()


def test_a_self_review_is_not_submitted_with_an_item_unrated(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.SELF_REVIEW)
    with pytest.raises(Invalid) as invalid:
        self_review_save(
            evaluation=fresh(evaluation), by=network.tech.user, revision=0, ratings=[], submit=True
        )
    assert invalid.value.items()[0]["code"] == "review_incomplete"
    assert fresh(evaluation).state == Evaluation.State.SELF_REVIEW


def test_the_second_reviewer_may_not_adjust_the_score(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.MANAGER_REVIEW)
    Cycle.objects.filter(pk=evaluation.cycle_id).update(second_level=True)
    Evaluation.objects.filter(pk=evaluation.pk).update(second_reviewer=network.manager)
    with pytest.raises(Invalid) as invalid:
        review(evaluation, network.manager, adjustment="2", adjustment_reason="extra")
    assert invalid.value.items()[0]["code"] == "review_adjustment_second"


def test_a_submitted_self_review_tells_the_reviewer_it_is_his_turn(network, version):
    evaluation = evaluation_at(network, version, Evaluation.State.SELF_REVIEW)
    self_review_save(
        evaluation=fresh(evaluation),
        by=network.tech.user,
        revision=0,
        ratings=[ReviewRating("COMPLIANCE", "4")],
        submit=True,
    )
    reminder = CycleReminder.objects.get(evaluation=evaluation)
    assert (reminder.step, reminder.kind, reminder.recipient) == (
        "manager_review",
        "turn",
        network.foreman.user,
    )
