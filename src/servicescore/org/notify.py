"""An org unit's notification channels (its group robots and mailboxes, UnitChannel):
which ones a message to the unit uses, sending to them, and their audited writes.

A unit without active channels of its own uses its nearest ancestor's: a team without a
robot reaches its service centre's group, a centre without one its region's. Only the
nearest unit that has any active channel is used, so one message is posted once, not to
every group up the tree.
"""

import logging

from django.db import transaction

from servicescore.core.audit import audit_record, diff, snapshot
from servicescore.core.models import Delivery
from servicescore.core.notify import Target, notify_targets
from servicescore.core.notify.robots import masked_url

from .models import OrgUnit, UnitChannel

logger = logging.getLogger(__name__)

# What the audit trail keeps of a channel: never the secret, and the address masked (a
# robot's webhook URL is its key).
AUDITED_FIELDS = ["org_unit", "kind", "address", "active", "note"]


def unit_channels(unit: OrgUnit) -> list[UnitChannel]:
    """The active channels of `unit`, or of its nearest ancestor that has any (one query)."""
    chain = [int(pk) for pk in unit.path.strip("/").split("/") if pk] or [unit.pk]
    depth = {pk: level for level, pk in enumerate(chain)}
    channels = list(UnitChannel.objects.filter(org_unit_id__in=chain, active=True).order_by("id"))
    if not channels:
        return []
    nearest = max(depth[channel.org_unit_id] for channel in channels)
    return [channel for channel in channels if depth[channel.org_unit_id] == nearest]


def channel_owners(units) -> dict[int, OrgUnit | None]:
    """unit id → the unit whose channels a message to it uses (itself or its nearest
    ancestor with an active channel, as `unit_channels` chooses), or None. Two queries for
    any number of units, so a message per group can be sent to thousands of people's units
    without one query per unit."""
    chains = {
        unit.pk: [int(pk) for pk in unit.path.strip("/").split("/") if pk] or [unit.pk] for unit in units
    }
    owning = set(
        UnitChannel.objects.filter(
            org_unit_id__in={pk for chain in chains.values() for pk in chain}, active=True
        ).values_list("org_unit_id", flat=True)
    )
    nearest = {pk: next((up for up in reversed(chain) if up in owning), None) for pk, chain in chains.items()}
    found = OrgUnit.objects.in_bulk({pk for pk in nearest.values() if pk is not None})
    return {pk: found.get(owner) if owner is not None else None for pk, owner in nearest.items()}


def notify_unit(
    *, unit: OrgUnit, subject: str, body: str = "", link: str = "", kind: str = "general", by=None
):
    """Post a notification to the unit's group channels (see `unit_channels`), sent after
    the caller's transaction commits. Returns the Notification, or None when neither the
    unit nor any ancestor has an active channel."""
    channels = unit_channels(unit)
    if not channels:
        logger.info("no notification channel for unit %s or its ancestors: %r not posted", unit.pk, subject)
        return None
    return notify_targets(
        targets=[Target(channel=c.kind, address=c.address, secret=c.secret) for c in channels],
        subject=subject,
        body=body,
        link=link,
        kind=kind,
        by=by,
    )


def _audited(channel: UnitChannel) -> dict:
    values = snapshot(channel, AUDITED_FIELDS)
    if channel.kind != Delivery.Channel.EMAIL and values["address"]:
        values["address"] = masked_url(values["address"])
    values["secret"] = "set" if channel.secret else ""
    return values


@transaction.atomic
def save_unit_channel(*, channel: UnitChannel, by) -> UnitChannel:
    """Create or change a unit's channel (validated by the caller's form or full_clean);
    audited with the address masked and the secret as set / not set."""
    before = _audited(UnitChannel.objects.get(pk=channel.pk)) if channel.pk else None
    channel.save()
    after = _audited(channel)
    if before is None:
        audit_record(actor=by, action="create", obj=channel, changes=diff({}, after))
    elif changes := diff(before, after):
        audit_record(actor=by, action="update", obj=channel, changes=changes)
    return channel


@transaction.atomic
def delete_unit_channel(*, channel: UnitChannel, by) -> None:
    """Delete a unit's channel; audited like a save."""
    audit_record(actor=by, action="delete", obj=channel, changes=diff(_audited(channel), {}))
    channel.delete()
