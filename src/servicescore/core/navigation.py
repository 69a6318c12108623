"""The navigation, assembled from what each app registers in its `AppConfig.ready()`.

An item is shown to a user when its app's policy says the user may open it (`visible`);
core knows no app's roles. `active` lists the views that highlight it: a view name
("workorders:board", "home") or a whole namespace ("org:*").
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    key: str
    label: object  # a lazy translation, or a function of the user giving one
    url_name: str | Callable[[object], str]
    visible: Callable[[object], bool]
    order: int = 100
    active: tuple[str, ...] = ()


_ITEMS: dict[str, NavItem] = {}


def register_nav(
    key: str,
    *,
    label,
    url_name: str | Callable[[object], str],
    visible: Callable[[object], bool],
    order: int = 100,
    active: tuple[str, ...] = (),
) -> None:
    """Add (or replace) a navigation item."""
    _ITEMS[key] = NavItem(key, label, url_name, visible, order, active)


def nav_items(user) -> list[dict]:
    """The items `user` may open, in order, as the base template reads them."""
    return [
        {"key": item.key, "label": _for(item.label, user), "url": reverse(_for(item.url_name, user))}
        for item in sorted(_ITEMS.values(), key=lambda item: (item.order, item.key))
        if item.visible(user)
    ]


def _for(value, user):
    return value if isinstance(value, str | Promise) else value(user)


def active_key(match) -> str:
    """The key of the item a resolved URL belongs to: by view name first, then by namespace."""
    if match is None:
        return ""
    for name in (match.view_name, f"{match.namespace}:*" if match.namespace else ""):
        for item in _ITEMS.values():
            if name and name in item.active:
                return item.key
    return ""
