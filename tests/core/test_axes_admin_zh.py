"""django-axes's records are named in the user's language in the admin (core/axes_admin.py):
the title of a record's page, its breadcrumbs, its delete page and the clean-up message."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from ..conftest import login
from ..factories import UserFactory

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 12, 1, 2, 3, 4, tzinfo=datetime.UTC)  # 10:03:04 in Shanghai
AXES_ENGLISH = ("Attempted Access", "Access Log for", "Failed access: user")


@pytest.fixture
def superuser(client):
    login(client, UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def attempt():
    record = AccessAttempt.objects.create(
        username="t1", ip_address="10.0.0.9", user_agent="x", http_accept="*/*", path_info="/accounts/login/",
        get_data="", post_data="", failures_since_start=3,
    )  # fmt: skip
    AccessAttempt.objects.filter(pk=record.pk).update(attempt_time=AT)
    record.refresh_from_db()
    return record


def page(client, record, view="change", language="zh-hans"):
    client.cookies["django_language"] = language
    opts = record._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[record.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_change_page_of_an_access_attempt_in_chinese_shows_no_attempted_access(superuser):
    html = page(superuser, attempt())
    assert "Attempted Access" not in html
    assert "2026-12-01 10:03:04" in html  # the time, local, in our own words


def test_the_change_page_of_an_access_attempt_in_english_names_it_in_our_words(superuser):
    html = page(superuser, attempt(), language="en")
    assert "Access attempt at 2026-12-01 10:03:04" in html


def test_the_delete_page_of_an_access_attempt_in_chinese_shows_no_attempted_access(superuser):
    assert "Attempted Access" not in page(superuser, attempt(), view="delete")


def test_access_logs_and_failures_are_named_through_our_catalogue():
    log = AccessLog(username="t1", attempt_time=AT)
    failure = AccessFailureLog(username="t1", attempt_time=AT, ip_address="10.0.0.9", locked_out=True)
    with translation.override("en"):
        assert str(log) == "Access of t1 at 2026-12-01 10:03:04"
        assert str(failure) == "Failed log-in of t1 at 2026-12-01 10:03:04 from 10.0.0.9, locked out"
    with translation.override("zh-hans"):
        assert not any(text in f"{log} {failure}" for text in AXES_ENGLISH)


def test_the_clean_up_action_runs_and_reports_in_a_translatable_sentence(superuser):
    record = attempt()
    superuser.cookies["django_language"] = "en"
    response = superuser.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "cleanup_expired_attempts", "_selected_action": [record.pk]},
    )
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts == ["Cleaned up 1 expired access attempt."]  # from 2026-12-01, long expired
    assert not AccessAttempt.objects.filter(pk=record.pk).exists()
    assert (
        admin.site._registry[AccessAttempt].cleanup_expired_attempts.__module__
        == "servicescore.core.axes_admin"
    )
