"""The navigation bar: items grouped into menus by job, the administration link only for those
the admin has something for, and the favicon."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from servicescore.core import navigation
from servicescore.core.context_processors import navigation as navigation_context
from servicescore.core.policy import may_use_admin

from ..conftest import login

pytestmark = pytest.mark.django_db


def menu_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return navigation_context(request)["nav_menu"]


def shape(menu):
    """The bar in short: a plain link's key, or a drop-down's key with its items' keys."""
    return [
        (entry["key"], [i["key"] for i in entry["children"]]) if "children" in entry else entry["key"]
        for entry in menu
    ]


def test_a_technician_sees_his_work_orders_and_performance_menus_and_his_profile_as_a_plain_link(network):
    assert shape(menu_of(network.tech.user)) == [
        "home",
        ("group:work", ["mine", "work_orders"]),
        ("group:performance", ["scores", "cycle_todo"]),
        "people",
    ]


def test_a_menu_with_one_visible_item_is_that_items_plain_link(network):
    people = next(entry for entry in menu_of(network.tech.user) if entry["key"] == "people")
    assert people["url"] == reverse("org:me")
    assert "children" not in people


def test_hr_sees_home_and_the_menus_in_job_order(network):
    network.hr.user.is_staff = True
    network.hr.user.save()
    assert shape(menu_of(network.hr.user)) == [
        "home",
        ("group:work", ["work_orders", "complaints", "praise"]),
        (
            "group:performance",
            [
                "scores",
                "cycle_todo",
                "team_scores",
                "ratings",
                "voice_overview",
                "voice_reviews",
                "cycles",
                "appeals",
                "templates",
            ],
        ),
        "people",
        ("group:data", ["facts", "import"]),
        ("group:admin", ["audit", "survey_templates", "voice_settings", "admin"]),
    ]


def test_the_dispatcher_gets_a_work_orders_menu_labelled_by_its_job(network, settings):
    work = next(entry for entry in menu_of(network.dispatcher.user) if entry["key"] == "group:work")
    assert [item["key"] for item in work["children"]] == ["work_orders", "board"]
    with translation.override("zh-hans"):  # not whatever language an earlier test left active
        assert str(work["label"]) == "工单"


def test_an_item_in_an_unknown_group_is_refused_when_registered():
    with pytest.raises(ValueError, match="no navigation group 'nowhere'"):
        navigation.register_nav(
            "stray", label="x", url_name="home", visible=lambda user: True, group="nowhere"
        )
    assert "stray" not in navigation._ITEMS


def test_the_page_renders_a_menu_as_a_dropdown_and_highlights_the_menu_of_the_active_page(client, network):
    network.hr.user.is_staff = True
    network.hr.user.save()
    login(client, network.hr)
    html = client.get(reverse("audit:list")).content.decode()
    assert 'class="nav-item dropdown active" data-nav-group="admin"' in html
    assert 'class="nav-item dropdown" data-nav-group="performance"' in html
    assert f'class="dropdown-item active" href="{reverse("audit:list")}" aria-current="page"' in html


def test_a_plain_link_is_highlighted_on_its_page(client, network):
    login(client, network.tech)
    html = client.get(reverse("home")).content.decode()
    assert '<li class="nav-item active" data-nav="home">' in html


# --- the administration link ----------------------------------------------------------------


def test_a_staff_service_manager_without_admin_permissions_sees_no_administration_link(client, network):
    network.manager.user.is_staff = True
    network.manager.user.save()
    assert not may_use_admin(network.manager.user)
    login(client, network.manager)
    assert "admin" not in [item["key"] for item in client.get(reverse("home")).context["nav_items"]]
    # ... and the admin would indeed have nothing for him.
    assert client.get(reverse("admin:index")).context["app_list"] == []


def test_staff_hr_sees_the_administration_link_and_the_admin_has_models_for_them(client, network):
    network.hr.user.is_staff = True
    network.hr.user.save()
    assert may_use_admin(network.hr.user)
    login(client, network.hr)
    assert "admin" in [item["key"] for item in client.get(reverse("home")).context["nav_items"]]
    assert client.get(reverse("admin:index")).context["app_list"]


def test_a_staff_user_with_one_model_permission_sees_the_administration_link(network):
    user = network.manager.user
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_orgunit"))
    user = type(user).objects.get(pk=user.pk)  # a fresh permission cache
    assert may_use_admin(user)


def test_hr_without_staff_status_or_inactive_sees_no_administration_link(network):
    user = network.hr.user
    assert not user.is_staff and not may_use_admin(user)
    user.is_staff, user.is_active = True, False
    assert not may_use_admin(user)


# --- the favicon ---------------------------------------------------------------------------------


def test_the_favicon_is_linked_from_every_page_and_exists(client, network):
    login(client, network.tech)
    assert 'rel="icon" href="/static/img/favicon.svg"' in client.get(reverse("home")).content.decode()
    assert finders.find("img/favicon.svg")


def test_favicon_ico_redirects_to_the_svg_instead_of_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"
