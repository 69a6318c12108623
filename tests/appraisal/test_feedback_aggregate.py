"""What the evaluation page shows of 360° feedback (selectors/feedback.py): anonymous
answers only as each item's mean of at least three raters, to the employee and the
manager alike (never an individual anonymous answer); named answers with the name;
nothing but the progress while the feedback is still open."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from servicescore.appraisal.models import Evaluation
from servicescore.appraisal.services.feedback import feedback_request, feedback_submit

from .cycle_setup_y import cycle_with, evaluation, technician_version

COMMENTS = {"T2": "很棒的搭档甲", "A1": "很棒的搭档乙", "D1": "很棒的搭档丙"}


def panel(evaluation, person) -> str:
    request = RequestFactory().get("/")
    request.user = getattr(person, "user", person)
    with translation.override("en"):
        return render_to_string(
            "appraisal/cycles/_evaluation_feedback.html", {"evaluation": evaluation, "request": request}
        )


def answered(network, numbers, *, anonymous=True, ratings=(5, 4, 3), close=True):
    cycle = cycle_with(technician_version(), stage="feedback")
    found = evaluation(cycle, network.tech, state=Evaluation.State.FEEDBACK)
    requests = feedback_request(
        by=network.foreman.user,
        evaluation=found,
        raters=numbers,
        indicators=["TEAMWORK"],
        anonymous=anonymous,
    )
    for request, rating in zip(requests, ratings, strict=False):
        feedback_submit(
            by=request.rater.user,
            request=request,
            ratings={"TEAMWORK": (rating, COMMENTS[request.rater.employee_no])},
        )
    if close:
        Evaluation.objects.filter(pk=found.pk).update(state=Evaluation.State.CALIBRATION)
        found.refresh_from_db()
    return found


@pytest.mark.parametrize("who", ["tech", "foreman"])
def test_two_anonymous_answers_are_not_shown(network, who):
    found = answered(network, ["T2", "A1"])
    html = panel(found, getattr(network, who))
    assert "data-feedback-too-few" in html
    assert "data-feedback-mean" not in html


@pytest.mark.parametrize("who", ["tech", "foreman"])
def test_three_anonymous_answers_show_their_mean(network, who):
    found = answered(network, ["T2", "A1", "D1"])
    html = panel(found, getattr(network, who))
    assert "Anonymous: mean 4.0 of 3 raters" in html


@pytest.mark.parametrize("who", ["foreman", "manager", "hr"])
def test_no_individual_anonymous_answer_reaches_managers_or_hr(network, who):
    found = answered(network, ["T2", "A1", "D1"])
    html = panel(found, getattr(network, who))
    for comment in COMMENTS.values():
        assert comment not in html
    assert "data-feedback-named" not in html


def test_named_feedback_shows_the_rater_and_the_answer_to_the_employee(network):
    found = answered(network, ["T2"], anonymous=False, ratings=(5,))
    html = panel(found, network.tech)
    assert network.tech_colleague.name in html and COMMENTS["T2"] in html


def test_while_feedback_is_open_the_employee_sees_no_answers(network):
    found = answered(network, ["T2", "A1", "D1"], close=False)
    html = panel(found, network.tech)
    assert "data-feedback-mean" not in html and "data-feedback-pending" in html


def test_while_feedback_is_open_the_manager_sees_progress_but_no_anonymous_mean(network):
    found = answered(network, ["T2", "A1", "D1"], close=False)
    html = panel(found, network.foreman)
    assert 'data-feedback-progress="3/3"' in html
    assert "data-feedback-mean" not in html


def test_the_reviewer_gets_the_invitation_form_and_the_employee_does_not(network):
    cycle = cycle_with(technician_version(), stage="feedback")
    found = evaluation(cycle, network.tech, state=Evaluation.State.FEEDBACK)
    assert "data-feedback-invite" in panel(found, network.foreman)
    assert "data-feedback-invite" not in panel(found, network.tech)


def test_the_panel_reads_in_a_few_queries(network, django_assert_max_num_queries):
    found = answered(network, ["T2", "A1", "D1"])
    # the requests, the ratings, the scheme items, the reader's employee record, the scope;
    # the evaluation, its person and cycle as an evaluation page loads them
    with django_assert_max_num_queries(8):
        panel(found, network.foreman)
