"""Navigation by role, for the base template: only what the user's role can open."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import COMPANY_WIDE_ROLES, IMPORT_ROLES, SELF_ONLY_ROLES, Role
from .scope import scope_for

# URL namespaces / names → the navigation key they highlight.
_ACTIVE_KEY = {
    "home": "home",
    "exchange": "import",
    "admin": "admin",
    "org": "people",
    "workorders": "work_orders",
    "board": "board",
    "board_assign": "board",
    "mine": "mine",
    "mine_detail": "mine",
    "my_scorecard": "scores",
    "scorecard": "scores",
    "evidence": "scores",
    "team_scores": "team_scores",
    "kpi_templates": "templates",
}
# Roles that work at the workshop's dispatch board / on their own orders by phone.
BOARD_ROLES = {Role.DISPATCHER, Role.FOREMAN, Role.SERVICE_MANAGER, Role.ADMIN}
MINE_ROLES = {Role.TECHNICIAN, Role.FOREMAN}


def _has_employee(user) -> bool:
    """Whether the user may have a scorecard, without a query of its own: the scope of a
    person-bound role knows the employee; company-wide roles (HR, admin, auditor) get the
    link anyway, and /scores/ sends one without an employee record to the team view."""
    return user.effective_role in COMPANY_WIDE_ROLES or scope_for(user).employee_id is not None


def navigation(request):
    """`nav_items` for the current user, the key of the active item and the role's label."""
    from servicescore.kpi.selectors import TEAM_VIEW_ROLES
    from servicescore.kpi.template_selectors import READER_ROLES as TEMPLATE_READER_ROLES

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_active": ""}
    role = user.effective_role
    items = [{"url": reverse("home"), "label": _("Home"), "key": "home"}]
    if role in MINE_ROLES:
        items.append({"url": reverse("workorders:mine"), "label": _("My work orders"), "key": "mine"})
    if role != Role.INTEGRATION:
        items.append({"url": reverse("workorders:list"), "label": _("Work orders"), "key": "work_orders"})
    if role in BOARD_ROLES:
        items.append({"url": reverse("workorders:board"), "label": _("Dispatch board"), "key": "board"})
    if role not in SELF_ONLY_ROLES and role != Role.INTEGRATION:
        items.append({"url": reverse("org:list"), "label": _("People"), "key": "people"})
    else:
        items.append({"url": reverse("org:me"), "label": _("My profile"), "key": "people"})
    if role != Role.INTEGRATION and _has_employee(user):
        items.append({"url": reverse("kpi:my_scorecard"), "label": _("My scorecard"), "key": "scores"})
    if role in TEAM_VIEW_ROLES:
        items.append({"url": reverse("kpi:team_scores"), "label": _("Team scores"), "key": "team_scores"})
    if role in TEMPLATE_READER_ROLES and role != Role.INTEGRATION:
        items.append(
            {"url": reverse("kpi_templates:list"), "label": _("Appraisal templates"), "key": "templates"}
        )
    if role in IMPORT_ROLES:
        items.append({"url": reverse("exchange:upload"), "label": _("Import"), "key": "import"})
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": _("Administration"), "key": "admin"})
    match = getattr(request, "resolver_match", None)
    active = ""
    if match is not None:
        active = _ACTIVE_KEY.get(match.url_name or "") or _ACTIVE_KEY.get(match.namespace, "")
    return {"nav_items": items, "nav_active": active, "user_role_label": Role(role).label}
