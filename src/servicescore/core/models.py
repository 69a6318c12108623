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
