"""Limits on API callers that hold no token, and a request log that never fails a request:
browser sessions are rate-limited per user, rejected calls (401, 429) write a bounded number
of log rows, and a log write the database refuses (SQLite locked by an import) is skipped."""

import logging
import sqlite3
import time
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client

from servicescore.api.models import ApiRequestLog, ApiToken

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def browser_for(employee):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(employee.user)
    return browser


def statuses(client, count, path="/api/org-units"):
    return [client.get(path).status_code for _ in range(count)]


def test_session_calls_are_rate_limited_per_user(network, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    browser = browser_for(network.manager)
    # The limiter's clock stands 30 s into a minute, so the window cannot turn over between
    # the requests (it did now and then on a busy machine).
    with mock.patch("servicescore.core.rate_limits.time") as clock:
        clock.time.return_value = 1_800_000_030.0
        assert statuses(browser, 4) == [200, 200, 200, 429]
        response = browser.get("/api/org-units")
    assert response.status_code == 429 and int(response["Retry-After"]) == 30
    assert "Rate limit of 3 requests a minute" in response.json()["detail"]


def test_the_session_limit_of_one_user_leaves_others_alone(network, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    statuses(browser_for(network.manager), 3)
    assert browser_for(network.hr).get("/api/org-units").status_code == 200


def test_unauthenticated_calls_write_a_bounded_number_of_log_rows(anonymous, network, settings):
    settings.API_REJECTED_LOG_PER_MINUTE = 5
    answers = statuses(anonymous, 20, "/api/work-orders")
    assert set(answers) == {401}
    assert 1 <= ApiRequestLog.objects.filter(status=401).count() <= 10  # two windows at most


def test_rejected_calls_of_one_address_leave_anothers_logged(network, settings):
    settings.API_REJECTED_LOG_PER_MINUTE = 2
    for _ in range(5):
        Client().get("/api/work-orders", REMOTE_ADDR="203.0.113.7")
    Client().get("/api/work-orders", REMOTE_ADDR="198.51.100.4")
    assert ApiRequestLog.objects.filter(ip="198.51.100.4").count() == 1


def test_calls_that_were_answered_are_all_logged(network, token_for, settings):
    settings.API_REJECTED_LOG_PER_MINUTE = 1
    api = token_for(network.manager)
    statuses(api, 4)
    assert ApiRequestLog.objects.filter(status=200).count() == 4


def test_a_log_write_the_database_refuses_does_not_fail_the_request(network, token_for, caplog):
    api = token_for(network.manager)
    locked = OperationalError("database is locked")
    with mock.patch.object(ApiRequestLog.objects, "create", side_effect=locked):
        with caplog.at_level(logging.WARNING, logger="servicescore.api"):
            response = api.get("/api/org-units")
    assert response.status_code == 200
    assert any("database is locked" in record.getMessage() for record in caplog.records)


def test_a_failed_log_write_leaves_the_surrounding_transaction_usable(network, token_for):
    """Each test runs inside a transaction, as a request would under ATOMIC_REQUESTS: a log
    write that fails in the database must not abort it (PostgreSQL would refuse every later
    query of the transaction)."""
    api = token_for(network.manager)

    def broken_write(**row):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO no_such_table VALUES (1)")

    with mock.patch.object(ApiRequestLog.objects, "create", side_effect=broken_write):
        assert api.get("/api/org-units").status_code == 200
    assert ApiRequestLog.objects.count() == 0  # the transaction still answers


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite write lock")
def test_an_api_read_answers_quickly_while_an_import_holds_the_sqlite_write_lock(network):
    _token, raw = ApiToken.issue(user=network.manager.user, name="DMS", scopes=["read"])
    importer = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    importer.execute("BEGIN IMMEDIATE")  # what a long import holds for its whole transaction
    try:
        started = time.monotonic()
        response = ApiClient(raw).get("/api/org-units")
        elapsed = time.monotonic() - started
    finally:
        importer.execute("ROLLBACK")
        importer.close()
    assert response.status_code == 200
    assert elapsed < 5


def test_a_tokens_last_use_is_recorded(network):
    token, raw = ApiToken.issue(user=network.manager.user, name="DMS", scopes=["read"])
    ApiClient(raw).get("/api/org-units")
    token.refresh_from_db()
    assert token.last_used_at is not None
