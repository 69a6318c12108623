"""Customers and vehicles as the work-order desk reaches them.

Which a user may see: there is no scope rule of their own; a customer or an asset is
visible through the work orders workorders/scope.py names for it (`customer_work_orders`:
those the user may see, and for an advisor or warranty clerk every order of his service
centre), and every one of them to a company-wide scope (HR, auditor, administrator, an
integration token for the whole company). So the desk links a customer or a vehicle only
when it is known where the desk may look.

Finding or creating the customers and assets named on a work order, for the user who names
them. The pages and the API call these (through workorders.services); the importer has a
bulk twin (exchange/kinds/workorders.py) with the same rules:

- matching: an external id wins; a customer without one is matched by name and phone;
- scope: an existing customer or asset is linked only when the acting user can already
  see it. An id or VIN seen only elsewhere is refused; a name and phone known only
  elsewhere file a new customer, so that typing a number never reveals whether someone
  else has it;
- master data: the desk files new customers and fills in what is missing, but only the
  roles of customers.policy overwrite a stored name or phone;
- every customer and asset created or changed gets an audit entry in the same transaction.
"""

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record, diff, snapshot
from servicescore.core.errors import Invalid, Refused
from servicescore.customers.models import Asset, Customer
from servicescore.customers.policy import may_change_master_data
from servicescore.org.scope import scope_for

from .errors import ASSET_NOT_VISIBLE, CUSTOMER_MASTER_DATA, CUSTOMER_NOT_VISIBLE
from .scope import customer_work_orders

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


VIN_RE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
CUSTOMER_FIELDS = ("external_id", "name", "phone")
ASSET_FIELDS = ("external_id", "kind", "model", "plate", "customer")


def customer_not_visible(external_id: str) -> ValidationError:
    """The refusal of a customer id the user cannot see; it names nothing of the customer."""
    return ValidationError(
        _(
            "No customer with id %(id)s is visible to you. Leave the id empty to file the customer "
            "by name and phone, or ask an administrator to link this customer."
        ),
        code=CUSTOMER_NOT_VISIBLE,
        params={"id": external_id},
    )


def asset_not_visible(external_id: str) -> ValidationError:
    """The refusal of a VIN / serial no. the user cannot see; it names nothing of the asset."""
    return ValidationError(
        _(
            "No vehicle or appliance with VIN / serial no. %(id)s is visible to you; "
            "ask an administrator to link it."
        ),
        code=ASSET_NOT_VISIBLE,
        params={"id": external_id},
    )


def master_data_refused(field: str) -> ValidationError:
    """The desk gave another name or phone for a customer on file."""
    if field == "name":
        message = _(
            "The customer on file under this id has another name. Only HR or an administrator may "
            "change a customer's name or phone; leave the field empty to keep the one on file."
        )
    else:
        message = _(
            "The customer on file under this id has another phone number. Only HR or an administrator "
            "may change a customer's name or phone; leave the field empty to keep the one on file."
        )
    return ValidationError(message, code=CUSTOMER_MASTER_DATA)


def _sees_customer(by, customer_id: int) -> bool:
    # None is the operator at the command line, who sees everything (see policy.py).
    return by is None or customer_id in visible_customer_ids(by, [customer_id])


def _sees_asset(by, asset_id: int) -> bool:
    return by is None or asset_id in visible_asset_ids(by, [asset_id])


def _same_person(by, name: str, phone: str, *, anonymous_only: bool) -> Customer | None:
    """The oldest customer with this name and phone that the user can see, locked."""
    candidates = Customer.objects.filter(name=name, phone=phone)
    if anonymous_only:
        # Only an anonymous record may take the external id; another id is another customer.
        candidates = candidates.filter(external_id__isnull=True)
    ids = list(candidates.values_list("pk", flat=True))
    visible = ids if by is None else visible_customer_ids(by, ids)
    if not visible:
        return None
    return Customer.objects.select_for_update().get(pk=min(visible))


@transaction.atomic
def find_or_create_customer(*, by, external_id: str = "", name: str = "", phone: str = "") -> Customer | None:
    """The customer with this external id, else the one with this name and phone, else a new
    one; None when nothing is given. Only customers `by` can see are found (an id seen only
    elsewhere is refused). Name and phone given for a known customer fill what is missing;
    a different stored value changes only for the roles of policy.MASTER_DATA_ROLES."""
    external_id, name, phone = (external_id or "").strip(), (name or "").strip(), (phone or "").strip()
    if not (external_id or name or phone):
        return None
    customer = None
    if external_id:
        customer = Customer.objects.select_for_update().filter(external_id=external_id).first()
        if customer is not None and not _sees_customer(by, customer.pk):
            raise Invalid({"external_id": customer_not_visible(external_id)}, code=CUSTOMER_NOT_VISIBLE)
    if customer is None and (name or phone):
        customer = _same_person(by, name, phone, anonymous_only=bool(external_id))
    if customer is None:
        customer = Customer(external_id=external_id or None, name=name, phone=phone)
        customer.full_clean()
        customer.save()
        audit_record(
            actor=by, action="create", obj=customer, changes=diff({}, snapshot(customer, CUSTOMER_FIELDS))
        )
        return customer
    before = snapshot(customer, CUSTOMER_FIELDS)
    refused = {}
    for field, value in (("external_id", external_id), ("name", name), ("phone", phone)):
        stored = getattr(customer, field) or ""
        if not value or value == stored:
            continue
        if stored and not may_change_master_data(by):
            refused[field] = master_data_refused(field)
            continue
        setattr(customer, field, value)
    if refused:
        raise Refused(refused, code=CUSTOMER_MASTER_DATA)
    changes = diff(before, snapshot(customer, CUSTOMER_FIELDS))
    if changes:
        customer.full_clean()
        customer.save(update_fields=[*changes, "modified"])
        audit_record(actor=by, action="update", obj=customer, changes=changes)
    return customer


@transaction.atomic
def find_or_create_asset(
    *, by, external_id: str = "", model: str = "", plate: str = "", customer: Customer | None = None
) -> Asset | None:
    """The vehicle or appliance with this VIN / serial no., created when new; None without one.
    A VIN `by` cannot see is refused: it would show, and let him change, another centre's car.

    A model or plate given replaces the stored one (plates change); the customer is set only
    on an asset that has none, so a typo at the desk cannot move a car to someone else.
    """
    external_id, model, plate = (external_id or "").strip(), (model or "").strip(), (plate or "").strip()
    if not external_id:
        return None
    asset = Asset.objects.select_for_update().filter(external_id=external_id).first()
    if asset is None:
        kind = Asset.Kind.VEHICLE if VIN_RE.fullmatch(external_id.upper()) else Asset.Kind.APPLIANCE
        asset = Asset(external_id=external_id, kind=kind, model=model, plate=plate, customer=customer)
        asset.full_clean()
        asset.save()
        audit_record(actor=by, action="create", obj=asset, changes=diff({}, snapshot(asset, ASSET_FIELDS)))
        return asset
    if not _sees_asset(by, asset.pk):
        raise Invalid({"external_id": asset_not_visible(external_id)}, code=ASSET_NOT_VISIBLE)
    before = snapshot(asset, ASSET_FIELDS)
    for field, value in (("model", model), ("plate", plate)):
        if value:
            setattr(asset, field, value)
    if customer is not None and asset.customer_id is None:
        asset.customer = customer
    changes = diff(before, snapshot(asset, ASSET_FIELDS))
    if changes:
        asset.full_clean()
        asset.save(update_fields=[*changes, "modified"])
        audit_record(actor=by, action="update", obj=asset, changes=changes)
    return asset
