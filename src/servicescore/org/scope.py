"""THE data-scope function: which employees and org units may a user see?

Work orders follow from it in workorders/scope.py (the orders of the units and people in
scope); customers and vehicles follow from the work orders.

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

from servicescore.core.roles import COMPANY_WIDE_ROLES, SELF_ONLY_ROLES, Role

from .models import Employee, OrgUnit


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
    employee = employee_of(user)
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


def employee_of(user):
    """The user's active employee record, with its unit and the two above it; None without one."""
    return (
        Employee.objects.select_related("org_unit__parent__parent")
        .filter(user=user, status=Employee.Status.ACTIVE)
        .first()
    )


def visible_org_units(user) -> QuerySet:
    return OrgUnit.objects.filter(scope_for(user).org_units_q())


def visible_employees(user) -> QuerySet:
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
    if can_see_others_scores(user):
        return visible_employees(user)
    return Employee.objects.filter(user=user) if user.is_authenticated else Employee.objects.none()


def visible_appraisal_units(user) -> QuerySet:
    """Org units whose pooled results the user may read (none for self-only readers)."""
    return visible_org_units(user) if can_see_others_scores(user) else OrgUnit.objects.none()


def service_centre_of(employee):
    """The service centre (or region, or company) an employee works for, even when filed under
    a team of it: the unit a dispatcher covers."""
    return _subtree_root(employee, Role.DISPATCHER)
