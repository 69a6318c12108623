"""Log-in accounts in the admin: HR maintains the people's accounts but cannot take over
the superuser, an administrator or an HR account, cannot change her own role or hand out
roles above her own; a superuser can; every change is audited without the password hash."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from servicescore.core import services
from servicescore.core.audit import history_of
from servicescore.core.models import User

from ..conftest import login
from ..factories import UserFactory

PASSWORD_CHANGE = {
    "password1": "N3w-secret-pass!",
    "password2": "N3w-secret-pass!",
    "usable_password": "true",
}


def url(view, *args):
    # Django names the password page after auth.User whatever the user model.
    name = "auth_user_password_change" if view == "password_change" else f"core_user_{view}"
    return reverse(f"admin:{name}", args=args)


def change_data(user, **overrides):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value != ""}


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def hr(network):
    user = network.hr.user
    user.is_staff = True
    user.save()
    return user


def test_hr_cannot_open_the_superusers_password_form(client, hr, root):
    login(client, hr)
    assert client.get(url("password_change", root.pk)).status_code == 403


def test_hr_cannot_set_the_superusers_password(client, hr, root):
    login(client, hr)
    response = client.post(url("password_change", root.pk), PASSWORD_CHANGE)
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("pass-1234")


def test_hr_cannot_change_the_superusers_account(client, hr, root):
    login(client, hr)
    response = client.post(url("change", root.pk), change_data(root, email="hr@example.cn", is_active=""))
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.email == "" and root.is_active


def test_hr_cannot_set_another_hr_accounts_password(client, hr, network):
    colleague = UserFactory(username="hr2", role="hr", is_staff=True)
    login(client, hr)
    assert client.post(url("password_change", colleague.pk), PASSWORD_CHANGE).status_code == 403


def test_hr_cannot_change_her_own_role(client, hr):
    login(client, hr)
    response = client.post(url("change", hr.pk), change_data(hr, role="admin"))
    assert response.status_code in (200, 302)
    hr.refresh_from_db()
    assert hr.role == "hr"


def test_the_user_service_refuses_a_change_of_ones_own_role(hr):
    hr.role = "admin"
    with pytest.raises(ValidationError) as refused:
        services.user_save(actor=hr, user=hr)
    assert "role" in refused.value.message_dict
    assert User.objects.get(pk=hr.pk).role == "hr"


def test_hr_cannot_grant_the_admin_role(client, hr, network):
    technician = network.tech.user
    login(client, hr)
    response = client.post(url("change", technician.pk), change_data(technician, role="admin"))
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    technician.refresh_from_db()
    assert technician.role == "technician"


def test_hr_cannot_make_a_user_superuser(client, hr, network):
    technician = network.tech.user
    login(client, hr)
    client.post(url("change", technician.pk), change_data(technician, is_superuser="on"))
    technician.refresh_from_db()
    assert not technician.is_superuser


def test_the_user_service_refuses_superuser_status_from_hr(hr, network):
    technician = network.tech.user
    technician.is_superuser = True
    with pytest.raises(ValidationError) as refused:
        services.user_save(actor=hr, user=technician)
    assert "is_superuser" in refused.value.message_dict


def test_hr_cannot_set_her_own_staff_flag(hr):
    hr.is_staff = False
    with pytest.raises(ValidationError) as refused:
        services.user_save(actor=hr, user=hr)
    assert "is_staff" in refused.value.message_dict


def test_hr_cannot_create_an_administrator_account(client, hr):
    login(client, hr)
    response = client.post(
        url("add"),
        {
            "username": "mole",
            "role": "admin",
            "password1": "Xyz-12345-abc",
            "password2": "Xyz-12345-abc",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="mole").exists()


def test_hr_can_create_a_technician_account_and_it_is_audited(client, hr):
    login(client, hr)
    response = client.post(
        url("add"),
        {
            "username": "newtech",
            "role": "technician",
            "password1": "Xyz-12345-abc",
            "password2": "Xyz-12345-abc",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    entry = history_of(User.objects.get(username="newtech")).get()
    assert entry.action == "create" and entry.actor == hr
    assert entry.changes["role"] == [None, "technician"]
    assert entry.changes["password"] == [None, "set"]


def test_hr_can_set_a_technicians_password_and_the_hash_is_not_audited(client, hr, network):
    technician = network.tech.user
    login(client, hr)
    response = client.post(url("password_change", technician.pk), PASSWORD_CHANGE)
    assert response.status_code == 302
    technician.refresh_from_db()
    assert technician.check_password("N3w-secret-pass!")
    entry = history_of(technician).get()
    assert entry.action == "password" and entry.channel == "admin"
    assert entry.changes == {"password": ["set", "changed"]}
    assert technician.password not in str(entry.changes)


def test_a_role_change_by_hr_is_audited_old_to_new(client, hr, network):
    technician = network.tech.user
    login(client, hr)
    response = client.post(url("change", technician.pk), change_data(technician, role="foreman"))
    assert response.status_code == 302
    entry = history_of(technician).get()
    assert entry.changes == {"role": ["technician", "foreman"]}
    assert entry.actor == hr


def test_superuser_can_set_an_hr_password_and_role(client, root, hr):
    login(client, root)
    assert client.post(url("password_change", hr.pk), PASSWORD_CHANGE).status_code == 302
    response = client.post(url("change", hr.pk), change_data(hr, role="service_manager"))
    assert response.status_code == 302
    hr.refresh_from_db()
    assert hr.role == "service_manager" and hr.check_password("N3w-secret-pass!")
    assert [e.action for e in history_of(hr)] == ["update", "password"]


def test_superuser_cannot_change_his_own_role(root):
    root.role = "hr"
    with pytest.raises(ValidationError):
        services.user_save(actor=root, user=root)


def test_hr_cannot_delete_the_superuser(client, hr, root):
    login(client, hr)
    assert client.post(url("delete", root.pk), {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:core_user_changelist"),
        {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert User.objects.filter(pk=root.pk).exists()


def test_hr_can_delete_a_technicians_account_and_it_is_audited(client, hr, network):
    technician = network.tech.user
    login(client, hr)
    assert client.post(url("delete", technician.pk), {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=technician.pk).exists()
    from servicescore.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="delete", object_id=str(technician.pk)).exists()


def test_hr_cannot_change_a_group(client, hr):
    group = Group.objects.create(name="helpers")
    login(client, hr)
    response = client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": "helpers", "permissions": [Permission.objects.get(codename="change_user").pk]},
    )
    assert response.status_code == 403
    assert not group.permissions.exists()


def test_superuser_sets_groups_and_it_is_audited(client, root, network):
    group = Group.objects.create(name="helpers")
    technician = network.tech.user
    login(client, root)
    response = client.post(url("change", technician.pk), change_data(technician, groups=[group.pk]))
    assert response.status_code == 302
    assert list(technician.groups.all()) == [group]
    assert history_of(technician).get().changes == {"groups": [[], ["helpers"]]}


def test_service_manager_cannot_hand_out_the_hr_role(network):
    manager = network.manager.user
    technician = network.tech.user
    technician.role = "hr"
    with pytest.raises(ValidationError) as refused:
        services.user_save(actor=manager, user=technician)
    assert "role" in refused.value.message_dict


def test_the_user_service_refuses_groups_from_hr(hr, network):
    group = Group.objects.create(name="admins")
    group.permissions.add(Permission.objects.get(codename="change_user"))
    with pytest.raises(ValidationError) as refused:
        services.user_set_access(actor=hr, user=network.tech.user, groups=[group])
    assert "groups" in refused.value.message_dict
    assert not network.tech.user.groups.exists()
