import datetime

import pytest
from django.test import Client
from django.utils import timezone, translation

from servicescore.api.models import ApiToken


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_rate_counters():
    from django.core.cache import cache

    cache.clear()


class ApiClient:
    """A test client that sends one token (or none) and reads JSON."""

    def __init__(self, raw_token=None):
        self.client = Client(HTTP_ACCEPT_LANGUAGE="en")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw_token}"} if raw_token else {}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, **self.headers)

    def post(self, path, body=None, **extra):
        return self.client.post(path, body or {}, content_type="application/json", **self.headers, **extra)

    def patch(self, path, body):
        return self.client.patch(path, body, content_type="application/json", **self.headers)

    def upload(self, path, files):
        return self.client.post(path, files, **self.headers)


@pytest.fixture
def token_for():
    """token_for(employee_or_user, scopes=("read",), **fields) → an ApiClient with a fresh token."""

    def make(who, scopes=("read", "write", "import"), **fields):
        user = getattr(who, "user", who)
        _token, raw = ApiToken.issue(user=user, name="test", scopes=scopes, **fields)
        return ApiClient(raw)

    return make


@pytest.fixture
def anonymous():
    return ApiClient()


def hours_ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)
