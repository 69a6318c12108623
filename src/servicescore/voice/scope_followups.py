"""Which follow-up tasks (回访任务) a user may see, built on org/scope.py.

- admin, HR, auditor: every task (only the roles of voice.policy.may_work_followups open
  the queue);
- service manager: the tasks of the work orders of the service centres in his subtree,
  and those assigned to the people in it;
- customer-service agent: the tasks of the service centre he belongs to (even when filed
  under a team of it), and any assigned to him; every task when the company's agents work
  as a central call centre (VoicePolicy.central_customer_service);
- everyone else (a technician, an advisor…): none.

Out-of-scope ids are answered with 404 by the callers, never 403.
"""

from django.db.models import Q, QuerySet

from servicescore.core.roles import Role
from servicescore.org.models import OrgUnit
from servicescore.org.scope import employee_of, scope_for, service_centre_of, visible_employees

from .models import FollowUpTask, VoicePolicy


def followup_scope_q(user, *, employee=None) -> Q | None:
    """A filter for the FollowUpTask rows `user` may see; None when he may see none.
    `employee`: the user's employee record, when the caller has already read it."""
    scope = scope_for(user)
    if scope.everything:
        return Q()
    role = getattr(user, "effective_role", None)
    if role == Role.SERVICE_MANAGER and scope.unit_paths:
        units = OrgUnit.objects.filter(scope.org_units_q()).values("pk")
        return Q(work_order__service_center_id__in=units) | Q(
            assigned_to_id__in=visible_employees(user).values("pk")
        )
    if role == Role.CS_AGENT:
        employee = employee if employee is not None else employee_of(user)
        if employee is None:
            return None
        if VoicePolicy.agents_serve_every_centre():
            return Q()
        mine = Q(assigned_to_id=employee.pk)
        centre = service_centre_of(employee)
        if centre is None:
            return mine
        units = OrgUnit.objects.filter(path__startswith=centre.path).values("pk")
        return Q(work_order__service_center_id__in=units) | mine
    return None


def visible_followup_tasks(user, *, employee=None) -> QuerySet:
    """The follow-up tasks `user` may see (none for the roles above that have none)."""
    q = followup_scope_q(user, employee=employee)
    return FollowUpTask.objects.none() if q is None else FollowUpTask.objects.filter(q)
