"""Inviting 360° raters (services/feedback.py `feedback_request`): by the reviewer or a
cycle manager in scope; never the appraised person or a reviewer as rater; only manual
items; only while the evaluation takes feedback; each rater notified."""

import pytest

from servicescore.appraisal.models import Evaluation, FeedbackRequest
from servicescore.appraisal.services.feedback import feedback_request
from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.core.models import InboxMessage

from ..conftest import login
from .cycle_setup_y import cycle_with, evaluation, technician_version


@pytest.fixture
def setup(network):
    cycle = cycle_with(technician_version(), stage="manager_review")
    found = evaluation(cycle, network.tech, state=Evaluation.State.MANAGER_REVIEW)
    return network, found


def test_the_reviewer_invites_a_peer_who_is_notified_with_a_link_to_his_page(setup):
    net, found = setup
    [created] = feedback_request(
        by=net.foreman.user, evaluation=found, raters=["T2"], indicators=["TEAMWORK"]
    )
    assert (created.rater, created.indicators, created.anonymous) == (net.tech_colleague, ["TEAMWORK"], True)
    message = InboxMessage.objects.get(user=net.tech_colleague.user)
    assert message.notification.link == f"/appraisal/feedback/{created.pk}/"


def test_a_service_manager_in_scope_may_invite_too(setup):
    net, found = setup
    feedback_request(
        by=net.manager.user, evaluation=found, raters=["A1"], indicators=["TEAMWORK"], anonymous=False
    )
    assert FeedbackRequest.objects.get().anonymous is False


def test_inviting_the_appraised_person_is_refused_and_writes_nothing(setup):
    net, found = setup
    with pytest.raises(Refused) as refused:
        feedback_request(by=net.foreman.user, evaluation=found, raters=["T2", "T1"], indicators=["TEAMWORK"])
    assert refused.value.domain_code == "feedback_rater_refused"
    assert not FeedbackRequest.objects.exists()
    assert not InboxMessage.objects.exists()


def test_inviting_the_reviewer_is_refused(setup):
    net, found = setup
    with pytest.raises(Refused) as refused:
        feedback_request(by=net.manager.user, evaluation=found, raters=["F1"], indicators=["TEAMWORK"])
    assert refused.value.domain_code == "feedback_rater_refused"


def test_an_item_that_is_not_manual_is_refused(setup):
    net, found = setup
    with pytest.raises(Invalid) as refused:
        feedback_request(by=net.foreman.user, evaluation=found, raters=["T2"], indicators=["FTFR"])
    assert refused.value.domain_code == "feedback_items_invalid"
    assert not FeedbackRequest.objects.exists()


def test_no_items_is_refused(setup):
    net, found = setup
    with pytest.raises(Invalid):
        feedback_request(by=net.foreman.user, evaluation=found, raters=["T2"], indicators=[])


def test_no_raters_is_refused(setup):
    net, found = setup
    with pytest.raises(Invalid) as refused:
        feedback_request(by=net.foreman.user, evaluation=found, raters=[], indicators=["TEAMWORK"])
    assert refused.value.domain_code == "feedback_raters_missing"


def test_an_unknown_employee_number_is_not_found(setup):
    net, found = setup
    with pytest.raises(NotFound) as refused:
        feedback_request(by=net.foreman.user, evaluation=found, raters=["NOPE"], indicators=["TEAMWORK"])
    assert refused.value.domain_code == "feedback_rater_unknown"


def test_a_colleague_cannot_invite_raters_for_someone_else(setup):
    net, found = setup
    with pytest.raises(Refused) as refused:
        feedback_request(by=net.tech_colleague.user, evaluation=found, raters=["A1"], indicators=["TEAMWORK"])
    assert refused.value.domain_code == "feedback_inviters_only"


def test_inviting_the_same_rater_twice_is_a_conflict(setup):
    net, found = setup
    feedback_request(by=net.foreman.user, evaluation=found, raters=["T2"], indicators=["TEAMWORK"])
    with pytest.raises(Conflict):
        feedback_request(by=net.foreman.user, evaluation=found, raters=["T2", "A1"], indicators=["TEAMWORK"])
    assert FeedbackRequest.objects.count() == 1


def test_no_invitation_once_the_evaluation_is_in_calibration(network):
    cycle = cycle_with(technician_version())
    found = evaluation(cycle, network.tech)
    with pytest.raises(Conflict) as refused:
        feedback_request(by=network.foreman.user, evaluation=found, raters=["T2"], indicators=["TEAMWORK"])
    assert refused.value.domain_code == "feedback_not_open"


def test_the_invitation_form_posts_and_goes_back(client, setup):
    net, found = setup
    login(client, net.foreman)
    response = client.post(
        f"/appraisal/evaluations/{found.pk}/feedback/invite/",
        {"raters": "T2, A1", "indicators": ["TEAMWORK"], "anonymous": "on", "back": "/appraisal/todo/"},
    )
    assert response.status_code == 302 and response["Location"] == "/appraisal/todo/"
    assert FeedbackRequest.objects.filter(evaluation=found).count() == 2


def test_the_invitation_form_is_404_for_someone_who_cannot_read_the_evaluation(client, setup):
    net, found = setup
    login(client, net.tech_sc2)
    response = client.post(
        f"/appraisal/evaluations/{found.pk}/feedback/invite/", {"raters": "T2", "indicators": ["TEAMWORK"]}
    )
    assert response.status_code == 404
    assert not FeedbackRequest.objects.exists()
