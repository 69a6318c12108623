from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import COMPANY_WIDE_ROLES, Role


class User(AbstractUser):
    """A log-in. Its `role` decides what it may do; its employee record decides where."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.TECHNICIAN)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def effective_role(self) -> str:
        return Role.ADMIN if self.is_superuser else self.role

    @property
    def is_read_only(self) -> bool:
        return self.effective_role == Role.AUDITOR

    @property
    def sees_whole_company(self) -> bool:
        return self.effective_role in COMPANY_WIDE_ROLES


class TimeStampedModel(models.Model):
    created = models.DateTimeField(_("record created"), auto_now_add=True)
    modified = models.DateTimeField(_("record modified"), auto_now=True)

    class Meta:
        abstract = True


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit entries are append-only")

    def delete(self):
        raise PermissionError("audit entries are append-only")


class AuditEntry(models.Model):
    """One change to a record: who, when, what, old → new, why, from which request.

    Append-only: the model refuses updates and deletes, and on PostgreSQL a trigger refuses
    them in the database too (migration 0002). Written by services through core/audit.py.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    # No database constraint: deleting a user must neither fail nor rewrite the trail.
    actor = models.ForeignKey(
        "core.User",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=20, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="audit_object_at")]

    def __str__(self):
        at = timezone.localtime(self.at)
        return f"{at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are append-only")


class Notification(models.Model):
    """One message to people or groups: what the inbox shows and every channel sends
    (core/notify/). Its deliveries are the log of where it went."""

    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message text"), blank=True)
    # A path in ServiceScore ("/work-orders/12/") or a full URL; e-mails and robots get it
    # made absolute with NOTIFY_SITE_URL.
    link = models.CharField(_("link"), max_length=500, blank=True)
    kind = models.CharField(_("kind"), max_length=40, default="general", db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        "core.User",
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.subject


class InboxMessage(models.Model):
    """A notification in one user's in-app inbox; unread until `read_at` is set."""

    user = models.ForeignKey(
        "core.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="inbox_messages"
    )
    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="inbox_messages"
    )
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="inbox_user_newest")]

    def __str__(self):
        return f"{self.user} · {self.notification}"


class Delivery(models.Model):
    """One attempt-tracked sending of a notification over one channel to one address: the
    delivery log. A failure is retried (NOTIFY_RETRY_DELAYS) and, after the last, the row
    stays `gave_up` with the error: nothing is dropped silently."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")
        FEISHU = "feishu", _("Feishu group robot")
        # To a customer's phone through settings.SMS_GATEWAY (core/notify/sms.py).
        SMS = "sms", _("SMS")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Gave up")

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    recipient = models.ForeignKey(
        "core.User",
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the log shows: the e-mail address, or the robot's host with the key masked.
    address = models.CharField(_("address"), max_length=300)
    # Where a robot message goes and the signing secret; kept only while the delivery is
    # pending and cleared once it is sent or given up, so the log holds no keys.
    target_url = models.CharField(max_length=1000, blank=True, editable=False)
    target_secret = models.CharField(max_length=200, blank=True, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.address}"


class ExportJob(models.Model):
    """A spreadsheet export someone asked for, written in the background (core/export_jobs.py):
    which exporter (`kind`) with which filters, how far it has got, and the file, which
    only its owner may download and which is deleted a day after it was made."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    owner = models.ForeignKey(
        "core.User", verbose_name=_("owner"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("kind"), max_length=50)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    # The owner's language when asked: the worker writes the headers and labels in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    done_rows = models.PositiveIntegerField(_("rows written"), default=0)
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True, max_length=300)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.pk} {self.kind} {self.state}"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, 100 * self.done_rows // self.total_rows)


class UserDevice(models.Model):
    """Where a signed-in user has worked from: the address and a fingerprint of the
    browser (a hash of its user agent), first and last seen. Survey fraud checks compare a
    customer's answer with the devices of the staff on the work order (voice/fraud.py)."""

    user = models.ForeignKey(
        "core.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="devices"
    )
    ip = models.GenericIPAddressField(_("IP address"))
    device = models.CharField(_("device fingerprint"), max_length=64, db_index=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("user device")
        verbose_name_plural = _("user devices")
        constraints = [
            models.UniqueConstraint(fields=["user", "ip", "device"], name="one_row_per_user_device"),
        ]
        indexes = [models.Index(fields=["ip"], name="userdevice_ip")]

    def __str__(self):
        return f"{self.user} · {self.ip}"
