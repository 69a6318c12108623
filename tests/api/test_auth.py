"""Tokens: hashed, scoped, revocable, expiring, rate-limited, and every request logged."""

import datetime

import pytest
from django.utils import timezone

from servicescore.api.models import ApiRequestLog, ApiToken, hash_secret
from servicescore.core.roles import Role

from ..factories import UserFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_a_hash(network):
    token, raw = ApiToken.issue(user=network.manager.user, name="DMS", scopes=["read"])
    assert raw.startswith(f"ss_{token.key}_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.key, stored.secret_hash) and stored.secret_hash == hash_secret(raw)


def test_no_credentials_is_401(anonymous, network):
    response = anonymous.get("/api/work-orders")
    assert response.status_code == 401
    assert "Authentication required" in response.json()["detail"]


@pytest.mark.parametrize("raw", ["nonsense", "ss_0123456789abcdef_wrongsecret", "Bearer"])
def test_a_wrong_token_is_401(network, raw):
    from .conftest import ApiClient

    assert ApiClient(raw).get("/api/work-orders").status_code == 401


def test_an_expired_token_is_401_with_its_date(network, token_for):
    api = token_for(network.manager, expires_at=timezone.now() - datetime.timedelta(days=1))
    response = api.get("/api/work-orders")
    assert response.status_code == 401 and "expired on" in response.json()["detail"]


def test_a_revoked_token_is_401(network):
    from .conftest import ApiClient

    token, raw = ApiToken.issue(user=network.manager.user, name="DMS", scopes=["read"])
    assert ApiClient(raw).get("/api/work-orders").status_code == 200
    token.revoke()
    response = ApiClient(raw).get("/api/work-orders")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_a_read_token_cannot_write(network, token_for):
    order = WorkOrderFactory(service_center=network.sc1)
    api = token_for(network.manager, scopes=("read",))
    response = api.post(f"/api/work-orders/{order.pk}/transitions/dispatch", {"technician": "T1"})
    assert response.status_code == 403 and "lacks the 'write' scope" in response.json()["detail"]
    response = api.post("/api/import/work_orders", {"rows": [{"external_id": "X"}]})
    assert response.status_code == 403 and "'import' scope" in response.json()["detail"]
    order.refresh_from_db()
    assert order.state == "new"


def test_rate_limit_per_token_answers_429_with_retry_after(network, token_for):
    limited = token_for(network.manager, rate_limit_per_minute=3)
    other = token_for(network.manager)
    statuses = [limited.get("/api/org-units").status_code for _ in range(4)]
    if statuses[-1] == 200:  # the minute turned over between requests; the window restarted
        statuses = [limited.get("/api/org-units").status_code for _ in range(4)]
    assert statuses[-1] == 429
    response = limited.get("/api/org-units")
    assert response.status_code == 429 and int(response["Retry-After"]) <= 60
    assert other.get("/api/org-units").status_code == 200  # the limit is per token


def test_every_request_is_logged_with_its_token(network, token_for):
    api = token_for(network.manager)
    api.get("/api/work-orders")
    api.get("/api/work-orders/987654")
    logs = list(ApiRequestLog.objects.order_by("at", "id"))
    assert [(log.method, log.status) for log in logs] == [("GET", 200), ("GET", 404)]
    assert all(log.token.name == "test" and log.user == network.manager.user for log in logs)


def test_session_works_for_the_browser_and_needs_csrf_to_write(client, network):
    order = WorkOrderFactory(service_center=network.sc1)
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(network.manager.user)
    assert browser.get("/api/work-orders").status_code == 200
    response = browser.post(
        f"/api/work-orders/{order.pk}/transitions/dispatch",
        {"technician": "T1"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_integration_token_sees_its_org_unit_only(network, token_for):
    system = UserFactory(username="dms", role=Role.INTEGRATION)
    WorkOrderFactory(service_center=network.sc1, external_id="IN-SC1")
    WorkOrderFactory(service_center=network.sc2, external_id="IN-SC2")
    narrow = token_for(system, org_unit=network.sc1)
    wide = token_for(system)
    assert [o["external_id"] for o in narrow.get("/api/work-orders").json()["items"]] == ["IN-SC1"]
    assert sorted(o["external_id"] for o in wide.get("/api/work-orders").json()["items"]) == [
        "IN-SC1",
        "IN-SC2",
    ]


def test_token_command_creates_lists_and_revokes(network):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from .conftest import ApiClient

    out = io.StringIO()
    call_command("token", "create", "--user", "m1", "--name", "DMS", "--scopes", "read,write", stdout=out)
    raw = out.getvalue().strip()
    assert ApiClient(raw).get("/api/work-orders").status_code == 200
    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    assert "DMS" in listing.getvalue() and raw.split("_")[2] not in listing.getvalue()
    call_command("token", "revoke", raw.split("_")[1], stdout=io.StringIO())
    assert ApiClient(raw).get("/api/work-orders").status_code == 401
    for bad in (
        ["--user", "nobody"],
        ["--user", "m1", "--scopes", "root"],
        ["--user", "m1", "--org", "NOPE"],
    ):
        with pytest.raises(CommandError):
            call_command("token", "create", "--name", "x", *bad, stdout=io.StringIO())


def test_api_docs_load_their_assets_locally_not_from_a_cdn(client):
    html = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
