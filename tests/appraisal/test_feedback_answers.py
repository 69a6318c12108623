"""A rater's page, /appraisal/feedback/<pk>/: only the rater opens it (404 for anyone
else, the appraised person and his manager included); he rates the chosen items 1–5
with the comment rule, or declines."""

import pytest
from django.utils import translation

from servicescore.appraisal.models import Evaluation, EvaluationRating, FeedbackRequest
from servicescore.appraisal.services.feedback import feedback_request, feedback_submit
from servicescore.core.errors import Conflict, NotFound

from ..conftest import login
from .cycle_setup_y import cycle_with, evaluation, technician_version


@pytest.fixture
def invited(network):
    cycle = cycle_with(technician_version(), stage="feedback")
    found = evaluation(cycle, network.tech, state=Evaluation.State.FEEDBACK)
    [request] = feedback_request(
        by=network.foreman.user, evaluation=found, raters=["T2"], indicators=["TEAMWORK"]
    )
    return network, request


def test_the_rater_sees_the_items_to_rate(client, invited):
    net, request = invited
    login(client, net.tech_colleague)
    with translation.override("en"):
        response = client.get(f"/appraisal/feedback/{request.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert b'data-feedback-item="TEAMWORK"' in response.content


@pytest.mark.parametrize("who", ["tech", "foreman", "manager", "hr", "tech_other_team", "auditor"])
def test_anyone_but_the_rater_gets_404_on_the_rater_page(client, invited, who):
    net, request = invited
    login(client, getattr(net, who))
    assert client.get(f"/appraisal/feedback/{request.pk}/").status_code == 404
    assert client.post(f"/appraisal/feedback/{request.pk}/", {"action": "decline"}).status_code == 404
    request.refresh_from_db()
    assert request.state == FeedbackRequest.State.PENDING


def test_the_rater_submits_peer_ratings(client, invited):
    net, request = invited
    login(client, net.tech_colleague)
    response = client.post(
        f"/appraisal/feedback/{request.pk}/",
        {"action": "submit", "rating:TEAMWORK": "4", "comment:TEAMWORK": ""},
    )
    assert response.status_code == 302
    rating = EvaluationRating.objects.get(role=EvaluationRating.Role.PEER)
    assert (rating.rater, rating.rating, rating.submitted_at is not None) == (net.tech_colleague, 4, True)
    request.refresh_from_db()
    assert request.state == FeedbackRequest.State.SUBMITTED


def test_a_low_rating_without_a_comment_is_refused_and_writes_nothing(client, invited):
    net, request = invited
    login(client, net.tech_colleague)
    response = client.post(f"/appraisal/feedback/{request.pk}/", {"action": "submit", "rating:TEAMWORK": "2"})
    assert response.status_code == 422
    assert b'data-error="rating_comment"' in response.content
    assert not EvaluationRating.objects.filter(role=EvaluationRating.Role.PEER).exists()


def test_a_missing_rating_is_refused(client, invited):
    net, request = invited
    login(client, net.tech_colleague)
    response = client.post(f"/appraisal/feedback/{request.pk}/", {"action": "submit"})
    assert response.status_code == 422
    assert b'data-error="feedback_rating_missing"' in response.content


def test_a_rating_out_of_range_is_refused(client, invited):
    net, request = invited
    login(client, net.tech_colleague)
    response = client.post(f"/appraisal/feedback/{request.pk}/", {"action": "submit", "rating:TEAMWORK": "9"})
    assert response.status_code == 422
    assert b'data-error="rating_value"' in response.content


def test_the_rater_declines(client, invited):
    net, request = invited
    login(client, net.tech_colleague)
    client.post(f"/appraisal/feedback/{request.pk}/", {"action": "decline"})
    request.refresh_from_db()
    assert request.state == FeedbackRequest.State.DECLINED
    assert not EvaluationRating.objects.filter(role=EvaluationRating.Role.PEER).exists()


def test_answering_twice_is_a_conflict(invited):
    net, request = invited
    feedback_submit(by=net.tech_colleague.user, request=request, ratings={"TEAMWORK": (4, "")})
    with pytest.raises(Conflict) as refused:
        feedback_submit(by=net.tech_colleague.user, request=request, ratings={"TEAMWORK": (3, "")})
    assert refused.value.domain_code == "feedback_answered"
    assert EvaluationRating.objects.filter(role="peer").count() == 1


def test_the_service_refuses_anyone_but_the_rater(invited):
    net, request = invited
    with pytest.raises(NotFound):
        feedback_submit(by=net.foreman.user, request=request, ratings={"TEAMWORK": (4, "")})


def test_no_answer_once_the_evaluation_left_the_feedback_stage(invited):
    net, request = invited
    Evaluation.objects.filter(pk=request.evaluation_id).update(state=Evaluation.State.CALIBRATION)
    with pytest.raises(Conflict) as refused:
        feedback_submit(by=net.tech_colleague.user, request=request, ratings={"TEAMWORK": (4, "")})
    assert refused.value.domain_code == "feedback_not_open"
