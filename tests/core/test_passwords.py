"""Changing one's own password, and resetting a forgotten one through an e-mailed link."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from servicescore.core.models import AuditEntry

from ..conftest import PASSWORD
from ..factories import UserFactory

NEW_PASSWORD = "Qx7-workshop-lamp"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()


def change(client, old=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def ask_reset(client, email, address="203.0.113.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/password-reset/[^\s]+/)", message.body).group(1)


# Change


def test_the_change_page_needs_a_log_in(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_changes_their_own_password_and_stays_logged_in(client, network):
    client.force_login(network.tech.user)
    response = change(client)
    assert response["Location"] == reverse("password_change_done")
    network.tech.user.refresh_from_db()
    assert network.tech.user.check_password(NEW_PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_old_password_changes_nothing_and_says_so(client, network):
    client.force_login(network.tech.user)
    response = change(client, old="not-my-password")
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"old_password"}
    network.tech.user.refresh_from_db()
    assert network.tech.user.check_password(PASSWORD)


def test_a_new_password_the_validators_refuse_says_why(client, network):
    client.force_login(network.tech.user)
    response = change(client, new="12345678")
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors


def test_hr_and_administrators_change_their_own_password_here_too(client, network):
    client.force_login(network.hr.user)
    assert change(client)["Location"] == reverse("password_change_done")


def test_a_password_change_is_audited_without_the_password(client, network):
    user = network.tech.user
    client.force_login(user)
    change(client)
    entry = AuditEntry.objects.get(action="password_change")
    assert (entry.actor_id, entry.object_id) == (user.pk, str(user.pk))
    user.refresh_from_db()
    stored = str(entry.changes) + entry.reason
    assert NEW_PASSWORD not in stored and user.password not in stored


def test_the_user_menu_links_to_the_change_page(client, network):
    client.force_login(network.tech.user)
    assert f'href="{reverse("password_change")}"' in client.get(reverse("home")).content.decode()


def test_the_admins_own_password_page_leads_to_the_audited_one(client, network):
    client.force_login(network.hr.user)
    assert client.get("/admin/password_change/")["Location"] == reverse("password_change")


# Reset


def test_the_login_page_links_to_the_reset_page(client, db):
    assert f'href="{reverse("password_reset")}"' in client.get(reverse("login")).content.decode()


def test_a_reset_sends_a_link_to_the_accounts_address(client, db):
    UserFactory(username="wang", email="wang@example.com")
    response = ask_reset(client, "wang@example.com")
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang@example.com"]
    assert "wang" in mail.outbox[0].body


def test_a_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(client, db):
    UserFactory(username="wang", email="wang@example.com")
    known = ask_reset(client, "wang@example.com")
    unknown = ask_reset(client, "nobody@example.com")
    assert unknown.status_code == known.status_code
    assert unknown["Location"] == known["Location"]
    assert len(mail.outbox) == 1


def test_the_reset_link_sets_a_new_password_once(client, db):
    user = UserFactory(username="wang", email="wang@example.com")
    ask_reset(client, "wang@example.com")
    link = reset_link(mail.outbox[0])
    form_page = client.get(link)
    assert form_page.status_code == 302  # to the same page without the token in the address
    done = client.post(form_page["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    again = client.get(link)
    assert again.status_code == 200 and again.context["validlink"] is False


def test_a_reset_is_audited_as_a_password_change(client, db, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    user = UserFactory(username="wang", email="wang@example.com")
    ask_reset(client, "wang@example.com")
    form_page = client.get(reset_link(mail.outbox[0]))
    client.post(form_page["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    entry = AuditEntry.objects.get(action="password_change")
    assert (entry.actor_id, entry.object_id) == (user.pk, str(user.pk))
    assert "reset" in entry.reason


def test_reset_requests_from_one_address_are_limited(client, db, settings):
    settings.PASSWORD_RESET_LIMIT_PER_HOUR = 3
    UserFactory(username="wang", email="wang@example.com")
    for _request in range(3):
        assert ask_reset(client, "wang@example.com")["Location"] == reverse("password_reset_done")
    refused = ask_reset(client, "wang@example.com")
    assert refused.status_code == 429
    assert refused.context["form"].non_field_errors()
    assert len(mail.outbox) == 3


def test_the_reset_limit_of_one_address_leaves_others_alone(client, db, settings):
    settings.PASSWORD_RESET_LIMIT_PER_HOUR = 1
    UserFactory(username="wang", email="wang@example.com")
    ask_reset(client, "wang@example.com", address="203.0.113.7")
    assert ask_reset(client, "wang@example.com", address="198.51.100.4").status_code == 302
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("language, text", [("zh-hans", "修改密码"), ("en", "Change password")])
def test_the_change_page_speaks_the_users_language(client, network, settings, language, text):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(network.tech.user)
    assert text in client.get(reverse("password_change")).content.decode()
