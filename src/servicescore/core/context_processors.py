"""Navigation by role, for the base template."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import IMPORT_ROLES, Role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = user.effective_role
    items = [{"url": reverse("home"), "label": _("Home"), "key": "home"}]
    if role in IMPORT_ROLES:
        items.append({"url": reverse("exchange:upload"), "label": _("Import"), "key": "import"})
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": _("Administration"), "key": "admin"})
    return {"nav_items": items, "user_role_label": Role(role).label}
