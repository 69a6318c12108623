"""The Content-Security-Policy in a real browser: the pages, the charts, htmx and Swagger UI
work under it, and the browser reports no violation on any of them."""

import pytest
from playwright.sync_api import expect

from ..factories import UserFactory
from .test_scorecard import october  # noqa: F401  (the scored month the team chart draws)
from .test_work_order_flows import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects what the browser refused; injected by Playwright, so the policy does not apply to it.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation it reports (events and console errors) collected."""
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.add_init_script(RECORD_VIOLATIONS)
    page.console_violations = console
    return page


def violations(page):
    return page.evaluate("window.cspViolations") + page.console_violations


def test_every_page_is_served_with_the_policy(client, network):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-eval" not in policy


def test_login_and_home_pages_break_no_rule(watched, live_server, network):
    log_in(watched, live_server.url, "m1")
    expect(watched.locator("main")).to_be_visible()
    assert violations(watched) == []


def test_the_team_chart_draws_and_its_tooltip_shows_under_the_policy(watched, live_server, network, october):  # noqa: F811
    log_in(watched, live_server.url, "m1")
    watched.goto(f"{live_server.url}/scores/team/")
    chart = watched.locator("[data-grade-chart]")
    expect(chart).to_have_attribute("data-rendered", "true")
    expect(chart.locator("svg")).to_have_count(1)
    chart.hover()  # ECharts writes its tooltip with style attributes
    watched.mouse.move(*_centre(chart), steps=5)
    assert violations(watched) == []


def test_the_dispatch_board_with_htmx_breaks_no_rule(watched, live_server, network):
    log_in(watched, live_server.url, "d1")
    watched.goto(f"{live_server.url}/work-orders/board/")
    expect(watched.locator("main")).to_be_visible()
    watched.wait_for_function("window.htmx !== undefined")
    assert violations(watched) == []


def test_swagger_ui_lists_the_operations_under_the_policy(watched, live_server, network):
    log_in(watched, live_server.url, "m1")
    watched.goto(f"{live_server.url}/api/docs")
    expect(watched.locator(".opblock").first).to_be_visible()
    assert watched.locator(".opblock").count() > 5
    assert violations(watched) == []


def test_every_page_in_the_navigation_breaks_no_rule(watched, live_server, network, october):  # noqa: F811
    log_in(watched, live_server.url, "m1")
    links = watched.eval_on_selector_all("#main-nav a.nav-link", "links => links.map(a => a.href)")
    assert len(links) > 3
    for link in links:
        watched.goto(link)
        expect(watched.locator("main")).to_be_visible()
        watched.wait_for_load_state("networkidle")
    profile = watched.goto(f"{live_server.url}/people/{network.tech.pk}/")  # with htmx
    assert profile.status == 200
    watched.wait_for_load_state("networkidle")
    assert violations(watched) == []


def test_the_admin_breaks_no_rule(watched, live_server, network):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    log_in(watched, live_server.url, "root")
    watched.goto(f"{live_server.url}/admin/core/user/{admin.pk}/change/")
    expect(watched.locator("#user_form")).to_be_visible()
    watched.goto(f"{live_server.url}/admin/workorders/workorder/")
    expect(watched.locator("#changelist")).to_be_visible()
    assert violations(watched) == []


def test_an_inline_script_is_refused(watched, live_server, network):
    """The policy is really enforced: a script injected into the page does not run."""
    watched.goto(f"{live_server.url}/login/")
    watched.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.appendChild(script);
        }"""
    )
    assert watched.evaluate("window.injected === undefined")
    assert any("script-src" in violation for violation in violations(watched))


def _centre(locator):
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
