"""The one data-scope function: who sees which employees, org units and work orders."""

from servicescore.core.roles import can_see_full_phone
from servicescore.org.scope import visible_employees, visible_org_units
from servicescore.workorders.models import LabourLine
from servicescore.workorders.scope import visible_work_orders

from ..factories import WorkOrderFactory


def nos(queryset):
    return set(queryset.values_list("employee_no", flat=True))


def test_technician_sees_only_themselves(network):
    assert nos(visible_employees(network.tech.user)) == {"T1"}
    assert not visible_org_units(network.tech.user).exists()


def test_foreman_sees_only_the_team(network):
    assert nos(visible_employees(network.foreman.user)) == {"F1", "T1", "T2"}


def test_manager_sees_the_subtree(network):
    seen = nos(visible_employees(network.manager.user))
    assert {"M1", "F1", "T1", "T2", "T3", "A1", "D1", "CS1"} == seen
    assert set(visible_org_units(network.manager.user).values_list("code", flat=True)) == {
        "SC1",
        "SC1-T1",
        "SC1-T2",
    }


def test_regional_manager_sees_both_centres(network):
    assert {"T1", "T4"} <= nos(visible_employees(network.regional_manager.user))


def test_dispatcher_sees_the_service_centre(network):
    assert "T3" in nos(visible_employees(network.dispatcher.user))
    assert "T4" not in nos(visible_employees(network.dispatcher.user))


def test_hr_and_auditor_see_everyone(network):
    everyone = nos(visible_employees(network.hr.user))
    assert everyone == nos(visible_employees(network.auditor))
    assert {"T1", "T4", "H1", "RM1"} <= everyone
    assert network.auditor.is_read_only


def test_work_orders_follow_the_people_and_centres_in_scope(network):
    mine = WorkOrderFactory(service_center=network.sc1, technician=network.tech)
    colleague = WorkOrderFactory(service_center=network.sc1, technician=network.tech_colleague)
    helped = WorkOrderFactory(service_center=network.sc1, technician=network.tech_colleague)
    LabourLine.objects.create(work_order=helped, technician=network.tech, standard_hours=1, clocked_hours=1)
    other_centre = WorkOrderFactory(service_center=network.sc2, technician=network.tech_sc2)
    unassigned = WorkOrderFactory(service_center=network.sc1)

    assert set(visible_work_orders(network.tech.user)) == {mine, helped}
    # The foreman also sees his centre's new, unassigned orders: he dispatches them to his team.
    assert set(visible_work_orders(network.foreman.user)) == {mine, colleague, helped, unassigned}
    assert set(visible_work_orders(network.dispatcher.user)) == {mine, colleague, helped, unassigned}
    assert set(visible_work_orders(network.manager.user)) == {mine, colleague, helped, unassigned}
    assert other_centre in set(visible_work_orders(network.hr.user))
    assert other_centre in set(visible_work_orders(network.regional_manager.user))


def test_user_without_employee_record_sees_nothing(network):
    from ..factories import UserFactory

    stranger = UserFactory(role="technician")
    assert not visible_employees(stranger).exists()
    assert not visible_work_orders(stranger).exists()


def test_left_employee_loses_access(network):
    network.tech.status = "left"
    network.tech.save()
    network.tech.user.refresh_from_db()
    assert not visible_employees(network.tech.user).exists()


def test_phone_masked_for_technician_not_for_advisor(network):
    from servicescore.core.phones import mask_phone

    assert mask_phone("13812341234") == "138****1234"
    assert not can_see_full_phone(network.tech.user)
    assert can_see_full_phone(network.advisor.user)
