"""The product's own error pages: in the user's language, inside the product's frame, each
leading back home (Django's defaults are bare English text)."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_an_unknown_address_gets_the_products_404_page_in_chinese(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-error="404"' in html and "页面不存在" in html
    assert f'href="{reverse("home")}"' in html


def test_the_404_page_speaks_english_to_an_english_reader(english, db):
    html = english.get("/no-such-page/").content.decode()
    assert "Page not found" in html and "Back to the home page" in html


def test_a_refused_page_gets_the_products_403_page():
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("en"):
        response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert 'data-error="403"' in response.content.decode()


def test_a_server_error_gets_a_page_that_needs_no_request_context():
    with translation.override("en"):
        response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert 'data-error="500"' in html and "Something went wrong" in html
