"""Which complaints and praise a user may see and act on (built on org/scope.py).

- HR, auditor, administrator: every complaint;
- a service manager (or customer-service manager): the complaints of their org subtree —
  through the work order's service centre, the employee it is about, its handler or a
  person concerned;
- a customer-service agent or a service advisor: those of the service centre they belong
  to, and the ones they handle or registered; an agent of a central call centre
  (VoicePolicy.central_customer_service): every complaint;
- anyone else (a technician, a foreman…): none on the desk (404 by guessed id).
"""

from django.db.models import Q, QuerySet

from servicescore.core.roles import Role
from servicescore.org.models import Employee
from servicescore.org.scope import employee_of, scope_for, service_centre_of, visible_employees
from servicescore.workorders.models import WorkOrder
from servicescore.workorders.scope import visible_work_orders

from . import policy
from .models import Complaint, ComplaintPerson, FollowUpTask, Praise, VoiceAttachment, VoicePolicy

EVERYTHING = None


def _paths(user):
    """(unit paths the user covers — EVERYTHING for the whole company —, their employee)."""
    cached = getattr(user, "_voice_complaint_paths", None)
    if cached is not None:
        return cached
    scope = scope_for(user)
    employee = employee_of(user) if not scope.everything else None
    if scope.everything or (
        getattr(user, "effective_role", None) == Role.CS_AGENT and VoicePolicy.agents_serve_every_centre()
    ):
        found = (EVERYTHING, None)
    elif scope.unit_paths:
        found = (tuple(scope.unit_paths), employee)
    elif employee is not None:
        centre = service_centre_of(employee)
        found = ((centre.path,) if centre is not None else (), employee)
    else:
        found = ((), None)
    if getattr(user, "is_authenticated", False):
        user._voice_complaint_paths = found
    return found


def _under(field: str, paths) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def visible_complaints(user) -> QuerySet:
    """The complaints `user` may see on the desk (none without a complaint role)."""
    if not policy.may_handle_complaints(user):
        return Complaint.objects.none()
    paths, employee = _paths(user)
    if paths is EVERYTHING:
        return Complaint.objects.all()
    people = ComplaintPerson.objects.filter(_under("employee__org_unit__path", paths)).values("complaint_id")
    q = (
        _under("work_order__service_center__path", paths)
        | _under("employee__org_unit__path", paths)
        | _under("handler__org_unit__path", paths)
        | Q(pk__in=people)
        | Q(registered_by=user)
    )
    if employee is not None:
        q |= Q(handler=employee)
    return Complaint.objects.filter(q)


def complaint_employees(user) -> QuerySet:
    """Active employees `user` may name on a complaint (concerned, responsible, handler)."""
    if not policy.may_handle_complaints(user):
        return Employee.objects.none()
    paths, employee = _paths(user)
    active = Employee.objects.filter(status=Employee.Status.ACTIVE)
    if paths is EVERYTHING:
        return active
    q = _under("org_unit__path", paths)
    if employee is not None:
        q |= Q(pk=employee.pk)
    return active.filter(q)


def complaint_work_orders(user) -> QuerySet:
    """Work orders `user` may register a complaint about: those they see, for agents and
    advisors every order of their service centre, and the orders of the follow-up calls
    assigned to them (a call centre's agent calling another centre's customers)."""
    if not policy.may_handle_complaints(user):
        return WorkOrder.objects.none()
    paths, employee = _paths(user)
    if paths is EVERYTHING:
        return WorkOrder.objects.all()
    q = Q(pk__in=visible_work_orders(user).values("pk")) | _under("service_center__path", paths)
    if employee is not None:
        q |= Q(pk__in=FollowUpTask.objects.filter(assigned_to=employee).values("work_order_id"))
    return WorkOrder.objects.filter(q)


def praise_employees(user) -> QuerySet:
    """Employees `user` may record praise for: those in their data scope (org/scope.py) and,
    for the front-desk roles (agent, advisor), the people of their service centre."""
    if not policy.may_record_praise(user):
        return Employee.objects.none()
    paths, employee = _paths(user)
    if paths is EVERYTHING:
        return Employee.objects.filter(status=Employee.Status.ACTIVE)
    visible = visible_employees(user).filter(status=Employee.Status.ACTIVE)
    if not paths:
        return visible
    return Employee.objects.filter(status=Employee.Status.ACTIVE).filter(
        Q(pk__in=visible.values("pk")) | _under("org_unit__path", paths)
    )


def visible_praise(user) -> QuerySet:
    if not policy.may_record_praise(user):
        return Praise.objects.none()
    paths, _employee = _paths(user)
    if paths is EVERYTHING:
        return Praise.objects.all()
    return Praise.objects.filter(Q(employee__in=praise_employees(user)) | Q(recorded_by=user))


def visible_attachments(user) -> QuerySet:
    """Evidence `user` may open: that of the complaints and praise they see."""
    return VoiceAttachment.objects.filter(
        Q(complaint__in=visible_complaints(user).values("pk"))
        | Q(praise__in=visible_praise(user).values("pk"))
    )
