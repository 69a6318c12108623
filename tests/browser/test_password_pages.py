"""The user menu leads to the password page on a desktop and on a phone, and the change
works in the browser."""

import pytest
from playwright.sync_api import expect

from .test_work_order_flows import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "Qx7-workshop-lamp"


def test_desktop_user_menu_leads_to_the_password_change(browser, live_server, network):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server.url, "t1")
    change = page.locator("[data-change-password]")
    expect(change).to_be_hidden()
    page.locator(".ss-user .dropdown-toggle").click()
    change.click()
    expect(page).to_have_url(f"{live_server.url}/password/")
    page.fill("#id_old_password", "pass-1234")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("[data-password-changed]")).to_be_visible()
    context.close()


def test_phone_menu_shows_change_password_and_log_out_at_once(page, live_server, network):
    log_in(page, live_server.url, "t1")
    page.locator(".navbar-toggler").click()
    expect(page.locator("[data-change-password]")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
