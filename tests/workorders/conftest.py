import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """These tests read the service messages in English (zh-Hans is the default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """A browser that asks for English pages."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")
