"""Who may do what to a work order they can see.

Visibility is workorders/scope.py's question (out of scope → 404); this module answers the
next one: of the orders a user can see, which actions may their role take now? Views show
only the allowed buttons, and services call `require` so the API cannot skip the check.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicescore.core.errors import Refused
from servicescore.core.roles import COMPANY_ADMIN_ROLES, Role

from .errors import ROLE_NOT_ALLOWED, STANDARD_HOURS_NOT_ALLOWED
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

# Roles that record labour lines for the technicians (with the catalogue's hours or their own):
# the workshop's supervisors, and the service advisor, who builds the order's labour with the
# customer. A technician records his own line's clocked hours only.
LABOUR_DESK_ROLES = SUPERVISOR_ROLES | {Role.SERVICE_ADVISOR}
# Roles that may set a line's standard hours: override the catalogue's (with a reason) or
# enter them for work the catalogue does not list. Never on their own line (services.py).
STANDARD_HOURS_ROLES = {
    Role.FOREMAN,
    Role.SERVICE_ADVISOR,
    Role.SERVICE_MANAGER,
    Role.ADMIN,
    Role.INTEGRATION,
}

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
# Each action as the verb of a sentence ("Your role may not %(action)s this work order.").
ACTION_LABELS = {
    "create": gettext_lazy("create"),
    "edit": gettext_lazy("edit"),
    "dispatch": gettext_lazy("dispatch"),
    "reassign": gettext_lazy("reassign"),
    "labour": gettext_lazy("record labour on"),
    "parts": gettext_lazy("record parts on"),
    "note": gettext_lazy("add a note to"),
    "accept": gettext_lazy("accept"),
    "start": gettext_lazy("start"),
    "complete": gettext_lazy("complete"),
    "close": gettext_lazy("close"),
    "reopen": gettext_lazy("reopen"),
    "cancel": gettext_lazy("cancel"),
}


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
        if role in SUPERVISOR_ROLES or (action == "labour" and role in LABOUR_DESK_ROLES):
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
    """Raise Refused (role_not_allowed) with a sentence naming the action if the role may not."""
    if user is None:
        return  # the operator at the command line, or a system job
    if not role_allows(user, action, order):
        raise Refused(
            _("Your role may not %(action)s this work order.") % {"action": action_label(action)},
            code=ROLE_NOT_ALLOWED,
        )


def may_set_standard_hours(user) -> bool:
    """Whether the user may override the catalogue's standard hours or enter his own;
    None is the operator at the command line (the importer has its own switch,
    LABOUR_IMPORT_OVERRIDES)."""
    if user is None:
        return True
    return user.is_authenticated and not user.is_read_only and user.effective_role in STANDARD_HOURS_ROLES


def require_standard_hours_right(user) -> None:
    """Raise Refused (standard_hours_not_allowed) unless `may_set_standard_hours`."""
    if not may_set_standard_hours(user):
        raise Refused(
            _(
                "Your role may not set standard hours: they come from the labour-operation catalogue. "
                "Choose the operation and give the clocked hours; a foreman or service advisor "
                "may override the catalogue."
            ),
            code=STANDARD_HOURS_NOT_ALLOWED,
            field="standard_hours",
        )


def may_manage_labour_catalogue(user) -> bool:
    """HR and administrators import and export the company-wide catalogue (the links on its
    page; the importer refuses anyone whose scope is not the whole company)."""
    return user.is_authenticated and not user.is_read_only and user.effective_role in COMPANY_ADMIN_ROLES


def may_read_labour_catalogue(user) -> bool:
    """Every member of staff reads the catalogue: it is the company's price list of work,
    no one's personal data. A system account reads it through the import's export."""
    return user.is_authenticated and user.effective_role != Role.INTEGRATION


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


# Pages, for the navigation and the views alike.
# Roles that work at the workshop's dispatch board.
BOARD_ROLES = {Role.DISPATCHER, Role.FOREMAN, Role.SERVICE_MANAGER, Role.ADMIN}
# Roles that work on their own orders by phone (/work-orders/mine/).
MINE_ROLES = {Role.TECHNICIAN, Role.FOREMAN}


def may_use_board(user) -> bool:
    return user.is_authenticated and user.effective_role in BOARD_ROLES


def may_use_mine(user) -> bool:
    return user.is_authenticated and user.effective_role in MINE_ROLES


def may_list_work_orders(user) -> bool:
    """Everyone with a log-in lists the orders of his scope; a system account uses the API."""
    return user.is_authenticated and user.effective_role != Role.INTEGRATION
