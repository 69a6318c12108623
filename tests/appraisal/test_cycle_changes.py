"""The cycle's change log (/appraisal/cycles/<pk>/changes/) and the history card of the
evaluation page: who reads which changes, the values in words, the filters and their
bad inputs, and the query count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.appraisal.models import Cycle, Evaluation, EvaluationChange
from servicescore.appraisal.services.evaluations import record_change

from ..conftest import login
from .review_factories import make_cycle, make_evaluation, technician_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def cycle(network):
    return make_cycle(technician_scheme(), stage=Cycle.Stage.CALIBRATION)


@pytest.fixture
def evaluations(network, cycle):
    """T1 (Pudong, the service manager's scope) and T4 (Hangzhou, outside it)."""
    return {
        "T1": make_evaluation(cycle, network.tech, network.foreman, state=Evaluation.State.CALIBRATION),
        "T4": make_evaluation(cycle, network.tech_sc2, None, state=Evaluation.State.CALIBRATION),
    }


def at(minute):
    return datetime.datetime(2026, 11, 12, 9, minute, tzinfo=datetime.UTC)


def change(evaluation, by, minute, **fields):
    made = record_change(evaluation, by=by.user if hasattr(by, "user") else by, **fields)
    EvaluationChange.objects.filter(pk=made.pk).update(at=at(minute))
    return made


def log(cycle, **query):
    return reverse("appraisal:cycle_changes", args=[cycle.pk]) + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def shown(response) -> list[int]:
    return [row.change.pk for row in response.context["page_obj"].object_list]


# --- who reads the log -------------------------------------------------------------------------
def test_hr_reads_every_change_of_the_cycle_newest_first(client, network, cycle, evaluations):
    first = change(
        evaluations["T1"], network.hr, 1, kind="stage", field="state", old="manager_review", new="calibration"
    )
    second = change(
        evaluations["T4"],
        network.hr,
        2,
        kind="calibration",
        field="calibration_adjustment",
        old=0,
        new=2.5,
        reason="团队支援",
    )
    login(client, network.hr)
    response = client.get(log(cycle))
    assert response.status_code == 200
    assert shown(response) == [second.pk, first.pk]


def test_an_auditor_reads_every_change_of_the_cycle(client, network, cycle, evaluations):
    made = change(
        evaluations["T4"], network.hr, 1, kind="grade", field="calibrated_grade", old="B", new="A", reason="x"
    )
    login(client, network.auditor)
    response = client.get(log(cycle))
    assert response.status_code == 200
    assert shown(response) == [made.pk]


def test_a_service_manager_reads_only_the_changes_of_the_people_in_his_scope(
    client, network, cycle, evaluations
):
    mine = change(
        evaluations["T1"], network.hr, 1, kind="grade", field="calibrated_grade", old="B", new="A", reason="x"
    )
    change(
        evaluations["T4"], network.hr, 2, kind="grade", field="calibrated_grade", old="B", new="A", reason="x"
    )
    login(client, network.manager)
    response = client.get(log(cycle))
    assert response.status_code == 200
    assert shown(response) == [mine.pk]
    assert "员工T4" not in response.content.decode()


@pytest.mark.parametrize("who", ["tech", "foreman", "advisor"])
def test_roles_that_do_not_run_cycles_get_404_for_the_log(client, network, cycle, evaluations, who):
    change(
        evaluations["T1"], network.hr, 1, kind="grade", field="calibrated_grade", old="B", new="A", reason="x"
    )
    login(client, getattr(network, who))
    assert client.get(log(cycle)).status_code == 404


def test_the_log_of_a_cycle_without_anyone_in_the_managers_scope_is_404(client, network):
    other = make_cycle(technician_scheme(), stage=Cycle.Stage.CALIBRATION)
    make_evaluation(other, network.tech_sc2, None, state=Evaluation.State.CALIBRATION)
    login(client, network.manager)
    assert client.get(log(other)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, cycle):
    response = client.get(log(cycle))
    assert response.status_code == 302 and "login" in response["Location"]


# --- the values in words ----------------------------------------------------------------------
def test_a_change_shows_labels_points_with_two_decimals_and_the_reason(
    client, network, cycle, evaluations, english
):
    ev = evaluations["T1"]
    change(ev, network.hr, 1, kind="stage", field="state", old="manager_review", new="calibration")
    change(
        ev,
        network.hr,
        2,
        kind="calibration",
        field="calibration_adjustment",
        old=0,
        new=2.5,
        reason="Helped the other team",
    )
    change(
        ev,
        network.hr,
        3,
        kind="appeal",
        field="final_score",
        old={"score": 71.234, "grade": "C"},
        new={"score": 80.5, "grade": "B"},
        reason="Order excluded",
    )
    change(
        ev,
        network.hr,
        4,
        kind="exclusion",
        field="figures.FTFR",
        old=[80.0, 8, 10, 10],
        new=[88.88888, 8, 9, 9],
        reason="WO-1 left out",
    )
    login(client, network.hr)
    html = client.get(log(cycle)).content.decode()
    assert (
        "Manager review" in html
        and "Calibration" in html
        and "manager_review" not in html.replace('data-kind="', "")
    )
    assert "0.00" in html and "2.50" in html and "Helped the other team" in html
    assert "71.23 points, grade C" in html and "80.50 points, grade B" in html
    assert "Figure of First-time fix rate" in html or "Figure of" in html
    assert "88.89 (8/9)" in html and "WO-1 left out" in html
    assert "{&quot;" not in html and '{"score"' not in html


def test_a_change_by_the_scheduled_task_names_the_system(client, network, cycle, evaluations, english):
    made = record_change(
        evaluations["T1"], kind="stage", by=None, field="state", old="published", new="final"
    )
    login(client, network.hr)
    response = client.get(log(cycle))
    row = response.context["page_obj"].object_list[0]
    assert row.change.pk == made.pk and row.actor == "The system (scheduled task)"


# --- filters ----------------------------------------------------------------------------------
@pytest.fixture
def three(network, evaluations):
    return [
        change(
            evaluations["T1"],
            network.hr,
            1,
            kind="grade",
            field="calibrated_grade",
            old="B",
            new="A",
            reason="x",
        ),
        change(
            evaluations["T1"],
            network.manager,
            2,
            kind="calibration",
            field="calibration_adjustment",
            old=0,
            new=1,
            reason="y",
        ),
        change(
            evaluations["T4"],
            network.hr,
            3,
            kind="calibration",
            field="calibration_adjustment",
            old=0,
            new=-1,
            reason="z",
        ),
    ]


def test_the_log_filters_by_the_appraised_person(client, network, cycle, three):
    login(client, network.hr)
    assert shown(client.get(log(cycle, employee=network.tech.pk))) == [three[1].pk, three[0].pk]


def test_the_log_filters_by_employee_number(client, network, cycle, three):
    login(client, network.hr)
    assert shown(client.get(log(cycle, q="t4"))) == [three[2].pk]


def test_the_log_filters_by_actor(client, network, cycle, three):
    login(client, network.hr)
    response = client.get(log(cycle, actor=network.manager.user.pk))
    assert shown(response) == [three[1].pk]
    assert (str(network.manager.user.pk), "员工M1") in response.context["form"].fields["actor"].choices


def test_the_log_filters_by_kind(client, network, cycle, three):
    login(client, network.hr)
    assert shown(client.get(log(cycle, kind="calibration"))) == [three[2].pk, three[1].pk]


def test_a_person_outside_the_scope_is_not_a_choice_and_lists_nothing(client, network, cycle, three, english):
    login(client, network.manager)
    response = client.get(log(cycle, employee=network.tech_sc2.pk))
    assert response.status_code == 400
    assert shown(response) == []
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    "query", [{"employee": "abc"}, {"kind": "nonsense"}, {"actor": "999999"}, {"q": "x" * 101}]
)
def test_a_bad_filter_gets_an_error_and_lists_nothing(client, network, cycle, three, query):
    login(client, network.hr)
    response = client.get(log(cycle, **query))
    assert response.status_code == 400
    assert shown(response) == []
    assert "data-filter-errors" in response.content.decode()


