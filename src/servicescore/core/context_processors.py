"""The navigation for the base template: the items each app registered (core/navigation.py)
that the user's role may open, the one to highlight, and the role's label."""

from .navigation import active_key, nav_items
from .roles import Role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_active": ""}
    return {
        "nav_items": nav_items(user),
        "nav_active": active_key(getattr(request, "resolver_match", None)),
        "user_role_label": Role(user.effective_role).label,
    }
