"""Which work orders a user may see: the orders of the service centres in his data scope
(org/scope.py) and the orders the people in it led, advised, dispatched or worked on; and,
following from them, the orders whose customers and vehicles he may find.

Out-of-scope ids are answered with 404 by the callers, never 403.
"""

from django.db.models import Q, QuerySet

from servicescore.core.roles import Role
from servicescore.org.models import Employee, OrgUnit
from servicescore.org.scope import employee_of, scope_for, service_centre_of

from .models import LabourLine, State, WorkOrder

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
        employee = employee_of(user)
        centre = service_centre_of(employee) if employee is not None else None
        if centre is not None and centre.kind == "service_center":
            units = OrgUnit.objects.filter(path__startswith=centre.path).values("pk")
            orders.append(WorkOrder.objects.filter(service_center_id__in=units))
    return orders
