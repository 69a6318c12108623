"""The people list filtered to holders of expired or soon-expiring certificates: what the
company-wide home page's certificate counts open."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from servicescore.org import selectors
from servicescore.org.models import Certificate

from ..conftest import login


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def in_days(n):
    return selectors.company_today() + datetime.timedelta(days=n)


@pytest.fixture
def certificates(network):
    Certificate.objects.create(employee=network.tech, cert_type="低压电工证", valid_until=in_days(-1))
    Certificate.objects.create(employee=network.tech, cert_type="焊工证", valid_until=in_days(-400))
    Certificate.objects.create(employee=network.foreman, cert_type="高压电工证", valid_until=in_days(10))
    Certificate.objects.create(employee=network.manager, cert_type="安全培训", valid_until=in_days(200))


def listed(response):
    return sorted(person.employee_no for person in response.context["page_obj"])


def test_expired_lists_each_holder_of_an_expired_certificate_once(client, network, certificates):
    login(client, network.hr)
    response = client.get(reverse("org:list"), {"certificates": "expired"})
    assert listed(response) == [network.tech.employee_no]


def test_expiring_lists_the_holders_of_certificates_expiring_within_30_days(client, network, certificates):
    login(client, network.hr)
    response = client.get(reverse("org:list"), {"certificates": "expiring"})
    assert listed(response) == [network.foreman.employee_no]


def test_a_malformed_certificates_filter_is_ignored_and_named(client, network, certificates):
    login(client, network.hr)
    response = client.get(reverse("org:list"), {"certificates": "soon"})
    assert "certificates" in response.context["ignored"]
    assert response.context["filters"].certificates == ""
    assert network.manager.employee_no in listed(response)  # the list unfiltered


def test_the_filter_stays_inside_the_scope(client, network, certificates):
    Certificate.objects.create(employee=network.tech_sc2, cert_type="低压电工证", valid_until=in_days(-3))
    login(client, network.foreman)
    response = client.get(reverse("org:list"), {"certificates": "expired"})
    assert listed(response) == [network.tech.employee_no]


def test_the_home_page_certificate_counts_open_the_filtered_list(client, network, certificates):
    login(client, network.hr)
    html = client.get(reverse("home")).content.decode()
    assert "certificates=expired" in html and "certificates=expiring" in html
    assert "position=technician&amp;status=active" in html
