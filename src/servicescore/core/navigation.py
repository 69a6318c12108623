"""The navigation, assembled from what each app registers in its `AppConfig.ready()`.

An item is shown to a user when its app's policy says the user may open it (`visible`);
core knows no app's roles. `active` lists the views that highlight it: a view name
("workorders:board", "home") or a whole namespace ("org:*").

Items are grouped into a few menus by job (`group`): the groups below are the product's
menu bar, declared here as generic job names ("work", "performance", "people", "data",
"admin") so that the apps only say which job an item serves; core still knows no app. An
app may add a group of its own with `register_group`. A group the user sees one item of is
shown as that item's plain link, a group with several as a drop-down; an item without a
group (Home) is always a plain link.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavItem:
    key: str
    label: object  # a lazy translation, or a function of the user giving one
    url_name: str | Callable[[object], str]
    visible: Callable[[object], bool]
    order: int = 100
    active: tuple[str, ...] = ()
    group: str = ""  # a registered group's key; "" for a link of its own


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: object
    order: int


_ITEMS: dict[str, NavItem] = {}
_GROUPS: dict[str, NavGroup] = {}


def register_group(key: str, *, label, order: int) -> None:
    """Add (or replace) a menu of the navigation bar; `order` places it among the plain links."""
    _GROUPS[key] = NavGroup(key, label, order)


# The menus by job, in the order the bar shows them.
register_group("work", label=_("Work orders"), order=100)
register_group("performance", label=_("Performance"), order=200)
register_group("people", label=_("People"), order=300)
register_group("data", label=_("Data"), order=400)
register_group("admin", label=pgettext_lazy("navigation menu", "Admin"), order=900)


def register_nav(
    key: str,
    *,
    label,
    url_name: str | Callable[[object], str],
    visible: Callable[[object], bool],
    order: int = 100,
    active: tuple[str, ...] = (),
    group: str = "",
) -> None:
    """Add (or replace) a navigation item, in the menu `group` (a registered group's key)."""
    if group and group not in _GROUPS:
        raise ValueError(f"Navigation item {key!r}: no navigation group {group!r} is registered.")
    _ITEMS[key] = NavItem(key, label, url_name, visible, order, active, group)


def nav_items(user) -> list[dict]:
    """The items `user` may open, in order, as the base template reads them."""
    return [
        {
            "key": item.key,
            "label": _for(item.label, user),
            "url": reverse(_for(item.url_name, user)),
            "group": item.group,
        }
        for item in sorted(_ITEMS.values(), key=lambda item: (item.order, item.key))
        if item.visible(user)
    ]


def nav_menu(items: list[dict]) -> list[dict]:
    """The navigation bar made of `nav_items(user)`: plain links and drop-down menus in order.

    Each entry has `key`, `label`, `item_keys` (what highlights it) and either `url` (a plain
    link: an item without a group, or the only item the user sees of a group) or `children` (a
    drop-down of two or more) and `group`, the menu's key."""
    groups: dict[str, list[dict]] = {}
    for item in items:
        groups.setdefault(item["group"] or f"item:{item['key']}", []).append(item)
    entries = []
    for key, members in groups.items():
        group = _GROUPS.get(key)
        first = members[0]
        if group is None or len(members) == 1:
            entry = {"key": first["key"], "label": first["label"], "url": first["url"]}
            order = group.order if group else _ITEMS[first["key"]].order
        else:
            entry = {
                "key": f"group:{group.key}",
                "group": group.key,
                "label": group.label,
                "children": members,
            }
            order = group.order
        entry["item_keys"] = [member["key"] for member in members]
        entries.append((order, entry))
    return [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]


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