def test_the_log_pages_fifty_changes_in_a_fixed_number_of_queries(
    client, network, cycle, evaluations, django_assert_max_num_queries
):
    now = timezone.now()
    EvaluationChange.objects.bulk_create(
        EvaluationChange(
            evaluation=evaluations["T1" if i % 2 else "T4"],
            kind="calibration",
            field="calibration_adjustment",
            old=0,
            new=i / 10,
            reason="r",
            by=network.hr.user if i % 3 else network.manager.user,
            at=now,
        )
        for i in range(120)
    )
    EvaluationChange.objects.create(
        evaluation=evaluations["T1"],
        kind="exclusion",
        field="figures.FTFR",
        old=[1, 1, 1, 1],
        new=[0.5, 1, 2, 2],
        by=None,
        at=now,
    )
    login(client, network.hr)
    client.get(log(cycle))  # warm the session and the caches
    with django_assert_max_num_queries(14):
        response = client.get(log(cycle, page=2))
    assert len(response.context["page_obj"].object_list) == 50
    assert response.context["page_obj"].paginator.count == 121


# --- the evaluation page's history card ---------------------------------------------------------
def evaluation_page(evaluation):
    return reverse("appraisal:evaluation", args=[evaluation.pk])


def test_the_employee_sees_the_history_of_his_evaluation_with_the_reasons(
    client, network, cycle, evaluations, english
):
    ev = evaluations["T1"]
    change(
        ev,
        network.hr,
        1,
        kind="grade",
        field="calibrated_grade",
        old="B",
        new="A",
        reason="Carried the team in October",
    )
    login(client, network.tech)
    html = client.get(evaluation_page(ev)).content.decode()
    assert "data-evaluation-history" in html
    assert "Carried the team in October" in html


