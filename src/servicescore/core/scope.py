"""THE data-scope function: which employees and org units may a user see?

Every selector, view, API router, export and admin queryset asks here; nothing else
decides visibility. Out-of-scope records are answered with 404, never 403, so that ids
cannot be probed.

Rules (product.md, Users and roles):
- admin, HR, auditor: the whole company (auditor read-only);
- service manager (and customer-service manager): the org subtree of their unit;
- foreman / team lead: their team (the subtree of their unit), and the new, unassigned
  work orders of their service centre, which they may dispatch to their team;
- dispatcher: their service centre's subtree;
- everyone else (technician, advisor, warranty clerk, CS agent, parts manager): themselves;
- integration (a system calling the API): its token's org subtree, or the whole company;
- a user with no employee record and no company-wide role: nothing.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .roles import COMPANY_WIDE_ROLES, SELF_ONLY_ROLES, Role


@dataclass(frozen=True)
class Scope:
    """What a user may see. `everything` wins; else org-unit path prefixes or one employee."""

    everything: bool = False
    unit_paths: tuple[str, ...] = ()
    employee_id: int | None = None
    # A foreman dispatches his centre's new (unassigned) orders to his team: he sees those
    # orders, though not the centre's other work.
    waiting_centre_path: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.unit_paths and self.employee_id is None

    def _unit_q(self, path_field: str) -> Q:
        q = Q(pk__in=[])
        for path in self.unit_paths:
            q |= Q(**{f"{path_field}__startswith": path})
        return q

    def org_units_q(self, prefix: str = "") -> Q:
        """Filter for org units (or a relation to one, given its lookup prefix)."""
        if self.everything:
            return Q()
        if self.unit_paths:
            return self._unit_q(f"{prefix}path")
        return Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})

    def employees_q(self, prefix: str = "") -> Q:
        """Filter for employees (or a relation to one, given its lookup prefix)."""
        if self.everything:
            return Q()
        if self.unit_paths:
            return self._unit_q(f"{prefix}org_unit__path")
        if self.employee_id is not None:
            return Q(**{f"{prefix}pk": self.employee_id})
        return Q(**{f"{prefix}pk__in": []})


def _subtree_root(employee, role):
    """The org unit whose subtree this role covers."""
    unit = employee.org_unit
    if role == Role.DISPATCHER:
        # A dispatcher serves the whole service centre, even if filed under a team.
        while unit is not None and unit.kind not in ("service_center", "region", "company"):
            unit = unit.parent
        return unit or employee.org_unit
    return unit


def scope_for(user) -> Scope:
    """Which employees and org units `user` may see. Cached on the user object."""
    cached = getattr(user, "_servicescore_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if user is not None and getattr(user, "is_authenticated", False):
        user._servicescore_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    role = user.effective_role
    if role in COMPANY_WIDE_ROLES:
        return Scope(everything=True)
    if role == Role.INTEGRATION:
        return _integration_scope(getattr(user, "_api_token", None))
    employee = _employee_of(user)
    if employee is None:
        return Scope()
    if role in SELF_ONLY_ROLES:
        return Scope(employee_id=employee.pk)
    if role in (Role.SERVICE_MANAGER, Role.FOREMAN, Role.DISPATCHER):
        root = _subtree_root(employee, role)
        waiting = None
        if role == Role.FOREMAN:
            centre = _subtree_root(employee, Role.DISPATCHER)
            waiting = centre.path if centre is not None and centre.path != root.path else None
        return Scope(unit_paths=(root.path,), employee_id=employee.pk, waiting_centre_path=waiting)
    return Scope(employee_id=employee.pk)


def _integration_scope(token) -> Scope:
    """A system user sees what its API token allows: an org subtree, or the company."""
    if token is None:
        return Scope()
    if token.org_unit_id is None:
        return Scope(everything=True)
    return Scope(unit_paths=(token.org_unit.path,))


def _employee_of(user):
    from servicescore.org.models import Employee

    return (
        Employee.objects.select_related("org_unit__parent__parent")
        .filter(user=user, status=Employee.Status.ACTIVE)
        .first()
    )


def visible_org_units(user) -> QuerySet:
    from servicescore.org.models import OrgUnit

    return OrgUnit.objects.filter(scope_for(user).org_units_q())


def visible_employees(user) -> QuerySet:
    from servicescore.org.models import Employee

    return Employee.objects.filter(scope_for(user).employees_q())


# Roles that read other people's scores and appraisal details within their scope; everyone
# else sees only their own (a dispatcher sees his centre's work orders, not its scores).
# An integration token (e.g. payroll) reads the scores within its org subtree.
APPRAISAL_VIEWER_ROLES = {
    Role.FOREMAN,
    Role.SERVICE_MANAGER,
    Role.HR,
    Role.AUDITOR,
    Role.ADMIN,
    Role.INTEGRATION,
}


def can_see_others_scores(user) -> bool:
    return user.is_authenticated and user.effective_role in APPRAISAL_VIEWER_ROLES


def visible_appraisees(user) -> QuerySet:
    """Employees whose scores, scorecards and KPI results the user may read: those in scope
    for leads, managers, HR, auditors and administrators; otherwise only the user's own."""
    from servicescore.org.models import Employee

    if can_see_others_scores(user):
        return visible_employees(user)
    return Employee.objects.filter(user=user) if user.is_authenticated else Employee.objects.none()


