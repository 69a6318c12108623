"""Every demo role walks its navigation in a real browser, at 1280×800 and on a 390×844 phone,
in Chinese and in English, on the small demo (built once for the module, as `make demo` does).

On every page the navigation leads to, the walk fails on
- horizontal overflow (the page wider than the window),
- a navigation label broken over two lines ("首/页"),
- in Chinese, any English word outside names and codes (ALLOWED_LATIN below).

It keeps a screenshot of each role's home page per language and width under
var/screenshots/role-walk/ (CI keeps var/ as artefacts). Each test collects all its
problems before failing, so one run lists them all.
"""

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from servicescore.demo.builder import build_demo
from servicescore.demo.people import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_USERNAMES

from .conftest import PHONE_VIEWPORT

pytestmark = pytest.mark.browser

DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
VIEWPORTS = {"1280": DESKTOP_VIEWPORT, "390": PHONE_VIEWPORT}
LANGUAGES = ["zh-hans", "en"]
ROLES = [username for _, username, _ in DEMO_ACCOUNTS]
SCREENSHOTS = settings.VAR_DIR / "screenshots" / "role-walk"

# Latin words the Chinese UI may show. Codes need no entry: a token in capitals, digits and
# underscores (CSAT, FTFR, REWORK_RATE, SC01, HTTP), holding a digit (work-order numbers,
# plates, VINs, employee numbers, dates) or an underscore (a column's name, `created_at`), and
# any word the page shows as code (<code>, <kbd>) is a code. The rest, each for its reason:
ALLOWED_LATIN = {
    "ServiceScore",  # the brand, beside its Chinese name
    "English",  # the language switch names each language in its own words
    "Excel",  # a product's name ("导出 Excel")
    "Model",  # in vehicle models' names ("特斯拉 Model Y")
    "Tab",  # the key's name, as printed on keyboards ("Tab 移到下一项")
    *DEMO_USERNAMES,  # log-in names (auditor and admin have no person, so the menu shows them)
}
WORD = re.compile(r"[A-Za-z0-9_@.\-]*[A-Za-z]{3,}[A-Za-z0-9_@.\-]*")
CODE = re.compile(r"^[A-Z0-9_\-.]+$")

# The navigation's labels, each of which must stay on one line.
NAV_LABELS = "#main-nav .ss-nav .nav-link-title, #main-nav .ss-nav .dropdown-item, .ss-user-name"
# Which labels break inside their words: each text node of a label (a name, a role badge) must
# lie on one line, i.e. all the rectangles of its text share a top.
WRAPPED_LABELS_JS = """(selector) => [...document.querySelectorAll(selector)].filter((el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    if (tops.size > 1) return true;
  }
  return false;
}).map((el) => el.innerText.trim())"""
# The visible text, and the words shown as code (<code>, <kbd>: column names, identifiers) or
# marked as English on purpose (lang="en": the English twin of a name, e.g. in the audit trail).
TEXT_JS = """() => [document.body.innerText,
  [...document.querySelectorAll('code, kbd, samp, [lang="en"]')].map((el) => el.innerText).join(' ')]"""
