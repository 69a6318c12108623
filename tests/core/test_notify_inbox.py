"""The in-app inbox page at /inbox/: each user sees and marks only their own messages."""

import pytest
from django.urls import reverse

from servicescore.core.models import InboxMessage
from servicescore.core.notify import notify

from ..conftest import login

pytestmark = pytest.mark.django_db


def message_for(user, subject="提醒", link="", body="正文"):
    notify(recipients=[user], subject=subject, body=body, link=link, channels=("inbox",))
    return InboxMessage.objects.filter(user=user).latest("id")


def test_the_inbox_lists_the_users_messages_newest_first(client, network):
    login(client, network.tech)
    message_for(network.tech.user, "第一条")
    message_for(network.tech.user, "第二条")
    response = client.get(reverse("inbox"))
    subjects = [m.notification.subject for m in response.context["page_obj"]]
    assert subjects == ["第二条", "第一条"]


def test_the_inbox_does_not_show_another_users_messages(client, network):
    login(client, network.tech)
    message_for(network.tech_colleague.user, "同事的消息")
    response = client.get(reverse("inbox"))
    assert list(response.context["page_obj"]) == []
    assert "同事的消息" not in response.content.decode()


def test_an_unread_message_is_marked_unread(client, network):
    login(client, network.tech)
    message = message_for(network.tech.user)
    content = client.get(reverse("inbox")).content.decode()
    assert f'data-message="{message.pk}" data-unread' in content


def test_marking_a_message_read_sets_its_read_time(client, network):
    login(client, network.tech)
    message = message_for(network.tech.user)
    response = client.post(reverse("inbox_read", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.read_at is not None


def test_another_users_message_is_not_found(client, network):
    login(client, network.tech)
    message = message_for(network.tech_colleague.user)
    assert client.post(reverse("inbox_read", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_opening_a_message_goes_to_its_link_in_this_site(client, network):
    login(client, network.tech)
    message = message_for(network.tech.user, link="/scores/")
    response = client.post(reverse("inbox_read", args=[message.pk]), {"open": "1"})
    assert response.url == "/scores/"


def test_opening_never_redirects_to_another_site(client, network):
    login(client, network.tech)
    message = message_for(network.tech.user, link="https://evil.example/")
    response = client.post(reverse("inbox_read", args=[message.pk]), {"open": "1"})
    assert response.url == reverse("inbox")


def test_marking_all_read_touches_only_the_users_messages(client, network):
    login(client, network.tech)
    message_for(network.tech.user)
    message_for(network.tech.user)
    other = message_for(network.tech_colleague.user)
    client.post(reverse("inbox_read_all"))
    assert not InboxMessage.objects.filter(user=network.tech.user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_marking_read_needs_a_post(client, network):
    login(client, network.tech)
    message = message_for(network.tech.user)
    assert client.get(reverse("inbox_read", args=[message.pk])).status_code == 405


def test_the_inbox_needs_a_log_in(client):
    response = client.get(reverse("inbox"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_inbox_query_count_does_not_grow_with_messages(client, network, django_assert_max_num_queries):
    login(client, network.tech)
    message_for(network.tech.user)
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("inbox"))
    for i in range(25):
        message_for(network.tech.user, f"消息 {i}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("inbox"))
    assert len(response.context["page_obj"]) == 26


def test_a_link_that_is_not_a_web_address_is_not_shown(client, network):
    login(client, network.tech)
    message_for(network.tech.user, link="javascript:alert(1)")
    content = client.get(reverse("inbox")).content.decode()
    assert "javascript:" not in content
    assert "data-open-message" not in content


def test_a_link_to_another_site_is_shown_as_a_plain_link(client, network):
    login(client, network.tech)
    message_for(network.tech.user, link="https://survey.example/s/1")
    content = client.get(reverse("inbox")).content.decode()
    assert 'href="https://survey.example/s/1"' in content
