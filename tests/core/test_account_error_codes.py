"""The account rules refuse with core.errors.Refused (403) and a code per rule, at the field
to blame, keeping their sentences; the admin shows the sentence at the field."""

import pytest
from django import forms
from django.utils import translation

from servicescore.core import services
from servicescore.core.errors import Refused
from servicescore.core.models import User
from servicescore.core.policy import user_change_problems

from ..factories import UserFactory


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def hr(network):
    user = network.hr.user
    user.is_staff = True
    user.save()
    return user


def refusal(call) -> Refused:
    with pytest.raises(Refused) as refused:
        call()
    assert refused.value.status == 403
    return refused.value


def test_changing_ones_own_role_is_refused_with_the_code_own_role(hr):
    hr.role = "admin"
    error = refusal(lambda: services.user_save(actor=hr, user=hr))
    assert error.items() == [
        {
            "code": "own_role",
            "message": "Nobody may change their own role; ask another administrator.",
            "field": "role",
        }
    ]


def test_handing_out_a_role_above_ones_own_is_refused_with_the_code_role_not_grantable(network):
    clerk = network.tech.user
    clerk.role = "hr"
    error = refusal(lambda: services.user_save(actor=network.manager.user, user=clerk))
    assert [(item["code"], item["field"]) for item in error.items()] == [("role_not_grantable", "role")]
    assert User.objects.get(pk=clerk.pk).role == "technician"


def test_each_refused_field_keeps_its_own_code(hr):
    hr.role, hr.is_staff = "admin", False
    error = refusal(lambda: services.user_save(actor=hr, user=hr))
    assert {(item["field"], item["code"]) for item in error.items()} == {
        ("role", "own_role"),
        ("is_staff", "own_access"),
    }


def test_deleting_ones_own_account_is_refused_with_the_code_own_account_delete(hr):
    error = refusal(lambda: services.user_delete(actor=hr, user=hr))
    assert (error.domain_code, str(error)) == ("own_account_delete", "You cannot delete your own account.")
    assert User.objects.filter(pk=hr.pk).exists()


def test_deleting_an_administrator_is_refused_with_the_code_protected_account(hr):
    admin = UserFactory(username="boss", role="admin")
    error = refusal(lambda: services.user_delete(actor=hr, user=admin))
    assert error.domain_code == "protected_account" and "boss" in str(error)


def test_a_form_shows_a_refusal_at_its_field_with_its_code_and_sentence(network):
    class RoleForm(forms.Form):
        role = forms.CharField()

    form = RoleForm(data={"role": "hr"})
    form.is_valid()
    for field, problem in user_change_problems(
        network.manager.user, network.tech.user, {"role": "hr"}
    ).items():
        form.add_error(field, problem)
    assert [(error.code, error.message) for error in form.errors.as_data()["role"]] == [
        ("role_not_grantable", "You may hand out only your own role or one below it, not HR.")
    ]
