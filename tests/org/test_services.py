import pytest
from django.core.exceptions import ValidationError

from servicescore.org.models import OrgUnit
from servicescore.org.services import create_user_account, save_org_unit

from ..factories import EmployeeFactory, UserFactory


def test_account_role_follows_position(network):
    clerk = EmployeeFactory(employee_no="W1", position="warranty_clerk", org_unit=network.sc1)
    user = create_user_account(clerk, password="s3cret-pass")
    assert user.username == "w1" and user.role == "warranty_clerk"
    assert user.check_password("s3cret-pass")
    clerk.refresh_from_db()
    assert clerk.user == user
    assert create_user_account(clerk) == user  # idempotent


def test_taken_user_name_is_refused(network):
    UserFactory(username="w2")
    clerk = EmployeeFactory(employee_no="W2", position="warranty_clerk", org_unit=network.sc1)
    with pytest.raises(ValidationError, match="w2 is taken"):
        create_user_account(clerk)
    clerk.refresh_from_db()
    assert clerk.user is None


def test_team_cannot_sit_above_a_service_centre(network):
    network.sc2.parent = network.t11
    with pytest.raises(ValidationError, match="cannot be placed under"):
        save_org_unit(network.sc2)


def test_moving_a_unit_moves_its_subtree_paths(network):
    west = OrgUnit(code="WEST", name="华西大区", kind="region", parent=network.company)
    save_org_unit(west)
    network.sc2.parent = west
    save_org_unit(network.sc2)
    network.t21.refresh_from_db()
    assert network.t21.path.startswith(west.path)


def test_unit_cannot_be_its_own_ancestor(network):
    network.region.parent = network.region
    with pytest.raises(ValidationError):
        save_org_unit(network.region)


def test_service_manager_cannot_create_an_hr_log_in_for_an_employee(network):
    clerk = EmployeeFactory(employee_no="W3", position="hr", org_unit=network.sc1)
    with pytest.raises(ValidationError, match="role"):
        create_user_account(clerk, by=network.manager.user)
    clerk.refresh_from_db()
    assert clerk.user is None


def test_new_log_in_for_an_employee_is_audited(network):
    from servicescore.core.audit import history_of

    clerk = EmployeeFactory(employee_no="W4", position="warranty_clerk", org_unit=network.sc1)
    user = create_user_account(clerk, by=network.hr.user)
    assert history_of(user).get().changes["role"] == [None, "warranty_clerk"]
    assert history_of(clerk).get().changes == {"user": [None, user.pk]}


def test_a_unit_under_a_lower_kind_is_invalid_with_the_code_parent_kind_at_parent(network):
    from servicescore.core.errors import Invalid

    network.sc2.parent = network.t11
    with pytest.raises(Invalid) as refused:
        save_org_unit(network.sc2)
    assert [(item["code"], item["field"]) for item in refused.value.items()] == [("parent_kind", "parent")]


def test_a_taken_user_name_is_a_conflict_with_the_code_username_taken(network):
    from servicescore.core.errors import Conflict

    UserFactory(username="w5")
    clerk = EmployeeFactory(employee_no="W5", position="warranty_clerk", org_unit=network.sc1)
    with pytest.raises(Conflict) as refused:
        create_user_account(clerk)
    assert refused.value.status == 409
    assert [(item["code"], item["field"]) for item in refused.value.items()] == [
        ("username_taken", "username")
    ]