OVERFLOW_JS = "document.documentElement.scrollWidth - window.innerWidth"
NAV_LINKS_JS = """() => [...document.querySelectorAll(
  '#main-nav .ss-nav a.nav-link:not(.dropdown-toggle), #main-nav .ss-nav a.dropdown-item, .ss-user-menu a.dropdown-item'
)].map((a) => a.getAttribute('href'))"""


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The small demo in the test database and a live server onto it, for the whole module.

    Not pytest-django's `live_server` fixture: asking for it makes every test transactional,
    and the flush after each would wipe the demo. The module flushes once, at its end, as a
    transactional test does."""
    from django.db import connection
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        # pytest-django sets up the test database only when a collected test asks for one
        # (test_every_role_of_the_walk_has_a_demo_account does): never build into the real one.
        assert connection.settings_dict["NAME"] == connection.creation._get_test_db_name(), (
            "no test database: select test_every_role_of_the_walk_has_a_demo_account too (-k)"
        )
        build_demo("small")
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server.url
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


def english_words(text: str, code: str = "") -> list[str]:
    shown_as_code = {word.strip(".-") for word in WORD.findall(code)}
    # A file extension (".csv", ".xlsx") is a code too.
    words = {word.strip(".-") for word in WORD.findall(text) if not word.startswith(".")}
    return sorted(
        word
        for word in words - shown_as_code
        if word not in ALLOWED_LATIN and not CODE.match(word) and not re.search(r"[\d@_]", word)
    )


def open_page(browser, base, language, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def log_in(page, base, username):
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def open_phone_menu(page):
    """The phone's collapsed navigation, opened, and every drop-down in it opened in turn:
    each must show its items."""
    page.locator(".navbar-toggler").click()
    expect(page.locator("#main-nav")).to_be_visible()
    for toggle in page.locator("#main-nav .ss-nav .dropdown-toggle").all():
        toggle.click()
        expect(
            toggle.locator("xpath=following-sibling::div[contains(@class, 'dropdown-menu')]")
        ).to_be_visible()


def check_page(page, where, language, problems):
    overflow = page.evaluate(OVERFLOW_JS)
    if overflow > 1:
        problems.append(f"{where}: {overflow} px wider than the window")
    if language == "zh-hans":
        words = english_words(*page.evaluate(TEXT_JS))
        if words:
            problems.append(f"{where}: English in the Chinese UI: {', '.join(words)}")


def check_labels(page, where, problems):
    """Each label of the navigation on one line, the drop-downs' items too (opened one by one)."""
    wrapped = page.evaluate(WRAPPED_LABELS_JS, NAV_LABELS)
    toggles = page.locator("#main-nav .ss-nav .dropdown-toggle").all()
    for toggle in toggles:
        toggle.click()
        wrapped += page.evaluate(WRAPPED_LABELS_JS, "#main-nav .ss-nav .dropdown-menu.show .dropdown-item")
        if page.viewport_size["width"] >= 992:
            page.keyboard.press("Escape")
    if wrapped:
        problems.append(f"{where}: navigation labels wrapped: {', '.join(sorted(set(wrapped)))}")


@pytest.mark.django_db
def test_every_role_of_the_walk_has_a_demo_account(demo_site):
    from servicescore.core.models import User

    users = {user.username: user for user in User.objects.filter(username__in=ROLES, is_active=True)}
    assert sorted(users) == sorted(ROLES)
    assert all(user.check_password(DEMO_PASSWORD) for user in users.values())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("username", ROLES)
def test_every_role_walks_its_navigation_at_both_widths_without_overflow_wrapping_or_stray_english(
    browser, demo_site, username, language
):
    problems: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, viewport in VIEWPORTS.items():
        context, page = open_page(browser, demo_site, language, viewport)
        try:
            page.goto(f"{demo_site}/login/")
            check_page(page, f"{username} {language} {width} /login/", language, problems)
            log_in(page, demo_site, username)
            page.screenshot(path=SCREENSHOTS / f"{username}-{language}-{width}.png", full_page=True)
            if viewport is PHONE_VIEWPORT:
                open_phone_menu(page)
            links = page.evaluate(NAV_LINKS_JS)
            assert links and links[0] == "/", f"{username}: the navigation has no Home link"
            check_labels(page, f"{username} {language} {width} navigation", problems)
            for href in links:
                response = page.goto(f"{demo_site}{href}")
                where = f"{username} {language} {width} {href}"
                if response is None or response.status >= 400:
                    problems.append(f"{where}: HTTP {response.status if response else 'no response'}")
                    continue
                check_page(page, where, language, problems)
        finally:
            context.close()
    assert not problems, "\n".join(problems)
