"""A customer opens a survey link on a 390×844 phone, answers with the thumb-sized
buttons, and is thanked; the service manager sees the answer on the work order's page;
opening the link again shows the "already answered" page."""

import pytest
from playwright.sync_api import expect

from ..conftest import PASSWORD
from ..voice.surveys_support import clear_rate_limits, closed_order, invitation_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_answers_a_survey_on_a_phone_and_the_manager_sees_it(page, live_server, network):
    clear_rate_limits()
    invitation = invitation_for(closed_order(network))
    base = live_server.url
    link = f"{base}/s/{invitation.token}/"

    page.goto(link)
    expect(page.locator("[data-centre]")).to_have_text("上海浦东服务中心")
    expect(page.locator("[data-vehicle]")).to_contain_text("沪A·***45")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    for code, value in (("overall", 5), ("attitude", 4), ("quality", 5), ("speed", 3), ("nps", 9)):
        page.locator(f"label[for='q-{code}-{value}']").click()
    page.fill("#q-comment-text", "师傅很耐心 <b>赞</b>")
    page.locator("[data-submit-survey]").click()
    expect(page.locator("[data-survey-state=thanks]")).to_be_visible()

    page.goto(f"{base}/login/")
    page.fill("#id_username", "m1")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")
    page.goto(f"{base}/work-orders/{invitation.work_order_id}/")
    voice = page.locator("#customer-voice")
    expect(voice.locator("[data-rating=overall]")).to_contain_text("5")
    expect(voice.locator("[data-rating=nps]")).to_contain_text("9")
    expect(voice.locator("[data-comment]")).to_have_text("师傅很耐心 <b>赞</b>")

    page.goto(link)
    expect(page.locator("[data-survey-state=answered]")).to_be_visible()
    expect(page.locator("[data-submit-survey]")).to_have_count(0)
