"""People who leave or change position after a cycle is created (issue 18, Bad input and
edge cases; the rules are in services/cycles.py's docstring): a position change keeps
the evaluation's position, scheme version and reviewer to the end; a leaver's evaluation
stays, marked, but holds no stage, gets no messages and takes no rank or share."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone, translation

from servicescore.appraisal.models import Cycle, Evaluation, EvaluationChange, TemplateItem
from servicescore.appraisal.selectors.calibration import calibration_board
from servicescore.appraisal.selectors.cycles import cycle_progress
from servicescore.appraisal.selectors.reviews import todo_for
from servicescore.appraisal.services.cycle_notices import send_due_reminders
from servicescore.appraisal.services.cycles import (
    cycle_advance,
    cycle_close,
    cycle_create,
    cycle_freeze,
    cycle_open,
    cycle_publish,
)
from servicescore.core.errors import Conflict
from servicescore.core.models import InboxMessage
from servicescore.core.periods import day_start
from servicescore.org.models import Employee

from ..conftest import login
from .cycles_setup import computed_october, create_args, technician_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(network):
    technician_scheme()
    computed_october(
        {network.tech: 90.0, network.tech_colleague: 75.0, network.tech_other_team: 80.0}, centre=network.sc1
    )
    return cycle_create(**create_args(network))


def leaves(employee):
    employee.status = Employee.Status.LEFT
    employee.save(update_fields=["status"])


def of(cycle, employee):
    return Evaluation.objects.get(cycle=cycle, employee=employee)


def sign(cycle, *people):
    for person in people:
        evaluation = of(cycle, person)
        evaluation.sign_targets()
        evaluation.save()


def to_calibration(cycle, network, *, submitted):
    """Open, freeze and review the cycle, the steps done by `submitted` only; the manager
    (not HR: nobody may skip) moves it on."""
    cycle_open(cycle=cycle, by=network.hr.user)
    sign(cycle, *submitted)
    cycle_freeze(cycle=cycle, by=network.manager.user)
    Evaluation.objects.filter(cycle=cycle, employee__in=submitted).update(self_submitted_at=timezone.now())
    cycle_advance(cycle=cycle, by=network.manager.user)
    Evaluation.objects.filter(cycle=cycle, employee__in=submitted).update(manager_submitted_at=timezone.now())
    cycle_advance(cycle=cycle, by=network.manager.user, to=Cycle.Stage.CALIBRATION)


# --- a position change -------------------------------------------------------------------------
def test_a_position_change_after_creation_keeps_the_scheme_version_through_publication(network, cycle):
    pinned = of(cycle, network.tech).version_id
    network.tech.position = "service_advisor"
    network.tech.save(update_fields=["position"])
    to_calibration(cycle, network, submitted=[network.tech, network.tech_colleague, network.tech_other_team])
    cycle_publish(cycle=cycle, by=network.hr.user)
    evaluation = of(cycle, network.tech)
    assert (evaluation.state, evaluation.position, evaluation.version_id) == (
        "published",
        "technician",
        pinned,
    )
    assert [line["indicator"] for line in evaluation.items] == ["FTFR", "COMPLIANCE"]


def test_a_position_change_keeps_the_person_ranked_among_the_position_appraised(network, cycle):
    network.tech.position = "service_advisor"
    network.tech.save(update_fields=["position"])
    to_calibration(cycle, network, submitted=[network.tech, network.tech_colleague, network.tech_other_team])
    cycle_publish(cycle=cycle, by=network.hr.user)
    evaluation = of(cycle, network.tech)
    assert (evaluation.rank_in_position, evaluation.ranked_among) == (1, 3)


def test_a_scheme_edited_after_creation_does_not_reach_the_cycle(network, cycle):
    pinned = of(cycle, network.tech).version
    TemplateItem.objects.filter(version=pinned, indicator="FTFR").update(weight=90)
    new_version = technician_scheme()
    to_calibration(cycle, network, submitted=[network.tech, network.tech_colleague, network.tech_other_team])
    assert of(cycle, network.tech).version_id == pinned.pk != new_version.pk


# --- leavers --------------------------------------------------------------------------------------
def test_a_leavers_unsigned_targets_do_not_hold_the_freeze(network, cycle):
    cycle_open(cycle=cycle, by=network.hr.user)
    sign(cycle, network.tech_colleague, network.tech_other_team)
    leaves(network.tech)
    cycle_freeze(cycle=cycle, by=network.manager.user)
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.SELF_REVIEW
    assert of(cycle, network.tech).state == Evaluation.State.SELF_REVIEW


def test_a_leavers_skipped_step_is_recorded_with_the_reason_left_the_company(network, cycle):
    cycle_open(cycle=cycle, by=network.hr.user)
    sign(cycle, network.tech_colleague, network.tech_other_team)
    leaves(network.tech)
    with translation.override("en"):
        cycle_freeze(cycle=cycle, by=network.manager.user)
    skip = EvaluationChange.objects.get(kind=EvaluationChange.Kind.SKIP)
    assert (skip.evaluation.employee, skip.reason) == (network.tech, "left the company")


def test_hrs_reason_for_the_others_does_not_replace_the_leavers(network, cycle):
    cycle_open(cycle=cycle, by=network.hr.user)
    leaves(network.tech)
    with translation.override("en"):
        cycle_freeze(cycle=cycle, by=network.hr.user, reason="员工休假，目标默认确认")
    reasons = dict(
        EvaluationChange.objects.filter(kind=EvaluationChange.Kind.SKIP).values_list(
            "evaluation__employee__employee_no", "reason"
        )
    )
    assert reasons == {
        "T1": "left the company",
        "T2": "员工休假，目标默认确认",
        "T3": "员工休假，目标默认确认",
    }


def test_someone_still_employed_still_holds_the_freeze(network, cycle):
    cycle_open(cycle=cycle, by=network.hr.user)
    sign(cycle, network.tech_other_team)
    leaves(network.tech)
    with pytest.raises(Conflict) as caught:
        cycle_freeze(cycle=cycle, by=network.manager.user)
    assert network.tech_colleague.name in caught.value.message_text
    assert network.tech.name not in caught.value.message_text
    assert not EvaluationChange.objects.exists()


def test_a_leavers_missing_reviews_do_not_hold_the_cycle_up_to_calibration(network, cycle):
    leaves(network.tech)
    to_calibration(cycle, network, submitted=[network.tech_colleague, network.tech_other_team])
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.CALIBRATION
    assert of(cycle, network.tech).state == Evaluation.State.CALIBRATION
    assert EvaluationChange.objects.filter(kind="skip", evaluation__employee=network.tech).count() == 3


def test_a_leaver_is_not_told_it_is_their_turn(network, cycle):
    leaves(network.tech)
    cycle_open(cycle=cycle, by=network.hr.user)
    assert not InboxMessage.objects.filter(user=network.tech.user).exists()
    assert InboxMessage.objects.filter(user=network.tech_colleague.user).count() == 1


def test_the_reviewer_is_not_asked_to_review_a_leaver(network, cycle):
    cycle_open(cycle=cycle, by=network.hr.user)
    sign(cycle, network.tech, network.tech_colleague, network.tech_other_team)
    cycle_freeze(cycle=cycle, by=network.hr.user)
    leaves(network.tech)
    Evaluation.objects.filter(cycle=cycle).update(self_submitted_at=timezone.now())
    InboxMessage.objects.all().delete()
    cycle_advance(cycle=cycle, by=network.hr.user)
    subjects = list(
        InboxMessage.objects.filter(user=network.foreman.user).values_list("notification__subject", flat=True)
    )
    assert len(subjects) == 1
    assert network.tech_colleague.name in subjects[0]


def test_a_leaver_gets_no_reminders_and_is_not_listed_late(network, cycle):
    cycle_open(cycle=cycle, by=network.hr.user)
    leaves(network.tech)
    InboxMessage.objects.all().delete()
    late = day_start(cycle.targets_due + datetime.timedelta(days=1)) + datetime.timedelta(hours=9)
    counts = send_due_reminders(now=late)
    assert counts["late"] == 2
    assert not InboxMessage.objects.filter(user=network.tech.user).exists()
    creator_list = InboxMessage.objects.get(user=network.hr.user).notification.body
    assert network.tech.name not in creator_list


def test_the_progress_board_does_not_list_a_leaver_as_late(network, cycle):
    cycle = cycle_open(cycle=cycle, by=network.hr.user)
    leaves(network.tech)
    board = cycle_progress(network.hr.user, cycle, today=cycle.targets_due + datetime.timedelta(days=1))
    assert sorted(person.name for person in board.late) == sorted(
        [network.tech_colleague.name, network.tech_other_team.name]
    )
    assert board.late_total == 2


def test_a_leaver_is_not_told_of_the_publication(network, cycle):
    to_calibration(cycle, network, submitted=[network.tech, network.tech_colleague, network.tech_other_team])
    leaves(network.tech)
    InboxMessage.objects.all().delete()
    cycle_publish(cycle=cycle, by=network.hr.user)
    assert of(cycle, network.tech).state == Evaluation.State.PUBLISHED
    assert not InboxMessage.objects.filter(user=network.tech.user).exists()
    assert InboxMessage.objects.filter(user=network.tech_colleague.user).exists()


def test_a_leaver_takes_no_rank_and_is_not_counted_among_the_ranked(network, cycle):
    to_calibration(cycle, network, submitted=[network.tech, network.tech_colleague, network.tech_other_team])
    leaves(network.tech)  # FTFR 90: would be first
    cycle_publish(cycle=cycle, by=network.hr.user)
    ranks = {
        e.employee_id: (e.rank_in_position, e.ranked_among) for e in Evaluation.objects.filter(cycle=cycle)
    }
    assert ranks == {
        network.tech.pk: (None, None),
        network.tech_other_team.pk: (1, 2),
        network.tech_colleague.pk: (2, 2),
    }


def test_a_leavers_grade_is_not_counted_in_the_calibration_shares(network, cycle):
    to_calibration(cycle, network, submitted=[network.tech, network.tech_colleague, network.tech_other_team])
    leaves(network.tech)
    board = calibration_board(network.hr.user, cycle.pk)
    assert board["graded_count"] == 2
    assert sum(row["count"] for row in board["grades"]) == 2
    assert board["left_count"] == 1
    assert board["count"] == 3  # still listed for HR


def test_hr_still_reads_a_leavers_evaluation_marked_left(client, network, cycle):
    to_calibration(cycle, network, submitted=[network.tech, network.tech_colleague, network.tech_other_team])
    leaves(network.tech)
    cycle_publish(cycle=cycle, by=network.hr.user)
    login(client, network.hr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    results = client.get(f"/appraisal/cycles/{cycle.pk}/results/").content.decode()
    page = client.get(f"/appraisal/evaluations/{of(cycle, network.tech).pk}/")
    assert results.count("data-left>Left<") == 1
    assert page.status_code == 200
    assert "data-left>Left<" in page.content.decode()


def test_the_reviewers_to_do_list_does_not_ask_for_a_leavers_review(network, cycle):
    cycle_open(cycle=cycle, by=network.hr.user)
    sign(cycle, network.tech, network.tech_colleague, network.tech_other_team)
    cycle_freeze(cycle=cycle, by=network.hr.user)
    leaves(network.tech)
    people = [task.person for task in todo_for(network.foreman.user) if task.kind == "review"]
    assert people == [network.tech_colleague.name]


def test_a_leavers_unconfirmed_result_does_not_hold_the_close(network, cycle):
    to_calibration(cycle, network, submitted=[network.tech, network.tech_colleague, network.tech_other_team])
    cycle_publish(cycle=cycle, by=network.hr.user)
    leaves(network.tech)
    Evaluation.objects.filter(cycle=cycle).exclude(employee=network.tech).update(state=Evaluation.State.FINAL)
    with translation.override("en"):
        cycle_close(cycle=cycle, by=network.hr.user)
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.CLOSED
    skip = EvaluationChange.objects.get(evaluation__employee=network.tech, kind="skip", new="final")
    assert skip.reason == "left the company"


def test_the_calibration_page_says_how_many_leavers_the_shares_leave_out(client, network, cycle):
    to_calibration(cycle, network, submitted=[network.tech, network.tech_colleague, network.tech_other_team])
    leaves(network.tech)
    login(client, network.hr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/appraisal/cycles/{cycle.pk}/calibration/").content.decode()
    assert "Left the company, not counted in the grades and shares: 1" in html
    assert html.count("data-left>Left<") == 1
