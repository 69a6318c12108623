"""Where signed-in users work from (core/devices.py): the middleware records the address
and the browser's fingerprint once per session and pair, never for static files, and at
log-in; the survey fraud checks read these rows."""

import datetime
import hashlib

import pytest
from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from servicescore.core.devices import UserDeviceMiddleware, device_fingerprint
from servicescore.core.models import UserDevice

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


@pytest.fixture(autouse=True)
def recording(settings):
    settings.RECORD_USER_DEVICES = True


@pytest.fixture
def user():
    return UserFactory(username="advisor")


def request_for(user, path="/", ip="10.1.2.3", agent=PHONE, session=None):
    request = RequestFactory().get(path, REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    request.session = session if session is not None else SessionStore()
    request.user = user
    return request


middleware = UserDeviceMiddleware(lambda request: HttpResponse())


def test_it_fingerprints_the_user_agent_with_sha256():
    assert device_fingerprint(PHONE) == hashlib.sha256(PHONE.encode()).hexdigest()


def test_it_records_a_signed_in_users_address_and_device(user):
    middleware(request_for(user))
    row = UserDevice.objects.get()
    assert (row.user, row.ip, row.device, row.user_agent) == (
        user,
        "10.1.2.3",
        device_fingerprint(PHONE),
        PHONE,
    )


def test_a_repeat_request_in_the_session_costs_no_query(user, django_assert_num_queries):
    session = SessionStore()
    middleware(request_for(user, session=session))
    with django_assert_num_queries(0):
        middleware(request_for(user, session=session))


def test_the_first_request_writes_one_upsert(user, django_assert_num_queries):
    with django_assert_num_queries(1):
        middleware(request_for(user))


def test_another_address_in_the_same_session_is_recorded(user):
    session = SessionStore()
    middleware(request_for(user, session=session))
    middleware(request_for(user, ip="192.168.0.7", session=session))
    assert sorted(UserDevice.objects.values_list("ip", flat=True)) == ["10.1.2.3", "192.168.0.7"]


def test_a_new_session_touches_last_seen_and_keeps_first_seen(user):
    middleware(request_for(user))
    earlier = timezone.now() - datetime.timedelta(days=3)
    UserDevice.objects.update(first_seen=earlier, last_seen=earlier)
    middleware(request_for(user))
    row = UserDevice.objects.get()
    assert row.first_seen == earlier
    assert row.last_seen > earlier


def test_static_files_are_never_recorded(user):
    middleware(request_for(user, path="/static/css/servicescore.css"))
    assert not UserDevice.objects.exists()


def test_anonymous_requests_are_not_recorded():
    middleware(request_for(AnonymousUser()))
    assert not UserDevice.objects.exists()


def test_nothing_is_recorded_when_switched_off(user, settings):
    settings.RECORD_USER_DEVICES = False
    middleware(request_for(user))
    assert not UserDevice.objects.exists()


def test_logging_in_records_the_device(user):
    request = request_for(AnonymousUser(), ip="10.9.9.9")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    assert list(UserDevice.objects.values_list("user", "ip")) == [(user.pk, "10.9.9.9")]


def test_a_page_request_through_the_stack_records_the_device(client, user):
    client.force_login(user)
    client.get("/", REMOTE_ADDR="10.4.4.4", HTTP_USER_AGENT=PHONE)
    assert list(UserDevice.objects.values_list("ip", "device")) == [("10.4.4.4", device_fingerprint(PHONE))]
