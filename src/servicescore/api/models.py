"""API tokens (hashed, scoped, revocable) and the log of every API request."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "ss"


class Scope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Write (create, update, transitions)")
    IMPORT = "import", _("Import (bulk upsert)")


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A key another system sends as `Authorization: Bearer ss_<key>_<secret>`.

    Only the SHA-256 of the whole token is stored; the token itself is shown once, when
    an administrator creates it. The token acts as its user: the user's role and data
    scope apply, narrowed by the token's scopes (and, for an integration user, its org unit).
    """

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    key = models.CharField(_("key"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("limited to org unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For an integration user: the subtree the token may see (empty: the whole company)."),
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        null=True,
        blank=True,
        help_text=_("Empty: the site default (API_RATE_LIMIT_PER_MINUTE)."),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.name} ({TOKEN_PREFIX}_{self.key}_…)"

    @classmethod
    def issue(cls, *, user, name: str, scopes, created_by=None, **fields) -> tuple["ApiToken", str]:
        """Create a token; returns it and the raw token string, which is never stored."""
        key = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        raw = f"{TOKEN_PREFIX}_{key}_{secret}"
        token = cls.objects.create(
            user=user,
            name=name,
            key=key,
            secret_hash=hash_secret(raw),
            scopes=sorted(set(scopes)),
            created_by=created_by,
            **fields,
        )
        return token, raw

    def matches(self, raw: str) -> bool:
        return secrets.compare_digest(self.secret_hash, hash_secret(raw))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class ApiRequestLog(models.Model):
    """One row per API request: who (token or session user), what, and the answer."""

    at = models.DateTimeField(_("at"), db_index=True)
    token = models.ForeignKey(
        ApiToken,
        verbose_name=_("token"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    status = models.PositiveSmallIntegerField(_("status"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("API request")
        verbose_name_plural = _("API requests")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.method} {self.path} {self.status}"
