"""The inbox on a phone: fits 390 px, shows unread messages in bold, and opening one
marks it read and goes to its page."""

import re

import pytest
from playwright.sync_api import expect

from servicescore.core.models import InboxMessage
from servicescore.core.notify import notify

from .test_work_order_flows import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_phone_opens_a_message_from_the_inbox(page, live_server, network):
    user = network.tech.user
    notify(
        recipients=[user],
        subject="请完成 10 月自评",
        body="截止 11 月 5 日。\n逾期将无法提交。",
        link="/scores/",
        channels=("inbox",),
    )
    notify(recipients=[user], subject="工单 WO-0001 已超时", body="请尽快处理。", channels=("inbox",))
    log_in(page, live_server.url, "t1")
    page.goto(f"{live_server.url}/inbox/")
    expect(page.locator("[data-unread]").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("[data-open-message]").click()
    # /scores/ goes on to the user's own scorecard.
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/scores/"))
    assert InboxMessage.objects.get(notification__subject="请完成 10 月自评").read_at is not None
