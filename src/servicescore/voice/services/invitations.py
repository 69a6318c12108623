"""Customer voice, invitations: the writes (one transaction each, audited).

The life of a survey invitation (issue 17, "Invitations"):

- a work order is closed → `invitation_schedule` creates it, *scheduled* for
  closed_at + VoicePolicy.survey_delay_minutes, with its unguessable token; a customer
  with neither a phone nor an e-mail address gets one *undeliverable* (shown on the
  order, not silently skipped);
- `send_due_invitations` (Celery beat every 5 minutes, or `servicescore
  send_survey_invitations` from cron) sends each due one once: an SMS to the customer's
  phone through settings.SMS_GATEWAY and an e-mail when the customer has an address,
  through core/notify (each delivery logged) → *sent*;
- `remind_unanswered_invitations` sends one reminder after survey_reminder_hours;
  `expire_invitations` marks those past expires_at *expired*;
- the advisor may send it by hand from the order's page as a WeCom card
  (`invitation_send_now`) → *sent* over WeCom;
- a cancelled order's invitations are *cancelled* (`invitations_cancel`).

Every step claims its rows with a conditional UPDATE (and, on PostgreSQL, skips rows
another worker holds), so two runs at once still send each message once.
"""

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_bulk, audit_record
from servicescore.core.errors import Conflict, Invalid, Refused
from servicescore.core.models import Delivery
from servicescore.core.notify import Target, notify_targets
from servicescore.core.notify.channels import absolute_link
from servicescore.core.phones import mask_phone
from servicescore.workorders.models import State, WorkOrder

from .. import policy
from ..errors.invitations import (
    SURVEY_INVITATION_OVER,
    SURVEY_ORDER_NOT_FINISHED,
    SURVEY_SEND_ANSWERED,
    SURVEY_SEND_CHANNEL_UNKNOWN,
    SURVEY_SEND_NO_CONTACT,
    SURVEY_SEND_NOT_ALLOWED,
)
from ..models import SurveyInvitation, SurveyResponse, VoicePolicy
from .surveys import default_template

Invitation = SurveyInvitation.State
# Invitations handled per run and step; the next run (5 minutes later) takes the rest.
BATCH = 500
# Still waiting for the customer: what a cancelled order withdraws.
LIVE_STATES = (Invitation.SCHEDULED, Invitation.SENT, Invitation.UNDELIVERABLE)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def survey_path(token: str) -> str:
    """The public survey page of a token (voice/public_urls.py, "survey:answer": /s/<token>/)."""
    return reverse("survey:answer", args=[token])


def survey_link(invitation: SurveyInvitation) -> str:
    """The absolute link the customer opens (NOTIFY_SITE_URL + the survey page)."""
    return absolute_link(survey_path(invitation.token))


