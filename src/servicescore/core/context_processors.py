"""The navigation for the base template: the items each app registered (core/navigation.py)
that the user's role may open, grouped into the menu bar, the one to highlight, and the
role's label. A view may name the item to highlight itself (`nav_active` in its context);
base.html highlights the menu holding it."""

from .navigation import active_key, nav_items, nav_menu
from .roles import Role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu": [], "nav_active": ""}
    items = nav_items(user)
    return {
        "nav_items": items,
        "nav_menu": nav_menu(items),
        "nav_active": active_key(getattr(request, "resolver_match", None)),
        "user_role_label": Role(user.effective_role).label,
    }
