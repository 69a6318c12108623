"""Which customers and assets a user may see.

There is no scope rule of their own: a customer or an asset is visible through the work
orders core.scope names for it (`customer_work_orders`: those the user may see, and for an
advisor or warranty clerk every order of his service centre), and every one of them to a
company-wide scope (HR, auditor, administrator, an integration token for the whole company).
So the desk links a customer or a vehicle only when it is known where the desk may look.
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from servicescore.core.scope import customer_work_orders, scope_for

from .models import Asset, Customer

# Ids per query when checking many at once (the importer's chunks).
ID_BATCH = 5_000


def visible_customers(user) -> QuerySet:
    """Customers on the work orders the user may see; all of them for a company-wide scope."""
    if scope_for(user).everything:
        return Customer.objects.all()
    return Customer.objects.filter(pk__in=_linked_ids(user, "customer_id"))


def visible_assets(user) -> QuerySet:
    """Vehicles and appliances on the work orders the user may see; all for a company-wide scope."""
    if scope_for(user).everything:
        return Asset.objects.all()
    return Asset.objects.filter(pk__in=_linked_ids(user, "asset_id"))


def visible_customer_ids(user, ids: Iterable[int]) -> set[int]:
    """Those of `ids` (customer ids) the user may see: one indexed lookup per batch, for the
    service's single check and the importer's chunks alike."""
    return _visible_ids(user, ids, "customer_id")


def visible_asset_ids(user, ids: Iterable[int]) -> set[int]:
    """Those of `ids` (asset ids) the user may see."""
    return _visible_ids(user, ids, "asset_id")


def _linked_ids(user, field: str) -> QuerySet:
    sources = [
        orders.filter(**{f"{field}__isnull": False}).order_by().values(field)
        for orders in customer_work_orders(user)
    ]
    return sources[0].union(*sources[1:]) if len(sources) > 1 else sources[0]


def _visible_ids(user, ids: Iterable[int], field: str) -> set[int]:
    wanted = sorted({pk for pk in ids if pk is not None})
    if not wanted or scope_for(user).everything:
        return set(wanted)
    found: set[int] = set()
    for orders in customer_work_orders(user):
        orders = orders.order_by()
        for start in range(0, len(wanted), ID_BATCH):
            batch = [pk for pk in wanted[start : start + ID_BATCH] if pk not in found]
            if batch:
                found.update(
                    orders.filter(**{f"{field}__in": batch}).values_list(field, flat=True).distinct()
                )
    return found
