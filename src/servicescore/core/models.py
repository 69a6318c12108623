from django.contrib.auth.models import AbstractUser
from django.db import models
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
