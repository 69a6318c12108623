"""The review queue of flagged survey responses (voice/services/fraud.py response_review,
voice/views/fraud.py): managers confirm or exclude, with a reason kept in the audit trail,
only the responses on work orders in their scope; bad input is refused with a code and
writes nothing."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.core.models import AuditEntry
from servicescore.core.navigation import nav_items
from servicescore.voice.errors import fraud as errors
from servicescore.voice.models import SurveyResponse
from servicescore.voice.services.fraud import response_review

from ..conftest import login
from ..factories import EmployeeFactory, UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
Review = SurveyResponse.Review
_numbers = itertools.count()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


def flagged(network, *, centre=None, technician=None, flags=("fast",), review=Review.PENDING, days=1):
    order = WorkOrderFactory(
        service_center=centre or network.sc1,
        technician=technician or network.tech,
        advisor=None if centre else network.advisor,
        state="closed",
    )
    return SurveyResponse.objects.create(
        external_id=f"FR{next(_numbers)}",
        work_order=order,
        submitted_at=timezone.now() - datetime.timedelta(days=days),
        overall=5,
        comment="非常满意",
        flags=list(flags),
        review=review,
    )


@pytest.fixture
def response(network):
    return flagged(network)


@pytest.fixture
def other_manager(network):
    user = UserFactory(username="m2", role="service_manager")
    return EmployeeFactory(employee_no="M2", position="service_manager", org_unit=network.sc2, user=user)


def decide(response, by, decision=Review.EXCLUDED, reason="技师本人手机填写"):
    return response_review(response=response, decision=decision, reason=reason, by=by)


def code_of(excinfo):
    return excinfo.value.domain_code


# --- the service ----------------------------------------------------------------------------


def test_excluding_stores_the_decision_the_reviewer_and_the_reason(network, response):
    decide(response, network.manager.user)
    response.refresh_from_db()
    assert (response.review, response.reviewed_by, response.review_reason) == (
        Review.EXCLUDED,
        network.manager.user,
        "技师本人手机填写",
    )
    assert response.reviewed_at is not None


def test_the_decision_is_audited_with_its_reason(network, response):
    decide(response, network.manager.user, decision=Review.CONFIRMED, reason="客户电话确认")
    entry = AuditEntry.objects.get(object_id=str(response.pk), action="confirm")
    assert (entry.reason, entry.actor_id, entry.changes["review"]) == (
        "客户电话确认",
        network.manager.user.pk,
        ["pending", "confirmed"],
    )


def test_a_decision_without_a_reason_is_refused_and_writes_nothing(network, response):
    with pytest.raises(ValidationError) as excinfo:
        decide(response, network.manager.user, reason="   ")
    assert code_of(excinfo) == errors.REVIEW_REASON_REQUIRED
    response.refresh_from_db()
    assert response.review == Review.PENDING
    assert not AuditEntry.objects.filter(object_id=str(response.pk)).exists()


def test_deciding_twice_is_refused(network, response):
    decide(response, network.manager.user)
    with pytest.raises(ValidationError) as excinfo:
        decide(response, network.manager.user, decision=Review.CONFIRMED)
    assert code_of(excinfo) == errors.REVIEW_NOT_PENDING
    response.refresh_from_db()
    assert response.review == Review.EXCLUDED


def test_a_response_that_was_never_flagged_cannot_be_decided(network):
    plain = flagged(network, flags=(), review=Review.NONE)
    with pytest.raises(ValidationError) as excinfo:
        decide(plain, network.manager.user)
    assert code_of(excinfo) == errors.REVIEW_NOT_PENDING


def test_an_unknown_decision_is_refused(network, response):
    with pytest.raises(ValidationError) as excinfo:
        decide(response, network.manager.user, decision="deleted")
    assert code_of(excinfo) == errors.REVIEW_DECISION


def test_a_manager_of_another_centre_cannot_decide_our_response(response, other_manager):
    with pytest.raises(ValidationError) as excinfo:
        decide(response, other_manager.user)
    assert code_of(excinfo) == errors.REVIEW_NOT_FOUND


def test_a_technician_cannot_decide(network, response):
    with pytest.raises(ValidationError) as excinfo:
        decide(response, network.tech.user)
    assert code_of(excinfo) == errors.REVIEW_ROLE


# --- the pages ------------------------------------------------------------------------------


def test_the_queue_shows_the_signals_in_words_the_order_and_the_people(client, network, response):
    login(client, network.manager)
    page = client.get(reverse("voice:review_list")).content.decode()
    assert "Answered within seconds of opening" in page
    assert response.work_order.external_id in page
    assert network.tech.name in page and network.advisor.name in page
    assert "非常满意" in page


def test_the_queue_leaves_out_responses_of_other_centres(client, network, response):
    theirs = flagged(network, centre=network.sc2, technician=network.tech_sc2)
    login(client, network.manager)
    page = client.get(reverse("voice:review_list")).content.decode()
    assert f'data-review="{response.pk}"' in page
    assert f'data-review="{theirs.pk}"' not in page


def test_the_queue_leaves_out_unflagged_and_decided_responses(client, network, response):
    plain = flagged(network, flags=(), review=Review.NONE)
    done = flagged(network, review=Review.CONFIRMED)
    login(client, network.manager)
    page = client.get(reverse("voice:review_list")).content.decode()
    assert f'data-review="{plain.pk}"' not in page
    assert f'data-review="{done.pk}"' not in page


def test_the_decided_view_lists_decided_responses_with_their_reason(client, network, response):
    decide(response, network.manager.user, reason="同一设备连续填写")
    login(client, network.manager)
    page = client.get(reverse("voice:review_list") + "?view=decided").content.decode()
    assert f'data-review="{response.pk}"' in page and "同一设备连续填写" in page


def test_a_manager_of_another_centre_gets_404_on_our_response(client, response, other_manager):
    login(client, other_manager)
    assert client.get(reverse("voice:review_detail", args=[response.pk])).status_code == 404


def test_a_manager_of_another_centre_gets_404_deciding_our_response(client, response, other_manager):
    login(client, other_manager)
    url = reverse("voice:review_decide", args=[response.pk])
    assert client.post(url, {"decision": "excluded", "reason": "x"}).status_code == 404
    response.refresh_from_db()
    assert response.review == Review.PENDING


def test_a_technician_may_not_open_the_queue(client, network):
    login(client, network.tech)
    assert client.get(reverse("voice:review_list")).status_code == 403


def test_a_technician_may_not_open_a_flagged_response_of_his_own(client, network, response):
    login(client, network.tech)
    assert client.get(reverse("voice:review_detail", args=[response.pk])).status_code == 403


def test_excluding_on_the_page_stores_the_decision(client, network, response):
    login(client, network.manager)
    reply = client.post(
        reverse("voice:review_decide", args=[response.pk]), {"decision": "excluded", "reason": "技师代填"}
    )
    assert reply.status_code == 302
    response.refresh_from_db()
    assert (response.review, response.review_reason) == (Review.EXCLUDED, "技师代填")


def test_deciding_on_the_page_without_a_reason_says_so_and_writes_nothing(client, network, response):
    login(client, network.manager)
    reply = client.post(
        reverse("voice:review_decide", args=[response.pk]),
        {"decision": "excluded", "reason": ""},
        follow=True,
    )
    assert "Give the reason for your decision." in reply.content.decode()
    response.refresh_from_db()
    assert response.review == Review.PENDING


def test_the_queue_costs_the_same_queries_for_2_or_12_responses(
    client, network, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, network.manager)
    for _ in range(2):
        flagged(network, flags=("fast", "staff_device"))
    client.get(reverse("voice:review_list"))  # warm the session and the user
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("voice:review_list"))
    for _ in range(10):
        flagged(network, flags=("device_burst",))
    with django_assert_max_num_queries(len(few)):
        page = client.get(reverse("voice:review_list"))
    assert page.content.decode().count("data-review=") == 12


def test_managers_see_the_queue_in_the_navigation(network):
    assert "voice_reviews" in [item["key"] for item in nav_items(network.manager.user)]


def test_technicians_do_not_see_the_queue_in_the_navigation(network):
    assert "voice_reviews" not in [item["key"] for item in nav_items(network.tech.user)]
