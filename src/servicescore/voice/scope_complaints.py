"""Which complaints and praise a user may see and act on (built on org/scope.py).

- HR, auditor, administrator: every complaint;
- a service manager (or customer-service manager): the complaints of their org subtree —
  through the work order's service centre, the employee it is about, its handler or a
  person concerned;
- a customer-service agent or a service advisor: those of the service centre they belong
  to, and the ones they handle or registered; an agent of a central call centre
  (VoicePolicy.central_customer_service): every complaint;
- anyone else (a technician, a foreman…): none on the desk (404 by guessed id).

The desk's scope and the read scope of the API, the overview and the profile
(voice/selectors.py `visible_complaints`, i.e. `readable_complaints` here) are ONE rule,
`complaints_reached`: a complaint is seen through its work order (the user's visible work
orders, and every order of the units he reaches), the employee it is about, a person
concerned or its handler being one of the people of those units, its handler being the
user, or the user having registered it. The two differ only in the units a role reaches:
- desk: a manager his subtree; an agent or an advisor his service centre (a central call
  centre's agent: everything); no desk for the other roles (an auditor, a technician…);
- read: the org scope (a manager his subtree; HR, auditor, administrator: everything);
  an agent his service centre; an advisor, a technician… only himself.

Built from index lookups: the unit ids are read once per request (cached on the user
object, or taken from workorders/scope.py's own look-up of the subtree) and passed as a
literal list, so that PostgreSQL finds the units' orders through service_center_id's index
and their people through org_unit_id's, and tests complaints by work_order_id, employee_id,
handler_id and registered_by_id, instead of joining every work order (2.6 M on the large
demo) to test its centre's path.
"""

from django.db.models import Q, QuerySet

from servicescore.core.roles import Role
from servicescore.org.models import Employee, OrgUnit
from servicescore.org.scope import employee_of, scope_for, service_centre_of, visible_employees
from servicescore.workorders.models import WorkOrder
from servicescore.workorders.scope import _subtree_work_orders, visible_work_orders

from . import policy
from .models import Complaint, ComplaintPerson, FollowUpTask, Praise, VoiceAttachment, VoicePolicy

EVERYTHING = None


_UNREAD = object()


def desk_employee(user):
    """The user's active employee record (employee_of), read once per request: cached on the
    user object."""
    employee = getattr(user, "_voice_desk_employee", _UNREAD)
    if employee is _UNREAD:
        employee = employee_of(user) if getattr(user, "is_authenticated", False) else None
        if getattr(user, "is_authenticated", False):
            user._voice_desk_employee = employee
    return employee


def _paths(user):
    """(unit paths the user covers — EVERYTHING for the whole company —, their employee)."""
    cached = getattr(user, "_voice_complaint_paths", None)
    if cached is not None:
        return cached
    scope = scope_for(user)
    employee = desk_employee(user) if not scope.everything else None
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


def _units_and_people(user, paths) -> tuple[list[int], QuerySet | None]:
    """(the ids of the org units under `paths`, their employees), the ids read once per
    request: cached on the user object."""
    cache = getattr(user, "_voice_complaint_units", None)
    if cache is None:
        cache = {}
        if getattr(user, "is_authenticated", False):
            user._voice_complaint_units = cache
    key = tuple(paths)
    if key not in cache and key and key == scope_for(user).unit_paths:
        # the org scope's own subtree: its unit ids are those workorders/scope.py has read
        units = list(_subtree_work_orders(user, scope_for(user))[0])
        cache[key] = (units, _people_of(units))
    if key not in cache:
        units = (
            list(OrgUnit.objects.filter(_under("path", paths)).values_list("pk", flat=True)) if paths else []
        )
        cache[key] = (units, _people_of(units))
    return cache[key]


def _people_of(units) -> QuerySet | None:
    """The employees of `units`, as a subquery on org_unit_id (an index lookup over a
    literal list: no query of its own)."""
    if not units:
        return None
    return Employee.objects.filter(org_unit_id__in=units).order_by().values("pk")


def complaints_reached(user, *, paths, employee_id, orders=None) -> QuerySet:
    """THE complaint scope (see the module's docstring): the complaints reached through the
    units under `paths` (their orders, and their people as the employee complained about,
    a person concerned or the handler), the visible work orders `orders`, the user's own
    employee `employee_id` (as handler, or the one complained about or concerned) and the
    user who registered them. An OR of index lookups only."""
    units, people = _units_and_people(user, paths)
    visible = Q(pk__in=[])
    if getattr(user, "is_authenticated", False):
        visible |= Q(registered_by_id=user.pk)
    if employee_id is not None:
        visible |= Q(handler_id=employee_id)
    if orders is not None:
        visible |= Q(work_order_id__in=orders.values("pk"))
    if units and (orders is None or tuple(paths) != scope_for(user).unit_paths):
        # a manager's visible orders already hold his subtree's; an agent's or an
        # advisor's centre is more than his own orders
        visible |= Q(work_order_id__in=WorkOrder.objects.filter(service_center_id__in=units).values("pk"))
    if employee_id is not None:
        visible |= Q(employee_id=employee_id) | Q(
            pk__in=ComplaintPerson.objects.filter(employee_id=employee_id).values("complaint_id")
        )
    if units:
        visible |= (
            Q(employee_id__in=people)
            | Q(handler_id__in=people)
            | Q(pk__in=ComplaintPerson.objects.filter(employee_id__in=people).values("complaint_id"))
        )
    return Complaint.objects.filter(visible)


def visible_complaints(user) -> QuerySet:
    """The complaints `user` may see on the desk (none without a complaint role)."""
    if not policy.may_handle_complaints(user):
        return Complaint.objects.none()
    paths, employee = _paths(user)
    if paths is EVERYTHING:
        return Complaint.objects.all()
    return complaints_reached(
        user,
        paths=paths,
        employee_id=employee.pk if employee is not None else None,
        orders=visible_work_orders(user),
    )


def readable_complaints(user) -> QuerySet:
    """The complaints `user` may read (API, overview, profile): the same rule as the desk's,
    over the org scope (org/scope.py) — with an agent's service centre — and without the
    desk's role gate (see the module's docstring)."""
    scope = scope_for(user)
    if scope.everything:
        return Complaint.objects.all()
    if scope.is_empty:
        return Complaint.objects.none()
    paths = scope.unit_paths
    if not paths and getattr(user, "effective_role", None) == Role.CS_AGENT:
        employee = employee_of(user)
        centre = service_centre_of(employee) if employee is not None else None
        paths = (centre.path,) if centre is not None else ()
    return complaints_reached(
        user, paths=paths, employee_id=scope.employee_id, orders=visible_work_orders(user)
    )


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
