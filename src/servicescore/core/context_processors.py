"""Navigation by role, for the base template: only what the user's role can open."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import IMPORT_ROLES, Role

# URL namespaces / names → the navigation key they highlight.
_ACTIVE_KEY = {"home": "home", "exchange": "import", "admin": "admin"}


def navigation(request):
    """`nav_items` for the current user, the key of the active item and the role's label."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_active": ""}
    role = user.effective_role
    items = [{"url": reverse("home"), "label": _("Home"), "key": "home"}]
    if role in IMPORT_ROLES:
        items.append({"url": reverse("exchange:upload"), "label": _("Import"), "key": "import"})
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": _("Administration"), "key": "admin"})
    match = getattr(request, "resolver_match", None)
    active = ""
    if match is not None:
        active = _ACTIVE_KEY.get(match.namespace) or _ACTIVE_KEY.get(match.url_name or "", "")
    return {"nav_items": items, "nav_active": active, "user_role_label": Role(role).label}
