"""Who may do what to a work order they can see.

Visibility is core.scope's question (out of scope → 404); this module answers the next
one: of the orders a user can see, which actions may their role take now? Views show
only the allowed buttons, and services call `require` so the API cannot skip the check.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from servicescore.core.roles import Role

from .models import OPEN_STATES, State

# Roles that open and edit work orders (the front desk and those above it).
DESK_ROLES = {
    Role.SERVICE_ADVISOR,
    Role.WARRANTY_CLERK,
    Role.DISPATCHER,
    Role.FOREMAN,
    Role.SERVICE_MANAGER,
    Role.ADMIN,
    Role.INTEGRATION,
}
# Roles that assign work orders to technicians.
DISPATCH_ROLES = {Role.DISPATCHER, Role.FOREMAN, Role.SERVICE_MANAGER, Role.ADMIN, Role.INTEGRATION}
# Roles that may do the technician's steps on someone else's order (on their behalf).
SUPERVISOR_ROLES = {Role.FOREMAN, Role.SERVICE_MANAGER, Role.ADMIN, Role.INTEGRATION}

# action → the states it starts from
ACTION_SOURCES = {
    "dispatch": {State.NEW},
    "reassign": {State.DISPATCHED, State.ACCEPTED},
    "accept": {State.DISPATCHED},
    "start": {State.ACCEPTED},
    "complete": {State.IN_PROGRESS},
    "close": {State.COMPLETED},
    "reopen": {State.COMPLETED},
    "cancel": set(OPEN_STATES),
    "edit": set(OPEN_STATES) | {State.COMPLETED},
    "labour": {State.ACCEPTED, State.IN_PROGRESS, State.COMPLETED},
    "parts": {State.ACCEPTED, State.IN_PROGRESS, State.COMPLETED},
    "note": set(OPEN_STATES) | {State.COMPLETED},
}
# The named transitions of the API and the buttons of the detail page, in display order.
TRANSITIONS = ["dispatch", "reassign", "accept", "start", "complete", "close", "reopen", "cancel"]
TECHNICIAN_ACTIONS = {"accept", "start", "complete", "labour", "parts", "note"}


def _is_own(user, order) -> bool:
    employee = getattr(user, "employee", None)
    return employee is not None and order.technician_id == employee.pk


def role_allows(user, action: str, order=None) -> bool:
    """Whether the user's role permits `action` on `order`, whatever its state."""
    if not user.is_authenticated or user.is_read_only:
        return False
    role = user.effective_role
    if action == "create":
        return role in DESK_ROLES
    if action in ("dispatch", "reassign"):
        return role in DISPATCH_ROLES
    if action in TECHNICIAN_ACTIONS:
        if role in SUPERVISOR_ROLES:
            return True
        if action == "note" and role in DESK_ROLES:
            return True
        return role == Role.TECHNICIAN and order is not None and _is_own(user, order)
    if action in ("close", "reopen", "cancel", "edit"):
        return role in DESK_ROLES
    return False


def can(user, action: str, order) -> bool:
    """Role and current state both allow `action`."""
    return order.state in ACTION_SOURCES.get(action, ()) and role_allows(user, action, order)


def allowed_actions(user, order) -> list[str]:
    """The transitions this user may take on this order now, in display order."""
    return [action for action in TRANSITIONS if can(user, action, order)]


def require(user, action: str, order=None) -> None:
    """Raise PermissionDenied with a sentence naming the action if the role may not."""
    if user is None:
        return  # the operator at the command line, or a system job
    if not role_allows(user, action, order):
        raise PermissionDenied(
            _("Your role may not %(action)s this work order.") % {"action": action_label(action)}
        )


def action_label(action: str) -> str:
    from .services import ACTION_LABELS

    return str(ACTION_LABELS.get(action, action))
