"""Logging in and out, wrong passwords and the django-axes lock-out page."""

import pytest
from django.urls import reverse

from ..conftest import PASSWORD
from ..factories import UserFactory


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


def spread_failures(client, users, per_user, address):
    for user in users:
        for _attempt in range(per_user):
            post_login(client, user.username, "wrong", REMOTE_ADDR=address)


def test_one_address_is_locked_after_the_address_limit_across_accounts(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_IP_FAILURE_LIMIT = 30
    users = UserFactory.create_batch(11)
    spread_failures(client, users[:10], 3, "203.0.113.7")  # 3 per account: under the per-account limit
    response = post_login(client, users[10].username, PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_address_is_not_locked_by_that_one(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_IP_FAILURE_LIMIT = 30
    users = UserFactory.create_batch(11)
    spread_failures(client, users[:10], 3, "203.0.113.7")
    assert post_login(client, users[10].username, PASSWORD, REMOTE_ADDR="198.51.100.4").status_code == 302


def test_failures_under_the_address_limit_lock_nobody_else(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_IP_FAILURE_LIMIT = 30
    users = UserFactory.create_batch(11)
    spread_failures(client, users[:10], 2, "203.0.113.7")  # 20 failures: a busy workshop behind one NAT
    assert post_login(client, users[10].username, PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 302


@pytest.mark.parametrize("language, text", [("zh-hans", "此网络地址"), ("en", "from this address")])
def test_the_lockout_page_says_the_address_is_locked(client, db, settings, language, text):
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_IP_FAILURE_LIMIT = 4
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    users = UserFactory.create_batch(3)
    spread_failures(client, users[:2], 2, "203.0.113.7")
    response = post_login(client, users[2].username, PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert text in response.content.decode()


def test_behind_the_proxy_failures_count_by_the_address_nginx_passes(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    user = UserFactory()
    for _attempt in range(2):
        post_login(client, user.username, "wrong", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")
    locked = post_login(
        client, user.username, PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7"
    )
    assert locked.status_code == 429
    other = post_login(
        client, user.username, PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.4"
    )
    assert other.status_code == 302


def test_without_a_proxy_a_sent_address_header_is_ignored(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.CLIENT_IP_HEADER = ""
    user = UserFactory()
    for _attempt in range(2):
        post_login(client, user.username, "wrong", REMOTE_ADDR="203.0.113.7", HTTP_X_REAL_IP="10.0.0.1")
    dodge = post_login(client, user.username, PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_X_REAL_IP="10.0.0.2")
    assert dodge.status_code == 429


def test_a_locked_address_adds_no_rows_by_trying_new_user_names(client, db, settings):
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_IP_FAILURE_LIMIT = 4
    users = UserFactory.create_batch(2)
    spread_failures(client, users, 2, "203.0.113.7")
    rows = AccessAttempt.objects.count()
    for n in range(5):
        assert post_login(client, f"guess{n}", "wrong", REMOTE_ADDR="203.0.113.7").status_code == 429
    assert AccessAttempt.objects.count() == rows
