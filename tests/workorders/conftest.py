import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """These tests read the service messages in English (zh-Hans is the default)."""
    with translation.override("en"):
        yield
