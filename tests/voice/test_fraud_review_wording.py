"""The review queue of flagged survey responses shows each response's answers under the
question wording of the survey template version it was answered against (the response's
version, else its invitation's), in the reader's language, with the questions of all the
versions on the page read at once."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.voice.models import SurveyQuestion, SurveyResponse
from servicescore.voice.services.surveys import survey_template_activate, survey_template_save

from ..conftest import login
from .surveys_support import closed_order, invitation_for

pytestmark = pytest.mark.django_db
Review = SurveyResponse.Review
LIST = reverse("voice:review_list")
_numbers = itertools.count()

OVERALL = {"code": "overall", "kind": "rating", "text": "总体满意度", "text_en": "Overall", "required": True}
REWORDED = {**OVERALL, "text": "您对本次服务满意吗", "text_en": "Were you happy with the service"}
REASON = {
    "code": "reason",
    "kind": "choice",
    "text": "来店原因",
    "text_en": "Why you came",
    "required": False,
    "choices": [
        {"value": "repair", "label": "维修", "label_en": "Repair"},
        {"value": "service", "label": "保养", "label_en": "Service"},
    ],
}
ANSWERS = {"overall": "5", "reason": "service"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def save(network, template=None, questions=(OVERALL, REASON)):
    return survey_template_save(
        actor=network.hr.user, template=template, name="标准调查", questions=list(questions)
    )


def flagged(network, template, *, answers=ANSWERS, on_invitation=False):
    """A pending flagged response answered against `template` (or, `on_invitation`, one
    that knows its version only through its invitation, as imported data may)."""
    order = closed_order(network)
    response = SurveyResponse.objects.create(
        external_id=f"FW{next(_numbers)}",
        work_order=order,
        submitted_at=timezone.now() - datetime.timedelta(days=1),
        overall=int(answers.get("overall", 5)),
        answers=answers,
        flags=["fast"],
        review=Review.PENDING,
        template=None if on_invitation else template,
    )
    invitation_for(order, template=template, response=response, state="answered")
    return response


@pytest.fixture
def versions(network):
    """Version 1 answered, then version 2 with the overall question reworded, active."""
    first = save(network)
    survey_template_activate(actor=network.hr.user, template=first)
    old = flagged(network, first)
    second = save(network, first, questions=(REWORDED, REASON))
    survey_template_activate(actor=network.hr.user, template=second)
    return first, second, old


def card(html, response):
    start = html.index(f'data-review="{response.pk}"')
    return html[start : html.index("</article>", start)]


def test_a_response_shows_its_answers_under_the_wording_of_its_version(client, network, versions):
    first, second, old = versions
    SurveyQuestion.objects.filter(template=second, code="reason").update(text_en="Reason of your visit")
    login(client, network.manager)
    html = card(client.get(LIST).content.decode(), old)
    assert "Answers as the customer saw them (version 1)" in html
    assert 'data-answer="overall"' in html and ">Overall</dt>" in html
    assert ">Why you came</dt>" in html and "<strong>Service</strong>" in html
    assert "Were you happy with the service" not in html and "Reason of your visit" not in html


def test_two_versions_on_one_page_each_show_their_own_wording(client, network, versions):
    first, second, old = versions
    new = flagged(network, second)
    login(client, network.manager)
    html = client.get(LIST).content.decode()
    assert ">Overall</dt>" in card(html, old) and "Were you happy with the service" not in card(html, old)
    assert ">Were you happy with the service</dt>" in card(html, new)
    assert "(version 2)" in card(html, new)


def test_the_wording_is_in_chinese_for_a_chinese_reader(network, versions):
    first, second, old = versions
    login(client := Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), network.manager)
    with translation.override("zh-hans"):
        html = card(client.get(LIST).content.decode(), old)
    assert ">总体满意度</dt>" in html and "<strong>保养</strong>" in html


def test_a_response_without_its_own_version_uses_its_invitations(client, network, versions):
    first, second, old = versions
    through_invitation = flagged(network, first, on_invitation=True)
    login(client, network.manager)
    html = card(client.get(LIST).content.decode(), through_invitation)
    assert ">Overall</dt>" in html and "(version 1)" in html


def test_a_response_with_no_known_version_shows_no_worded_answers(client, network, versions):
    order = closed_order(network)
    unknown = SurveyResponse.objects.create(
        external_id="FW-IMPORT",
        work_order=order,
        submitted_at=timezone.now(),
        overall=5,
        answers=ANSWERS,
        flags=["fast"],
        review=Review.PENDING,
    )
    login(client, network.manager)
    html = card(client.get(LIST).content.decode(), unknown)
    assert "data-answers" not in html and 'data-rating="overall"' in html


def test_the_detail_page_shows_the_wording_too(client, network, versions):
    first, second, old = versions
    login(client, network.manager)
    html = client.get(reverse("voice:review_detail", args=[old.pk])).content.decode()
    assert ">Overall</dt>" in html and "(version 1)" in html


def test_two_versions_on_a_page_cost_no_more_queries_than_one(
    client, network, versions, django_assert_max_num_queries
):
    first, second, old = versions
    flagged(network, first, on_invitation=True)
    login(client, network.manager)
    client.get(LIST)  # warm the session and the user
    with CaptureQueriesContext(connection) as one_version:
        client.get(LIST)
    for _ in range(3):
        flagged(network, second)
        flagged(network, first, on_invitation=True)
    with django_assert_max_num_queries(len(one_version)):
        html = client.get(LIST).content.decode()
    assert html.count("(version 1)") == 5 and html.count("(version 2)") == 3
