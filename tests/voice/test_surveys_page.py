"""The public survey page (/s/<token>/, voice/views/surveys.py): no log-in, the customer's
language, the service centre, the vehicle and the day but nothing private, the first
opening recorded, a friendly page for every link that cannot be answered, rate limits."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from servicescore.voice.models import SurveyInvitation, SurveyResponse
from servicescore.voice.views import surveys as views

from .surveys_support import GOOD_ANSWERS, clear_rate_limits, closed_order, invitation_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    clear_rate_limits()
    yield
    clear_rate_limits()


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def invitation(network):
    return invitation_for(closed_order(network))


def url(invitation, **query):
    path = reverse("survey:answer", args=[invitation.token if hasattr(invitation, "token") else invitation])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def open_page(client, invitation, **headers):
    response = client.get(url(invitation), **headers)
    return response, response.content.decode()


def post_answers(client, invitation, answers=None, **extra):
    client.get(url(invitation))  # the form's CSRF cookie
    data = {f"q-{code}": value for code, value in (GOOD_ANSWERS if answers is None else answers).items()}
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    data.update(extra)
    return client.post(url(invitation), data, HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")


def test_the_page_shows_the_centre_the_vehicle_and_the_day_without_logging_in(client, invitation):
    response, html = open_page(client, invitation)
    assert response.status_code == 200
    order = invitation.work_order
    assert "上海浦东服务中心" in html and "Model Y" in html and "沪A·***45" in html
    assert timezone.localtime(order.closed_at).strftime("%Y-%m-%d") in html


def test_the_page_never_shows_the_customers_phone_name_or_full_plate(client, invitation):
    _response, html = open_page(client, invitation)
    assert (
        "13912345678" not in html and "5678" not in html and "陈女士" not in html and "沪A12345" not in html
    )


def test_the_page_asks_the_templates_questions_in_chinese_by_default(client, invitation):
    _response, html = open_page(client, invitation)
    assert "总体满意度" in html and "服务态度" in html and 'lang="zh-hans"' in html
    assert 'name="q-overall"' in html and 'name="q-nps"' in html


def test_the_page_speaks_the_invitations_language(client, network):
    invitation = invitation_for(closed_order(network), language="en")
    _response, html = open_page(client, invitation)
    assert "Overall satisfaction" in html and "How was our service?" in html


def test_the_page_speaks_the_customers_language_when_the_invitation_has_none(client, network):
    invitation = invitation_for(closed_order(network, customer_language="en"))
    assert "Overall satisfaction" in open_page(client, invitation)[1]


def test_the_page_follows_the_browser_when_nobody_said(client, invitation):
    _response, html = open_page(client, invitation, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Overall satisfaction" in html


def test_a_browser_in_another_language_gets_chinese(client, invitation):
    _response, html = open_page(client, invitation, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert "总体满意度" in html


def test_the_language_switch_shows_the_other_language(client, network):
    invitation = invitation_for(closed_order(network), language="zh-hans")
    _response, html = open_page(client, invitation)
    assert 'data-switch-language="en"' in html
    html = client.get(url(invitation, lang="en")).content.decode()
    assert "Overall satisfaction" in html and 'data-switch-language="zh-hans"' in html


def test_the_first_opening_is_recorded_and_kept(client, invitation):
    open_page(client, invitation)
    invitation.refresh_from_db()
    first = invitation.opened_at
    assert first is not None
    open_page(client, invitation)
    invitation.refresh_from_db()
    assert invitation.opened_at == first


def test_the_page_takes_a_handful_of_queries(client, invitation, django_assert_max_num_queries):
    open_page(client, invitation)  # the standard template is created on the first opening
    with django_assert_max_num_queries(4):
        assert open_page(client, invitation)[0].status_code == 200


def test_answering_stores_the_response_and_thanks_the_customer(client, invitation):
    response = post_answers(client, invitation)
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and 'data-survey-state="thanks"' in thanks.content.decode()
    stored = SurveyResponse.objects.get()
    assert stored.overall == 5 and stored.ip == "127.0.0.1" and stored.user_agent == "Mozilla/5.0 (iPhone)"
    assert stored.opened_at is not None


def test_the_form_refuses_a_post_without_its_csrf_token(client, invitation):
    data = {f"q-{code}": value for code, value in GOOD_ANSWERS.items()}
    assert client.post(url(invitation), data).status_code == 403
    assert not SurveyResponse.objects.exists()


def test_an_out_of_range_rating_is_shown_at_its_question_and_nothing_written(client, invitation):
    response = post_answers(client, invitation, {**GOOD_ANSWERS, "quality": "6"}, lang="en")
    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-error="quality"' in html and "Choose a rating from 1 to 5." in html
    assert 'value="5" checked' in html  # the other answers are kept
    assert not SurveyResponse.objects.exists()


def test_an_nps_of_11_is_shown_at_its_question(client, invitation):
    response = post_answers(client, invitation, {**GOOD_ANSWERS, "nps": "11"}, lang="en")
    assert response.status_code == 422 and 'data-error="nps"' in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_a_100_kb_comment_is_refused_with_a_clear_message(client, invitation):
    response = post_answers(client, invitation, {**GOOD_ANSWERS, "comment": "x" * 100_000}, lang="en")
    assert (
        response.status_code == 422 and "Please keep it under 2,000 characters" in response.content.decode()
    )
    assert not SurveyResponse.objects.exists()


def test_a_script_in_a_comment_is_stored_as_text_and_shown_escaped(client, network, invitation):
    comment = "<script>alert('x')</script>"
    post_answers(client, invitation, {**GOOD_ANSWERS, "comment": comment})
    assert SurveyResponse.objects.get().comment == comment
    staff = Client()
    staff.force_login(network.manager.user)
    html = staff.get(reverse("workorders:detail", args=[invitation.work_order_id])).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html and comment not in html


def test_a_second_submission_shows_the_already_answered_page(client, invitation):
    post_answers(client, invitation)
    response = client.post(
        url(invitation),
        {"q-overall": "1", "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 409 and 'data-survey-state="answered"' in response.content.decode()
    assert SurveyResponse.objects.get().overall == 5


def test_opening_an_answered_link_shows_the_already_answered_page(client, invitation):
    post_answers(client, invitation)
    response, html = open_page(client, invitation)
    assert response.status_code == 200 and 'data-survey-state="answered"' in html and "q-overall" not in html


def test_a_link_for_a_cancelled_work_order_shows_a_closed_page(client, network):
    invitation = invitation_for(closed_order(network, state="cancelled"))
    response, html = open_page(client, invitation, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410 and "was cancelled" in html
    data = {f"q-{code}": value for code, value in GOOD_ANSWERS.items()}
    response = Client().post(url(invitation), data)
    assert response.status_code == 410 and not SurveyResponse.objects.exists()


def test_an_expired_link_shows_a_closed_page(client, network):
    invitation = invitation_for(
        closed_order(network), expires_at=timezone.now() - datetime.timedelta(hours=1)
    )
    response, html = open_page(client, invitation, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410 and "expired" in html
    invitation.refresh_from_db()
    assert invitation.opened_at is None


def test_an_unknown_link_shows_a_not_found_page_without_a_trace(client, network):
    response, html = open_page(client, "not-a-real-token", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404 and 'data-survey-state="unknown"' in html and "Traceback" not in html


def test_too_many_requests_for_one_link_get_a_429_page_in_the_customers_language(
    client, network, monkeypatch
):
    monkeypatch.setattr(views, "TOKEN_LIMIT", (3, 600))
    invitation = invitation_for(closed_order(network), language="en")
    statuses = [open_page(client, invitation)[0].status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    html = open_page(client, invitation)[1]
    assert "Too many attempts" in html and 'lang="en"' in html


def test_too_many_requests_from_one_address_get_a_429(client, network, monkeypatch):
    monkeypatch.setattr(views, "ADDRESS_LIMIT", (2, 600))
    tokens = [invitation_for(closed_order(network)) for _ in range(3)]
    statuses = [open_page(client, t)[0].status_code for t in tokens]
    assert statuses == [200, 200, 429]


def test_a_rate_limited_post_writes_nothing(client, invitation, monkeypatch):
    client.get(url(invitation))
    monkeypatch.setattr(views, "TOKEN_LIMIT", (0, 600))
    data = {f"q-{code}": value for code, value in GOOD_ANSWERS.items()}
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    assert client.post(url(invitation), data).status_code == 429
    assert not SurveyResponse.objects.exists()
    assert SurveyInvitation.objects.get().state == SurveyInvitation.State.SENT


def test_the_thanks_page_of_an_unanswered_link_goes_back_to_the_survey(client, invitation):
    response = client.get(reverse("survey:thanks", args=[invitation.token]))
    assert response.status_code == 302 and response["Location"] == url(invitation)


def test_an_order_without_customer_or_vehicle_still_gets_its_survey(client, network):
    order = closed_order(network)
    type(order).objects.filter(pk=order.pk).update(customer=None, asset=None)
    invitation = invitation_for(order)
    response, html = open_page(client, invitation)
    assert response.status_code == 200 and "总体满意度" in html and "data-vehicle" not in html


@pytest.mark.parametrize(
    ("plate", "shown"), [("沪A12345", "沪A·***45"), ("粤BD12345", "粤B·****45"), ("沪A1", "沪**"), ("", "")]
)
def test_the_plate_is_masked_but_for_its_province_and_last_two(plate, shown):
    from servicescore.voice.selectors_surveys import masked_plate

    assert masked_plate(plate) == shown
