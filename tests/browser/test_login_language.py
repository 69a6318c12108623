"""Log in on a phone-sized screen, see the home page in Chinese, switch to English and back."""

import re

import pytest
from playwright.sync_api import expect

from ..conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_then_switch_language_and_back(page, live_server, network):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("h1")).to_have_text("登录售后绩效系统")

    page.fill("#id_username", "f1")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("我所辖单位的工单")

    # At 390 px the navigation is collapsed behind the toggler.
    logout = page.get_by_role("button", name="退出登录")
    expect(logout).to_be_hidden()
    page.locator(".navbar-toggler").click()
    expect(logout).to_be_visible()

    page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("My units' work orders")
    page.locator(".navbar-toggler").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.select_option("#language-select", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("我所辖单位的工单")


def test_wrong_password_message_on_a_phone(page, live_server, network):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "t1")
    page.fill("#id_password", "wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/"))