def test_the_employee_does_not_see_the_managers_adjustment_while_the_review_is_a_draft(
    client, network, cycle, evaluations, english
):
    ev = evaluations["T1"]
    change(
        ev,
        network.foreman,
        1,
        kind="review_adjustment",
        field="review_adjustment",
        old=0,
        new=-3,
        reason="Secret draft reason",
    )
    login(client, network.tech)
    assert "Secret draft reason" not in client.get(evaluation_page(ev)).content.decode()
    Evaluation.objects.filter(pk=ev.pk).update(manager_submitted_at=timezone.now())
    assert "Secret draft reason" in client.get(evaluation_page(ev)).content.decode()


def test_the_reviewer_sees_his_own_draft_adjustment_in_the_history(
    client, network, cycle, evaluations, english
):
    ev = evaluations["T1"]
    change(
        ev,
        network.foreman,
        1,
        kind="review_adjustment",
        field="review_adjustment",
        old=0,
        new=-3,
        reason="Draft reason",
    )
    login(client, network.foreman)
    assert "Draft reason" in client.get(evaluation_page(ev)).content.decode()


def test_a_technician_cannot_read_a_colleagues_history_by_id(client, network, cycle, evaluations):
    colleague = make_evaluation(
        cycle, network.tech_colleague, network.foreman, state=Evaluation.State.CALIBRATION
    )
    change(
        colleague,
        network.hr,
        1,
        kind="grade",
        field="calibrated_grade",
        old="B",
        new="A",
        reason="Colleague's reason",
    )
    login(client, network.tech)
    response = client.get(evaluation_page(colleague))
    assert response.status_code == 404
    assert "Colleague's reason" not in response.content.decode()


def test_the_cycle_and_evaluation_pages_link_to_the_log_for_hr(client, network, cycle, evaluations):
    login(client, network.hr)
    target = log(cycle)
    assert target in client.get(reverse("appraisal:cycle", args=[cycle.pk])).content.decode()
    assert target in client.get(evaluation_page(evaluations["T1"])).content.decode()


def test_the_employee_gets_no_link_to_the_cycle_log(client, network, cycle, evaluations):
    login(client, network.tech)
    assert log(cycle) not in client.get(evaluation_page(evaluations["T1"])).content.decode()


# --- the audit page (/audit/) -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "action", "words"),
    [
        ("calibration", "", "calibration adjustment"),
        ("grade", "", "grade calibrated"),
        ("exclusion", "", "record excluded"),
        ("stage", "cycle.appeal_filed", "appeal filed"),
        ("stage", "cycle.confirm", "result confirmed"),
        ("appeal", "cycle.appeal_adjusted", "appeal decided: result adjusted"),
    ],
)
def test_the_audit_page_names_the_cycle_actions_in_words(
    client, network, cycle, evaluations, english, kind, action, words
):
    record_change(
        evaluations["T1"],
        kind=kind,
        by=network.hr.user,
        field="state",
        old="published",
        new="final",
        action=action,
    )
    login(client, network.hr)
    html = client.get(reverse("audit:list")).content.decode()
    assert words in html
    assert ">cycle." not in html


def test_a_score_kept_whole_in_the_audit_trail_names_its_parts_in_the_readers_language(network):
    from django.utils import translation

    from servicescore.core.audit import audit_record
    from servicescore.core.history import changes_in_words

    from .review_factories import make_cycle, make_evaluation, technician_scheme

    evaluation = make_evaluation(make_cycle(technician_scheme()), network.tech, network.foreman)
    entry = audit_record(
        actor=network.hr.user,
        action="cycle.freeze",
        obj=evaluation,
        changes={"final_score": [None, {"final_score": 71.2, "grade": "C"}]},
    )
    with translation.override("zh-hans"):
        [change] = changes_in_words(entry)
    assert change.new == "最终得分 71.2, 等级 C"
