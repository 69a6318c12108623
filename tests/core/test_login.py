"""Logging in and out, wrong passwords and the django-axes lock-out page."""

import pytest
from django.urls import reverse

from ..conftest import PASSWORD


def post_login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_login_page_is_styled_and_in_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "vendor/tabler/css/tabler.min.css" in html
    assert 'lang="zh-hans"' in html
    assert "登录" in html


def test_login_with_the_right_password_goes_home(client, network):
    response = post_login(client, "t1", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.context["user"].username == "t1"


def test_login_honours_a_safe_next_and_ignores_a_foreign_one(client, network):
    response = client.post(reverse("login"), {"username": "m1", "password": PASSWORD, "next": "/import/"})
    assert response["Location"] == "/import/"
    client.logout()
    response = client.post(
        reverse("login"), {"username": "m1", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_wrong_password_shows_a_message(client, network):
    response = post_login(client, "t1", "not-the-password")
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors
    assert str(errors[0]) in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_empty_form_says_which_fields_are_missing(client, db):
    response = client.post(reverse("login"), {"username": "", "password": ""})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"username", "password"}


def test_signed_in_user_skips_the_login_page(client, network):
    client.force_login(network.tech.user)
    assert client.get(reverse("login"))["Location"] == reverse("home")


def test_logout_is_a_post_and_returns_to_login(client, network):
    client.force_login(network.tech.user)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("language, text", [("zh-hans", "30 分钟"), ("en", "30 minutes")])
def test_lockout_page_after_the_failure_limit(client, network, settings, language, text):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 0.5
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for _attempt in range(2):
        assert post_login(client, "t1", "wrong").status_code == 200
    response = post_login(client, "t1", "wrong")
    assert response.status_code == 429
    html = response.content.decode()
    assert text in html
    assert 'class="lockout-message"' in html
    # Even the right password is refused while locked.
    assert post_login(client, "t1", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_user_name(client, network, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _attempt in range(2):
        post_login(client, "t1", "wrong")
    assert post_login(client, "t2", PASSWORD).status_code == 302