def mask_email(address: str) -> str:
    """z***@example.com: the local part's first character, the domain whole."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else mask_phone(address)


def _contacts(order) -> list[Target]:
    """Where the customer can be reached: an SMS to the phone, an e-mail to the address."""
    customer = order.customer
    if customer is None:
        return []
    targets = []
    if customer.phone.strip():
        targets.append(Target(Delivery.Channel.SMS, customer.phone.strip()))
    if customer.email.strip():
        targets.append(Target(Delivery.Channel.EMAIL, customer.email.strip()))
    return targets


def _recipient(targets: list[Target]) -> str:
    shown = [
        mask_phone(t.address) if t.channel == Delivery.Channel.SMS else mask_email(t.address) for t in targets
    ]
    return ", ".join(shown)[:200]


def _local_date(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


def invitation_message(invitation: SurveyInvitation, *, reminder: bool = False) -> tuple[str, str]:
    """(subject, text) of the invitation in the customer's language, naming the service
    centre, the day of the service and when the link expires; the link goes beside it."""
    order = invitation.work_order
    values = {
        "centre": order.service_center.name,
        "date": _local_date(order.closed_at or order.completed_at),
        "number": order.external_id,
        "expires": _local_date(invitation.expires_at),
    }
    with translation.override(invitation.language or settings.LANGUAGE_CODE):
        if reminder:
            subject = _("%(centre)s: a reminder about your satisfaction survey") % values
            body = (
                _(
                    "You have not yet told us how the service of %(date)s went (work order %(number)s). "
                    "Your answer takes a minute; the link is valid until %(expires)s."
                )
                % values
            )
        else:
            subject = _("%(centre)s: how was your service?") % values
            body = (
                _(
                    "Thank you for choosing %(centre)s. Please tell us how the service of %(date)s went "
                    "(work order %(number)s): it takes a minute. The link is valid until %(expires)s."
                )
                % values
            )
    return subject, body


def _changes(before: dict, invitation: SurveyInvitation, fields) -> dict:
    return {
        name: [before.get(name), getattr(invitation, name)]
        for name in fields
        if before.get(name) != getattr(invitation, name)
    }


@transaction.atomic
def invitation_schedule(*, order: WorkOrder, now: datetime.datetime | None = None, by=None):
    """Create the survey invitation of a closed work order, to be sent after the policy's
    delay and to expire after its days; None when the order already has one or is
    cancelled. A customer without a phone and an e-mail address gets an invitation that
    is undeliverable (the advisor may still send it by hand)."""
    now = now or timezone.now()
    if order.state == State.CANCELLED or SurveyInvitation.objects.filter(work_order_id=order.pk).exists():
        return None
    voice_policy = VoicePolicy.current()
    send_after = (order.closed_at or now) + datetime.timedelta(minutes=voice_policy.survey_delay_minutes)
    customer = order.customer
    reachable = bool(_contacts(order))
    invitation = SurveyInvitation.objects.create(
        work_order=order,
        template=default_template(order),
        token=new_token(),
        state=Invitation.SCHEDULED if reachable else Invitation.UNDELIVERABLE,
        send_after=send_after,
        expires_at=send_after + datetime.timedelta(days=voice_policy.survey_expiry_days),
        language=(customer.language if customer is not None else "") or "",
    )
    audit_record(
        actor=by,
        action="schedule",
        obj=invitation,
        changes={
            "state": [None, invitation.state],
            "send_after": [None, invitation.send_after],
            "expires_at": [None, invitation.expires_at],
        },
        reason="" if reachable else "the customer has no phone and no e-mail address",
    )
    return invitation


@transaction.atomic
def invitations_cancel(*, order: WorkOrder, by=None) -> int:
    """Withdraw the unanswered invitations of a cancelled work order; returns how many."""
    invitations = list(
        SurveyInvitation.objects.select_for_update().filter(
            work_order_id=order.pk, state__in=LIVE_STATES, response__isnull=True
        )
    )
    for invitation in invitations:
        before = invitation.state
        invitation.state = Invitation.CANCELLED
        invitation.save(update_fields=["state", "modified"])
        audit_record(
            actor=by,
            action="cancel",
            obj=invitation,
            changes={"state": [before, invitation.state]},
            reason="the work order was cancelled",
        )
    return len(invitations)


def _locked(filters: Q):
    """One invitation matching `filters`, locked for this transaction; rows another
    worker holds are skipped (PostgreSQL; SQLite runs one writer at a time anyway)."""
    return (
        SurveyInvitation.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("work_order__customer", "work_order__service_center")
        .filter(filters)
        .first()
    )


def _send(invitation: SurveyInvitation, targets: list[Target], *, reminder: bool = False):
    subject, body = invitation_message(invitation, reminder=reminder)
    return notify_targets(
        targets=targets,
        subject=subject,
        body=body,
        link=survey_link(invitation),
        kind="survey_reminder" if reminder else "survey_invitation",
    )


def send_due_invitations(*, now: datetime.datetime | None = None) -> int:
    """Send every scheduled invitation that is due and not expired, once each (an SMS and,
    when the customer has an address, an e-mail; sent after each one's commit). One whose
    customer has no phone and no e-mail address by now becomes undeliverable. Returns how
    many were sent."""
    now = now or timezone.now()
    due = Q(state=Invitation.SCHEDULED, send_after__lte=now) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    ids = list(
        SurveyInvitation.objects.filter(due).order_by("send_after", "pk").values_list("pk", flat=True)[:BATCH]
    )
    sent = 0
    for pk in ids:
        with transaction.atomic():
            invitation = _locked(due & Q(pk=pk))
            if invitation is None:
                continue  # another run has it, or sent it already
            sent += _send_one(invitation, now)
    return sent


def _send_one(invitation: SurveyInvitation, now) -> int:
    before = {"state": invitation.state, "sent_at": invitation.sent_at}
    targets = _contacts(invitation.work_order)
    fields = ["state", "sent_at", "channel", "recipient", "notification"]
    if not targets:
        invitation.state = Invitation.UNDELIVERABLE
        reason = "the customer has no phone and no e-mail address"
    else:
        invitation.notification = _send(invitation, targets)
        invitation.state = Invitation.SENT
        invitation.sent_at = now
        invitation.channel = (
            SurveyResponse.Channel.SMS
            if targets[0].channel == Delivery.Channel.SMS
            else SurveyResponse.Channel.EMAIL
        )
        invitation.recipient = _recipient(targets)
        reason = ""
    invitation.save(update_fields=[*fields, "modified"])
    audit_record(
        actor=None,
        action="send" if targets else "undeliverable",
        obj=invitation,
        changes=_changes(before, invitation, ["state", "sent_at"]),
        reason=reason,
    )
    return 1 if targets else 0


def remind_unanswered_invitations(*, now: datetime.datetime | None = None) -> int:
    """Send the one reminder of each invitation sent survey_reminder_hours ago and still
    unanswered and unexpired (none when the policy says 0). Returns how many."""
    now = now or timezone.now()
    hours = VoicePolicy.current().survey_reminder_hours
    if not hours:
        return 0
    due = Q(
        state=Invitation.SENT,
        response__isnull=True,
        reminded_at__isnull=True,
        sent_at__lte=now - datetime.timedelta(hours=hours),
    ) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    ids = list(
        SurveyInvitation.objects.filter(due).order_by("sent_at", "pk").values_list("pk", flat=True)[:BATCH]
    )
    reminded = 0
    for pk in ids:
        with transaction.atomic():
            invitation = _locked(due & Q(pk=pk))
            if invitation is None:
                continue
            targets = _contacts(invitation.work_order)
            # Marked even without a way to reach the customer, so it is not tried every run.
            invitation.reminded_at = now
            invitation.save(update_fields=["reminded_at", "modified"])
            if targets:
                _send(invitation, targets, reminder=True)
                reminded += 1
            audit_record(
                actor=None,
                action="remind",
                obj=invitation,
                changes={"reminded_at": [None, now]},
                reason="" if targets else "the customer has no phone and no e-mail address",
            )
    return reminded


@transaction.atomic
def expire_invitations(*, now: datetime.datetime | None = None) -> int:
    """Mark expired every unanswered invitation past its expiry; returns how many."""
    now = now or timezone.now()
    over = Q(state__in=(Invitation.SCHEDULED, Invitation.SENT), response__isnull=True, expires_at__lte=now)
    expiring = list(
        SurveyInvitation.objects.select_for_update(skip_locked=True).filter(over).order_by("pk")[: BATCH * 10]
    )
    if not expiring:
        return 0
    SurveyInvitation.objects.filter(over, pk__in=[i.pk for i in expiring]).update(
        state=Invitation.EXPIRED, modified=now
    )
    audit_bulk(
        actor=None,
        action="expire",
        objects=expiring,
        changes_of=lambda invitation: {"state": [invitation.state, Invitation.EXPIRED]},
    )
    return len(expiring)


def process_invitations(*, now: datetime.datetime | None = None) -> dict:
    """The periodic job: expire, send what is due, remind. Returns the counts."""
    now = now or timezone.now()
    expired = expire_invitations(now=now)
    return {
        "expired": expired,
        "sent": send_due_invitations(now=now),
        "reminded": remind_unanswered_invitations(now=now),
    }


FINISHED_STATES = (State.COMPLETED, State.CLOSED)
# Where sending by hand still makes sense: not answered, expired or cancelled yet.
SENDABLE_STATES = (Invitation.SCHEDULED, Invitation.UNDELIVERABLE, Invitation.SENT)


# How an advisor sends a survey by hand: a WeCom card he forwards, a QR code the customer
# scans at the desk (nothing is delivered: he shows the link), or an SMS or e-mail
# delivered now to the customer's phone or address.
HAND_CHANNELS = (
    SurveyResponse.Channel.WECOM,
    SurveyResponse.Channel.QR,
    SurveyResponse.Channel.SMS,
    SurveyResponse.Channel.EMAIL,
)
DELIVERED = {
    SurveyResponse.Channel.SMS: Delivery.Channel.SMS,
    SurveyResponse.Channel.EMAIL: Delivery.Channel.EMAIL,
}


def _hand_target(order: WorkOrder, channel: str) -> Target | None:
    """Where an SMS or e-mail goes: the customer's phone or address (None without one)."""
    wanted = DELIVERED[channel]
    return next((target for target in _contacts(order) if target.channel == wanted), None)


@transaction.atomic
def invitation_send_now(
    *, order: WorkOrder, by, channel: str = SurveyResponse.Channel.WECOM, now: datetime.datetime | None = None
) -> SurveyInvitation:
    """The advisor sends the order's survey himself through `channel` (HAND_CHANNELS): as
    a WeCom card he forwards or a QR code he shows the customer (the invitation, created if
    the order has none yet, becomes sent), or as an SMS or e-mail delivered now (again, if
    it went already: the customer asked for it). The caller found the order in the user's
    scope; the role is checked here. Showing the card or the code again for an invitation
    already sent changes nothing. On any refusal nothing is written."""
    now = now or timezone.now()
    if not policy.may_send_survey(by):
        raise Refused(_("You may not send this work order's survey."), code=SURVEY_SEND_NOT_ALLOWED)
    if channel not in HAND_CHANNELS:
        raise Invalid(
            _("Choose how to send the survey: WeCom, QR code, SMS or e-mail."),
            code=SURVEY_SEND_CHANNEL_UNKNOWN,
            field="channel",
        )
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("customer", "service_center")
        .get(pk=order.pk)
    )
    if order.state not in FINISHED_STATES:
        raise Conflict(
            _("The survey is sent once the work order is completed or closed."),
            code=SURVEY_ORDER_NOT_FINISHED,
            field="work_order",
        )
    invitation = (
        SurveyInvitation.objects.select_for_update().filter(work_order_id=order.pk).order_by("-pk").first()
    )
    if invitation is not None and (invitation.response_id or invitation.state == Invitation.ANSWERED):
        raise Conflict(
            _("The customer already answered this survey: it is not sent again."),
            code=SURVEY_SEND_ANSWERED,
        )
    if invitation is not None and invitation.state not in SENDABLE_STATES:
        raise Conflict(
            _("This survey was already answered, has expired or was cancelled; it cannot be sent again."),
            code=SURVEY_INVITATION_OVER,
        )
    target = _hand_target(order, channel) if channel in DELIVERED else None
    if channel in DELIVERED and target is None:
        raise Conflict(
            _("The customer has no phone number to send an SMS to.")
            if channel == SurveyResponse.Channel.SMS
            else _("The customer has no e-mail address to send the survey to."),
            code=SURVEY_SEND_NO_CONTACT,
            field="channel",
        )
    if invitation is None:
        voice_policy = VoicePolicy.current()
        customer = order.customer
        invitation = SurveyInvitation.objects.create(
            work_order=order,
            template=default_template(order),
            token=new_token(),
            state=Invitation.SCHEDULED,
            send_after=now,
            expires_at=now + datetime.timedelta(days=voice_policy.survey_expiry_days),
            language=(customer.language if customer is not None else "") or "",
        )
        audit_record(actor=by, action="schedule", obj=invitation, changes={"state": [None, invitation.state]})
    if invitation.state == Invitation.SENT and target is None:
        return invitation
    fields = ["state", "sent_at", "channel", "recipient"]
    before = {name: getattr(invitation, name) for name in fields}
    invitation.work_order = order
    invitation.state = Invitation.SENT
    invitation.sent_at = invitation.sent_at or now
    invitation.channel = channel
    if target is not None:
        invitation.recipient = _recipient([target])
        invitation.notification = _send(invitation, [target])
    invitation.save(update_fields=[*fields, "notification", "modified"])
    audit_record(
        actor=by,
        action=f"send_{channel}",
        obj=invitation,
        changes=_changes(before, invitation, fields),
        reason="" if before["state"] != Invitation.SENT else "sent again by hand",
    )
    return invitation
