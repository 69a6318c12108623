"""Finding or creating the customers and assets named on a work order, for the user who
names them. The pages and the API call these (through workorders.services); the importer
has a bulk twin (exchange/kinds/workorders.py) with the same rules:

- matching: an external id wins; a customer without one is matched by name and phone;
- scope: an existing customer or asset is linked only when the acting user can already
  see it (customers.selectors, i.e. through the work orders core.scope shows him). An id
  or VIN seen only elsewhere is refused; a name and phone known only elsewhere file a new
  customer, so that typing a number never reveals whether someone else has it;
- master data: the desk files new customers and fills in what is missing, but only the
  roles of customers.policy overwrite a stored name or phone;
- every customer and asset created or changed gets an audit entry in the same transaction.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record, diff, snapshot

from .models import Asset, Customer
from .policy import may_change_master_data
from .selectors import visible_asset_ids, visible_customer_ids

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
        code="customer_not_visible",
        params={"id": external_id},
    )


def asset_not_visible(external_id: str) -> ValidationError:
    """The refusal of a VIN / serial no. the user cannot see; it names nothing of the asset."""
    return ValidationError(
        _(
            "No vehicle or appliance with VIN / serial no. %(id)s is visible to you; "
            "ask an administrator to link it."
        ),
        code="asset_not_visible",
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
    return ValidationError(message, code="customer_master_data")


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
            raise ValidationError({"external_id": customer_not_visible(external_id)})
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
        raise ValidationError(refused)
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
        raise ValidationError({"external_id": asset_not_visible(external_id)})
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
