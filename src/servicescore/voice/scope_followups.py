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
from servicescore.workorders.models import WorkOrder

from .models import FollowUpTask, VoicePolicy


def followup_scope_q(user, *, employee=None, counting=False) -> Q | None:
    """A filter for the FollowUpTask rows `user` may see; None when he may see none.
    `employee`: the user's employee record, when the caller has already read it.

    The centre's unit ids are read once per request (cached on the user object, like the
    scope) and passed as a literal list. Two equivalent forms of "the orders of these
    centres", chosen for the query's shape:
    - a list (ORDER BY due_at LIMIT n): a filter on the joined order, checked while
      walking the queue's (state, due_at) index and stopping at n;
    - `counting` (every open task of the scope): `work_order_id IN (the centres' orders)`,
      an index lookup on service_center_id; ORed with the assignee, the joined form makes
      PostgreSQL hash-join every work order of the company to count the queue."""
    parts = _scope_parts(user, employee)
    if parts is None or parts is EVERY_TASK:
        return parts
    units, assignees = parts
    if units is None:
        return assignees
    if counting:
        centres = Q(work_order_id__in=WorkOrder.objects.filter(service_center_id__in=units).values("pk"))
    else:
        centres = Q(work_order__service_center_id__in=units)
    return centres | assignees


EVERY_TASK = Q()


def _scope_parts(user, employee):
    """None (no task), EVERY_TASK, or (the unit ids of the centres — None for none —, a filter
    on the assignee); cached on the user object for the request."""
    cached = getattr(user, "_voice_followup_scope", None)
    if cached is not None:
        return cached[0]
    parts = _compute_parts(user, employee)
    if getattr(user, "is_authenticated", False):
        user._voice_followup_scope = (parts,)
    return parts


def _unit_ids(q: Q) -> list[int]:
    return list(OrgUnit.objects.filter(q).values_list("pk", flat=True))


def _compute_parts(user, employee):
    scope = scope_for(user)
    if scope.everything:
        return EVERY_TASK
    role = getattr(user, "effective_role", None)
    if role == Role.SERVICE_MANAGER and scope.unit_paths:
        units = _unit_ids(scope.org_units_q())
        return units, Q(assigned_to_id__in=visible_employees(user).values("pk"))
    if role == Role.CS_AGENT:
        employee = employee if employee is not None else employee_of(user)
        if employee is None:
            return None
        if VoicePolicy.agents_serve_every_centre():
            return EVERY_TASK
        mine = Q(assigned_to_id=employee.pk)
        centre = service_centre_of(employee)
        if centre is None:
            return None, mine
        return _unit_ids(Q(path__startswith=centre.path)), mine
    return None


def visible_followup_tasks(user, *, employee=None, counting=False) -> QuerySet:
    """The follow-up tasks `user` may see (none for the roles above that have none);
    `counting`: in the form for counting them all (see followup_scope_q)."""
    q = followup_scope_q(user, employee=employee, counting=counting)
    return FollowUpTask.objects.none() if q is None else FollowUpTask.objects.filter(q)
