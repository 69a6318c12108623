"""Finding or creating the customers and assets the desk names on a work order.

The importer has a bulk twin (exchange/kinds/workorders.py) with the same matching rules:
an external id wins; a customer without one is matched by name and phone.
"""

import re

from django.db import transaction

from .models import Asset, Customer

VIN_RE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")


@transaction.atomic
def find_or_create_customer(external_id: str = "", name: str = "", phone: str = "") -> Customer | None:
    """The customer with this external id, else the one with this name and phone, else a new
    one; None when nothing is given. Name and phone given for a known customer update it."""
    external_id, name, phone = (external_id or "").strip(), (name or "").strip(), (phone or "").strip()
    if not (external_id or name or phone):
        return None
    customer = None
    if external_id:
        customer = Customer.objects.select_for_update().filter(external_id=external_id).first()
    if customer is None and (name or phone):
        same_person = Customer.objects.select_for_update().filter(name=name, phone=phone)
        if external_id:
            # Only an anonymous record may take the external id; another id is another customer.
            same_person = same_person.filter(external_id__isnull=True)
        customer = same_person.order_by("pk").first()
    if customer is None:
        customer = Customer(external_id=external_id or None, name=name, phone=phone)
        customer.full_clean()
        customer.save()
        return customer
    changed = []
    for field, value in (("external_id", external_id), ("name", name), ("phone", phone)):
        if value and getattr(customer, field) != value:
            setattr(customer, field, value)
            changed.append(field)
    if changed:
        customer.full_clean()
        customer.save(update_fields=[*changed, "modified"])
    return customer


@transaction.atomic
def find_or_create_asset(
    external_id: str = "", model: str = "", plate: str = "", customer: Customer | None = None
) -> Asset | None:
    """The vehicle or appliance with this VIN / serial no., created when new; None without one.

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
        return asset
    changed = []
    for field, value in (("model", model), ("plate", plate)):
        if value and getattr(asset, field) != value:
            setattr(asset, field, value)
            changed.append(field)
    if customer is not None and asset.customer_id is None:
        asset.customer = customer
        changed.append("customer")
    if changed:
        asset.full_clean()
        asset.save(update_fields=[*changed, "modified"])
    return asset
