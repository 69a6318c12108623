"""Writes of the notification channels: queue a notification for people (`notify`) or for
addresses such as an org unit's group robots (`notify_targets`), deliver one delivery
(`deliver`, run by the Celery task), pick up the ones due again (`retry_due_deliveries`),
and mark inbox messages read.

A delivery is claimed before it is sent (its attempt counter moves from n to n + 1 in one
conditional UPDATE), so a delivery queued twice, or picked up by the periodic job while its
own task runs, is still sent once per attempt.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import Invalid, declare
from ..models import Delivery, InboxMessage, Notification
from ..phones import mask_phone
from .channels import DeliveryFailed, channel_for
from .robots import ROBOTS, masked_url, webhook_url_problem

logger = logging.getLogger(__name__)

INBOX = "inbox"
# A delivery being sent is left alone by retry_due_deliveries this long; longer than any
# send can take (NOTIFY_TIMEOUT_SECONDS), so a worker that died mid-send is retried after it.
CLAIM_LEASE = datetime.timedelta(minutes=5)
PENDING = (Delivery.State.QUEUED, Delivery.State.FAILED)

WEBHOOK_ADDRESS = declare(
    "webhook_address",
    Invalid,
    "A robot's webhook address is not https (or not a valid address).",
    area="notifications",
)


@dataclass(frozen=True)
class Target:
    """An address that is not a user: an e-mail address, or a robot's webhook URL with its
    signing secret. `channel` is a Delivery.Channel value."""

    channel: str
    address: str
    secret: str = ""


def notify(
    *,
    recipients: Iterable,
    subject: str,
    body: str = "",
    link: str = "",
    kind: str = "general",
    channels: Iterable[str] = (INBOX, Delivery.Channel.EMAIL),
    by=None,
) -> Notification:
    """Send one notification to users over `channels` ("inbox", "email"): the inbox is
    written at once, e-mails are queued and sent after the caller's transaction commits.
    Inactive accounts are skipped; an account without an e-mail address gets a delivery
    that is given up at once, so the log says why it was not mailed."""
    channels = set(channels)
    unknown = channels - {INBOX, Delivery.Channel.EMAIL}
    if unknown:
        raise ValueError(f"users are notified in the inbox or by e-mail, not by {sorted(unknown)}")
    users = list({user.pk: user for user in recipients if user.is_active}.values())
    with transaction.atomic():
        notification = _notification(subject=subject, body=body, link=link, kind=kind, by=by)
        if INBOX in channels:
            InboxMessage.objects.bulk_create(InboxMessage(user=u, notification=notification) for u in users)
        if Delivery.Channel.EMAIL in channels:
            _queue(
                [
                    _delivery(notification, Delivery.Channel.EMAIL, recipient=user, address=user.email)
                    for user in users
                ]
            )
    return notification


def notify_targets(
    *, targets: Iterable[Target], subject: str, body: str = "", link: str = "", kind: str = "general", by=None
) -> Notification:
    """Send one notification to addresses (group robots, group mailboxes, a customer's
    phone by SMS), queued and sent after the caller's transaction commits. A robot URL that
    is not https is refused."""
    targets = list(targets)
    for target in targets:
        if target.channel in ROBOTS:
            problem = webhook_url_problem(
                target.address, allow_loopback_http=settings.NOTIFY_ALLOW_HTTP_LOOPBACK
            )
            if problem:
                raise Invalid(
                    f"{masked_url(target.address)}: {problem}", code=WEBHOOK_ADDRESS, field="address"
                )
        elif target.channel == Delivery.Channel.SMS:
            if not target.address.strip():
                raise ValueError("an SMS needs a phone number")
        elif target.channel != Delivery.Channel.EMAIL:
            raise ValueError(f"unknown channel {target.channel!r}")
    with transaction.atomic():
        notification = _notification(subject=subject, body=body, link=link, kind=kind, by=by)
        _queue([_delivery(notification, t.channel, address=t.address, secret=t.secret) for t in targets])
    return notification


def _notification(*, subject, body, link, kind, by) -> Notification:
    # A header cannot hold a line break (Django refuses such a subject).
    subject = " ".join(subject.split())[:200]
    return Notification.objects.create(
        subject=subject,
        body=body,
        link=link,
        kind=kind,
        created_by=by if by is not None and by.is_authenticated else None,
    )


def _delivery(notification, channel, *, address, recipient=None, secret="") -> Delivery:
    now = timezone.now()
    delivery = Delivery(notification=notification, channel=channel, recipient=recipient, created_at=now)
    if channel == Delivery.Channel.EMAIL:
        delivery.address = address
        if not address:
            delivery.state = Delivery.State.GAVE_UP
            delivery.last_error = _("The account has no e-mail address.")
            return delivery
    elif channel == Delivery.Channel.SMS:
        # The log shows the phone masked; the whole number waits in target_url until sent.
        delivery.address = mask_phone(address)
        delivery.target_url = address
    else:
        delivery.address = masked_url(address)
        delivery.target_url = address
        delivery.target_secret = secret
    # retry_due_deliveries picks it up from then on if its task never ran (broker down).
    delivery.next_attempt_at = now + CLAIM_LEASE
    return delivery


def _queue(deliveries: list[Delivery]) -> None:
    created = Delivery.objects.bulk_create(deliveries)
    queued = [d.pk for d in created if d.state == Delivery.State.QUEUED]
    if queued:
        transaction.on_commit(lambda: _schedule(queued))


def _schedule(delivery_ids: Iterable[int]) -> None:
    from ..tasks import deliver_task

    for delivery_id in delivery_ids:
        try:
            deliver_task.delay(delivery_id)
        except Exception:
            # The rows are committed: retry_due_deliveries sends them once the broker is back.
            logger.exception(
                "delivery %s not handed to Celery; retry_due_deliveries will send it", delivery_id
            )


def deliver(*, delivery_id: int, now: datetime.datetime | None = None) -> Delivery | None:
    """Make one attempt at a queued delivery, or at a failed one that is due. Returns the
    delivery as left (sent, failed with its next attempt, or given up), or None when there
    was nothing to do: unknown, already done, not yet due, or claimed by another worker."""
    now = now or timezone.now()
    delivery = Delivery.objects.select_related("notification").filter(pk=delivery_id).first()
    if delivery is None or delivery.state not in PENDING:
        return None
    if (
        delivery.state == Delivery.State.FAILED
        and delivery.next_attempt_at
        and delivery.next_attempt_at > now
    ):
        return None
    claimed = Delivery.objects.filter(
        pk=delivery.pk, state=delivery.state, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + CLAIM_LEASE)
    if not claimed:
        return None
    delivery.attempts += 1
    try:
        channel_for(delivery.channel).send(delivery)
    except DeliveryFailed as error:
        _record_failure(delivery, str(error), retryable=error.retryable)
    except Exception as error:
        # A bug or an unforeseen library error: logged with its traceback and retried like
        # an outage, so the message is not lost with the exception.
        logger.exception("delivery %s: unexpected error", delivery.pk)
        _record_failure(delivery, f"{type(error).__name__}: {error}", retryable=True)
    else:
        _record(
            delivery, state=Delivery.State.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
        )
    return delivery


def _record_failure(delivery: Delivery, error: str, *, retryable: bool) -> None:
    delays = settings.NOTIFY_RETRY_DELAYS
    if retryable and delivery.attempts <= len(delays):
        wait = datetime.timedelta(seconds=delays[delivery.attempts - 1])
        logger.info(
            "delivery %s failed (attempt %s), retrying in %s: %s", delivery.pk, delivery.attempts, wait, error
        )
        _record(
            delivery, state=Delivery.State.FAILED, last_error=error, next_attempt_at=timezone.now() + wait
        )
        return
    logger.warning(
        "notification %s: gave up on %s to %s after %s attempt(s): %s",
        delivery.notification_id,
        delivery.channel,
        delivery.address,
        delivery.attempts,
        error,
    )
    _record(delivery, state=Delivery.State.GAVE_UP, last_error=error, next_attempt_at=None)


def _record(delivery: Delivery, **fields) -> None:
    if fields["state"] in (Delivery.State.SENT, Delivery.State.GAVE_UP):
        # The key and secret are needed no more: the log keeps the masked address only.
        fields.update(target_url="", target_secret="")
    for name, value in fields.items():
        setattr(delivery, name, value)
    Delivery.objects.filter(pk=delivery.pk).update(**fields)


def retry_due_deliveries(*, now: datetime.datetime | None = None) -> int:
    """Hand every pending delivery whose next attempt is due to the Celery task; the
    periodic job (beat or cron, docs/operations.md) and the only retry path when tasks run
    inline. Returns how many were handed over."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(state__in=PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)
    )
    _schedule(due)
    return len(due)


def inbox_mark_read(*, user, message: InboxMessage) -> None:
    """Mark one of the user's own inbox messages read (the selector checked it is theirs)."""
    if message.user_id != user.pk:
        raise PermissionError("an inbox message is marked read by its owner only")
    if message.read_at is None:
        message.read_at = timezone.now()
        InboxMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=message.read_at)


def inbox_mark_all_read(*, user) -> int:
    """Mark all of the user's unread inbox messages read; returns how many."""
    return InboxMessage.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