def visible_appraisal_units(user) -> QuerySet:
    """Org units whose pooled results the user may read (none for self-only readers)."""
    from servicescore.org.models import OrgUnit

    return visible_org_units(user) if can_see_others_scores(user) else OrgUnit.objects.none()


# Above this many ids the orders worked elsewhere stay a subquery instead of a literal list.
OUTSIDE_LITERAL_LIMIT = 5000


def visible_work_orders(user) -> QuerySet:
    """Work orders a user may see: those of the service centres in their scope, and those
    led, advised, dispatched or worked on (labour line) by the people in their scope.

    Built from index lookups, never one OR across columns and subqueries (which makes
    PostgreSQL scan every work order):
    - one person: `id IN (a UNION ALL of one indexed lookup per rule)`;
    - an org subtree: `service_center_id IN (its units)` OR `id IN (the few orders its
      people worked at other centres)`, the latter looked up once, here.
    """
    from servicescore.workorders.models import WorkOrder

    scope = scope_for(user)
    if scope.everything:
        return WorkOrder.objects.all()
    if scope.is_empty:
        return WorkOrder.objects.none()
    if not scope.unit_paths:
        return WorkOrder.objects.filter(pk__in=_orders_of_people([scope.employee_id]))
    units, ids = _subtree_work_orders(user, scope)
    visible = Q(service_center_id__in=units) | Q(pk__in=ids)
    if scope.waiting_centre_path:
        from servicescore.org.models import OrgUnit
        from servicescore.workorders.models import State

        visible |= Q(
            state=State.NEW,
            service_center_id__in=OrgUnit.objects.filter(path__startswith=scope.waiting_centre_path).values(
                "pk"
            ),
        )
    return WorkOrder.objects.filter(visible)


def _subtree_work_orders(user, scope):
    """(the subtree's unit ids, the orders its people worked elsewhere), looked up once per
    request: cached on the user object, like the scope itself."""
    from servicescore.org.models import Employee, OrgUnit

    cached = getattr(user, "_servicescore_subtree_orders", None)
    if cached is not None:
        return cached
    units = list(OrgUnit.objects.filter(scope.org_units_q()).values_list("pk", flat=True))
    people = set(Employee.objects.filter(scope.employees_q()).values_list("pk", flat=True))
    if scope.employee_id is not None:
        people.add(scope.employee_id)
    elsewhere = _orders_of_people(sorted(people), outside_units=units)
    ids = list(elsewhere.values_list("pk", flat=True)[: OUTSIDE_LITERAL_LIMIT + 1])
    if len(ids) > OUTSIDE_LITERAL_LIMIT:
        ids = elsewhere
    if getattr(user, "is_authenticated", False):
        user._servicescore_subtree_orders = (units, ids)
    return units, ids


def _orders_of_people(people, *, outside_units=None) -> QuerySet:
    """Ids of the orders the people lead, advise, dispatch or have a labour line on
    (optionally only those at service centres not in `outside_units`), as one UNION."""
    from servicescore.workorders.models import LabourLine, WorkOrder

    orders = WorkOrder.objects.order_by()
    labour = LabourLine.objects.order_by()
    if outside_units is not None:
        orders = orders.exclude(service_center_id__in=outside_units)
        # NOT IN (the units' order ids) is hashed once; a join would fetch each order.
        labour = labour.exclude(
            work_order_id__in=orders.model.objects.order_by()
            .filter(service_center_id__in=outside_units)
            .values("pk")
        )
    branches = [
        orders.filter(technician_id__in=people).values("pk"),
        orders.filter(advisor_id__in=people).values("pk"),
        orders.filter(dispatcher_id__in=people).values("pk"),
        labour.filter(technician_id__in=people).values("work_order_id"),
    ]
    return branches[0].union(*branches[1:])


# The desk sees only its own records, yet serves whoever walks in at its service centre: an
# advisor or a warranty clerk may find (and so read) the customers and vehicles of the
# centre's work orders, though not the orders themselves.
CENTRE_CUSTOMER_ROLES = {Role.SERVICE_ADVISOR, Role.WARRANTY_CLERK}


def customer_work_orders(user) -> list[QuerySet]:
    """The work orders whose customers and vehicles `user` may see: those he may see, and
    for the desk roles above every order of his service centre. A list, so that callers
    look each one up by its own index instead of one OR across both."""
    orders = [visible_work_orders(user)]
    if getattr(user, "effective_role", None) in CENTRE_CUSTOMER_ROLES and not scope_for(user).everything:
        employee = _employee_of(user)
        centre = _subtree_root(employee, Role.DISPATCHER) if employee is not None else None
        if centre is not None and centre.kind == "service_center":
            from servicescore.org.models import OrgUnit
            from servicescore.workorders.models import WorkOrder

            units = OrgUnit.objects.filter(path__startswith=centre.path).values("pk")
            orders.append(WorkOrder.objects.filter(service_center_id__in=units))
    return orders


def can_see_full_phone(user) -> bool:
    from .roles import PHONE_VISIBLE_ROLES

    return user.is_authenticated and user.effective_role in PHONE_VISIBLE_ROLES
