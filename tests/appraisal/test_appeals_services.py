"""Confirmation and appeals of a published evaluation (appraisal/services/appeals.py)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from servicescore.appraisal.models import Appeal, AppealEvidence, Evaluation, EvaluationChange, Exclusion
from servicescore.appraisal.services import appeals
from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.core.models import AuditEntry, InboxMessage
from servicescore.core.uploads import DOCUMENT_MAX_BYTES

from ..factories import UserFactory
from . import appeals as setup
from .appeals import disguised, pdf, png, publish

pytestmark = pytest.mark.django_db
published = setup.published


def fresh(evaluation):
    return Evaluation.objects.get(pk=evaluation.pk)


def appeal_of(published, **fields):
    return appeals.appeal_file(
        by=published.net.tech.user,
        evaluation=published.evaluation,
        indicators=fields.pop("indicators", ["FTFR"]),
        reason=fields.pop("reason", "The second work order was a parts shortage, not my repair."),
        files=fields.pop("files", ()),
    )


# --- confirmation -----------------------------------------------------------------------------------
def test_the_employee_confirms_within_the_window_and_the_result_becomes_final(published):
    appeals.evaluation_confirm(by=published.net.tech.user, evaluation=published.evaluation)
    evaluation = fresh(published.evaluation)
    assert evaluation.state == Evaluation.State.FINAL
    assert evaluation.confirmed_at is not None
    assert evaluation.changes.get().new == "final"


def test_someone_else_who_reads_the_evaluation_cannot_confirm_it(published):
    with pytest.raises(Refused) as caught:
        appeals.evaluation_confirm(by=published.net.foreman.user, evaluation=published.evaluation)
    assert caught.value.domain_code == "not_own_evaluation"
    assert fresh(published.evaluation).state == Evaluation.State.PUBLISHED


def test_a_colleague_cannot_confirm_an_evaluation_he_cannot_read(published):
    with pytest.raises(NotFound):
        appeals.evaluation_confirm(by=published.net.tech_colleague.user, evaluation=published.evaluation)


def test_finalise_due_locks_the_results_whose_window_passed_and_only_those(published):
    later = publish(published.net, employee=published.net.tech_colleague)
    Evaluation.objects.filter(pk=published.evaluation.pk).update(
        confirm_due=timezone.now() - datetime.timedelta(hours=1)
    )
    assert appeals.finalise_due() == 1
    assert fresh(published.evaluation).state == Evaluation.State.FINAL
    assert fresh(published.evaluation).locked
    assert fresh(later).state == Evaluation.State.PUBLISHED
    assert appeals.finalise_due() == 0


def test_after_the_window_neither_confirming_nor_appealing_is_possible(published):
    Evaluation.objects.filter(pk=published.evaluation.pk).update(
        confirm_due=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(Refused) as caught:
        appeal_of(published)
    assert caught.value.domain_code == "confirm_window_closed"
    appeals.finalise_due()
    with pytest.raises(Refused) as caught:
        appeals.evaluation_confirm(by=published.net.tech.user, evaluation=published.evaluation)
    assert caught.value.domain_code == "confirm_window_closed"
    assert not Appeal.objects.exists()


# --- filing ------------------------------------------------------------------------------------------
def test_an_appeal_puts_the_evaluation_in_appeal_with_a_deadline_and_tells_hr_and_the_appeal_reviewer(
    published,
):
    cycle = published.evaluation.cycle
    cycle.appeal_reviewer = published.net.regional_manager
    cycle.save()
    appeal = appeal_of(published, files=[png(), pdf()])
    assert fresh(published.evaluation).state == Evaluation.State.APPEALED
    assert appeal.indicators == ["FTFR"]
    assert appeal.due_at > timezone.now()
    assert [e.name for e in appeal.evidence.all()] == ["scan.png", "note.pdf"]
    assert all(not e.file.name.endswith(("scan.png", "note.pdf")) for e in appeal.evidence.all())
    told = set(InboxMessage.objects.values_list("user__username", flat=True))
    assert told == {"h1", "rm1"}


def test_the_original_manager_is_never_told_as_a_decider_even_if_hr(published):
    published.net.foreman.user.role = "hr"
    published.net.foreman.user.save()
    appeal_of(published)
    assert "f1" not in set(InboxMessage.objects.values_list("user__username", flat=True))


def test_an_appeal_by_someone_who_reads_the_evaluation_is_refused(published):
    with pytest.raises(Refused):
        appeals.appeal_file(by=published.net.foreman.user, evaluation=published.evaluation, reason="x")
    assert not Appeal.objects.exists()


def test_an_appeal_by_someone_who_cannot_read_the_evaluation_is_not_found(published):
    with pytest.raises(NotFound):
        appeals.appeal_file(by=published.net.tech_colleague.user, evaluation=published.evaluation, reason="x")
    assert not Appeal.objects.exists()


def test_an_appeal_needs_a_reason(published):
    with pytest.raises(Invalid) as caught:
        appeal_of(published, reason="   ")
    assert caught.value.domain_code == "appeal_reason_missing"
    assert fresh(published.evaluation).state == Evaluation.State.PUBLISHED


def test_an_appeal_of_something_that_is_no_item_of_the_evaluation_is_refused(published):
    with pytest.raises(Invalid) as caught:
        appeal_of(published, indicators=["FTFR", "CSAT"])
    assert caught.value.domain_code == "appeal_not_an_item"
    assert not Appeal.objects.exists()


def test_an_appeal_of_the_whole_result_names_no_items(published):
    assert appeal_of(published, indicators=[]).indicators == []


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(disguised, id="html named pdf"),
        pytest.param(
            lambda: SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * DOCUMENT_MAX_BYTES), id="too large"
        ),
    ],
)
def test_a_bad_evidence_file_refuses_the_appeal_and_writes_nothing(published, upload):
    with pytest.raises(Invalid) as caught:
        appeal_of(published, files=[png(), upload()])
    assert caught.value.domain_code == "appeal_evidence_file"
    assert not Appeal.objects.exists()
    assert not AppealEvidence.objects.exists()
    assert fresh(published.evaluation).state == Evaluation.State.PUBLISHED
    assert not EvaluationChange.objects.exists()


def test_a_second_appeal_while_one_is_open_is_a_conflict(published):
    appeal_of(published)
    with pytest.raises(Conflict):
        appeal_of(published)


# --- deciding ----------------------------------------------------------------------------------------
def test_the_original_manager_cannot_decide_even_as_hr(published):
    appeal = appeal_of(published)
    published.net.foreman.user.role = "hr"
    published.net.foreman.user.save()
    with pytest.raises(Refused) as caught:
        appeals.appeal_uphold(by=published.net.foreman.user, appeal=appeal, reason="fine")
    assert caught.value.domain_code == "appeal_decider_is_reviewer"
    assert Appeal.objects.get().state == Appeal.State.OPEN


def test_a_service_manager_who_reads_the_evaluation_is_no_decider(published):
    appeal = appeal_of(published)
    with pytest.raises(Refused) as caught:
        appeals.appeal_uphold(by=published.net.manager.user, appeal=appeal, reason="fine")
    assert caught.value.domain_code == "appeal_not_decider"


def test_the_cycles_appeal_reviewer_decides(published):
    cycle = published.evaluation.cycle
    cycle.appeal_reviewer = published.net.tech_sc2
    cycle.save()
    appeal = appeal_of(published)
    appeals.appeal_uphold(by=published.net.tech_sc2.user, appeal=appeal, reason="The record is right.")
    assert Appeal.objects.get().state == Appeal.State.UPHELD


def test_an_outsider_cannot_find_the_appeal(published):
    appeal = appeal_of(published)
    with pytest.raises(NotFound):
        appeals.appeal_uphold(by=published.net.tech_colleague.user, appeal=appeal, reason="x")


def test_upholding_keeps_the_score_makes_the_result_final_and_tells_the_employee(published):
    before = fresh(published.evaluation)
    appeal = appeal_of(published)
    InboxMessage.objects.all().delete()
    appeals.appeal_uphold(by=published.net.hr.user, appeal=appeal, reason="The work order was yours.")
    after = fresh(published.evaluation)
    assert (after.final_score, after.grade, after.state) == (before.final_score, before.grade, "final")
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decision_reason, appeal.decided_by) == (
        "upheld",
        "The work order was yours.",
        published.net.hr.user,
    )
    assert list(InboxMessage.objects.values_list("user__username", flat=True)) == ["t1"]
    with pytest.raises(Conflict):
        appeals.appeal_uphold(by=published.net.hr.user, appeal=appeal, reason="again")


def test_a_decision_needs_a_reason(published):
    appeal = appeal_of(published)
    with pytest.raises(Invalid) as caught:
        appeals.appeal_uphold(by=published.net.hr.user, appeal=appeal, reason="")
    assert caught.value.domain_code == "appeal_text_missing"


def test_request_info_answer_then_adjust_with_an_exclusion_recomputes_the_figure_score_and_grade(published):
    hr = published.net.hr.user
    tech = published.net.tech.user
    before = fresh(published.evaluation)
    appeal = appeal_of(published)
    appeals.appeal_request_info(by=hr, appeal=appeal, question="Which part was missing?")
    assert Appeal.objects.get().state == Appeal.State.INFO_REQUESTED
    assert InboxMessage.objects.filter(user=tech).exists()
    with pytest.raises(Refused):
        appeals.appeal_answer(by=published.net.foreman.user, appeal=appeal, text="x")
    appeals.appeal_answer(by=tech, appeal=appeal, text="The battery module; see the order.", files=[pdf()])
    appeal.refresh_from_db()
    assert (appeal.state, appeal.evidence.count()) == ("open", 1)

    appeals.appeal_adjust(
        by=hr,
        appeal=appeal,
        reason="A parts shortage is not a repair failure.",
        exclusions=[("FTFR", published.not_fixed.pk, "Waiting for parts")],
    )
    after = fresh(published.evaluation)
    assert after.figures["FTFR"] == [100.0, 1, 1, 1]
    assert after.state == Evaluation.State.FINAL
    assert after.final_score > before.final_score
    assert after.grade != before.grade
    exclusion = Exclusion.objects.get()
    assert (exclusion.indicator, exclusion.work_order, exclusion.appeal) == (
        "FTFR",
        published.not_fixed,
        appeal,
    )
    change = after.changes.get(kind=EvaluationChange.Kind.EXCLUSION)
    assert (change.old, change.new) == ([50.0, 1, 2, 2], [100.0, 1, 1, 1])
    decision = after.changes.get(kind=EvaluationChange.Kind.APPEAL, field="final_score")
    assert decision.old == {"score": before.final_score, "grade": before.grade}
    assert decision.new == {"score": after.final_score, "grade": after.grade}
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"cycle.exclusion", "cycle.appeal_adjusted", "appeal.adjust", "appeal.request_info"} <= actions
    assert Appeal.objects.get().state == Appeal.State.ADJUSTED


def test_excluding_the_fixed_order_lowers_the_rate(published):
    appeal = appeal_of(published)
    appeals.appeal_adjust(
        by=published.net.hr.user, appeal=appeal, reason="r", exclusions=[("FTFR", published.fixed.pk, "")]
    )
    assert fresh(published.evaluation).figures["FTFR"] == [0.0, 0, 1, 1]


def test_a_work_order_not_behind_the_indicator_cannot_be_excluded(published):
    appeal = appeal_of(published)
    with pytest.raises(Invalid) as caught:
        appeals.appeal_adjust(
            by=published.net.hr.user,
            appeal=appeal,
            reason="r",
            exclusions=[("FTFR", published.colleague_order.pk, "not mine")],
        )
    assert caught.value.domain_code == "exclusion_not_behind"
    assert not Exclusion.objects.exists()
    assert fresh(published.evaluation).figures["FTFR"] == [50.0, 1, 2, 2]
    assert Appeal.objects.get().state == Appeal.State.OPEN


def test_an_indicator_that_is_no_item_cannot_have_an_exclusion(published):
    appeal = appeal_of(published)
    with pytest.raises(Invalid) as caught:
        appeals.appeal_adjust(
            by=published.net.hr.user, appeal=appeal, reason="r", exclusions=[("CSAT", published.fixed.pk, "")]
        )
    assert caught.value.domain_code == "exclusion_not_an_item"


def test_the_same_order_twice_is_refused(published):
    appeal = appeal_of(published)
    with pytest.raises(Invalid) as caught:
        appeals.appeal_adjust(
            by=published.net.hr.user,
            appeal=appeal,
            reason="r",
            exclusions=[("FTFR", published.fixed.pk, ""), ("FTFR", published.fixed.pk, "")],
        )
    assert caught.value.domain_code == "exclusion_repeated"
    assert not Exclusion.objects.exists()


def test_an_adjustment_without_exclusion_or_score_change_is_refused(published):
    appeal = appeal_of(published)
    with pytest.raises(Invalid) as caught:
        appeals.appeal_adjust(by=published.net.hr.user, appeal=appeal, reason="r")
    assert caught.value.domain_code == "appeal_adjustment_empty"


def test_a_score_change_beyond_the_cycles_limit_is_refused(published):
    appeal = appeal_of(published)
    with pytest.raises(Invalid) as caught:
        appeals.appeal_adjust(by=published.net.hr.user, appeal=appeal, reason="r", adjustment="50")
    assert caught.value.domain_code == "appeal_adjustment_limit"


def test_a_score_change_within_the_limit_moves_the_final_score(published):
    before = fresh(published.evaluation).final_score
    appeal = appeal_of(published)
    appeals.appeal_adjust(by=published.net.hr.user, appeal=appeal, reason="r", adjustment="3")
    assert fresh(published.evaluation).final_score == pytest.approx(before + 3)


# --- escalation ---------------------------------------------------------------------------------------
def test_an_overdue_appeal_is_escalated_once_to_hr_and_administrators(published):
    admin = UserFactory(username="admin", role="admin")
    appeal = appeal_of(published)
    InboxMessage.objects.all().delete()
    assert appeals.escalate_overdue_appeals(now=appeal.due_at - datetime.timedelta(minutes=1)) == 0
    later = appeal.due_at + datetime.timedelta(minutes=1)
    assert appeals.escalate_overdue_appeals(now=later) == 1
    assert appeals.escalate_overdue_appeals(now=later + datetime.timedelta(days=1)) == 0
    appeal.refresh_from_db()
    assert appeal.escalated_at == later
    assert set(InboxMessage.objects.values_list("user", flat=True)) == {published.net.hr.user.pk, admin.pk}


def test_the_hourly_tasks_finalise_and_escalate(published, settings):
    from servicescore.appraisal.tasks import escalate_overdue_appeals_task, finalise_due_evaluations_task

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"appraisal.finalise_due_evaluations", "appraisal.escalate_overdue_appeals"} <= schedule
    Evaluation.objects.filter(pk=published.evaluation.pk).update(
        confirm_due=timezone.now() - datetime.timedelta(hours=1)
    )
    assert finalise_due_evaluations_task() == 1
    assert escalate_overdue_appeals_task() == 0


def test_a_confirmed_result_is_locked_against_appeal_and_a_second_confirmation(published):
    appeals.evaluation_confirm(by=published.net.tech.user, evaluation=published.evaluation)
    with pytest.raises(Conflict) as caught:
        appeal_of(published)
    assert caught.value.domain_code == "evaluation_not_published"
    with pytest.raises(Conflict):
        appeals.evaluation_confirm(by=published.net.tech.user, evaluation=published.evaluation)
    assert not Appeal.objects.exists()


def test_a_derived_figure_that_uses_the_excluded_indicator_follows_it(published):
    from servicescore.kpi.models import DerivedIndicator

    DerivedIndicator.objects.create(
        code="FIX_HALF", name_zh="修复率一半", name_en="Half FTFR", formula="FTFR / 2"
    )
    evaluation = fresh(published.evaluation)
    evaluation.figures = {**evaluation.figures, "FIX_HALF": [25.0, None, None, 0]}
    evaluation.save(update_fields=["figures"])
    appeal = appeal_of(published)
    appeals.appeal_adjust(
        by=published.net.hr.user, appeal=appeal, reason="r", exclusions=[("FTFR", published.not_fixed.pk, "")]
    )
    assert fresh(published.evaluation).figures["FIX_HALF"] == [50.0, None, None, 0]


def test_a_derived_indicator_refuses_an_exclusion(published):
    from servicescore.appraisal.models import TemplateItem
    from servicescore.kpi.models import DerivedIndicator

    DerivedIndicator.objects.create(
        code="FIX_HALF", name_zh="修复率一半", name_en="Half FTFR", formula="FTFR / 2"
    )
    TemplateItem.objects.create(version=published.evaluation.version, indicator="FIX_HALF", weight=0)
    appeal = appeal_of(published)
    with pytest.raises(Invalid) as caught:
        appeals.appeal_adjust(
            by=published.net.hr.user,
            appeal=appeal,
            reason="r",
            exclusions=[("FIX_HALF", published.fixed.pk, "")],
        )
    assert caught.value.domain_code == "exclusion_not_separable"
