"""How an API request proves who it is: a bearer token with scopes, or the browser's
session (with its CSRF check). A token acts as its user, so the data scope (org/scope.py) and the work-order
policy apply unchanged; the token's scopes narrow what it may call."""

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from servicescore.core.best_effort import best_effort_write
from servicescore.core.rate_limits import count_hit

from .models import TOKEN_PREFIX, ApiToken

logger = logging.getLogger(__name__)


class ApiRejected(Exception):
    """An authentication or throttling failure with its own status and message."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def parse_token(raw: str) -> str | None:
    """The key part of `ss_<key>_<secret>`, or None when the shape is wrong."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 16 or not parts[2]:
        return None
    return parts[1]


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ss_…` with the scope an operation needs."""

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request, token):
        key = parse_token(token)
        found = ApiToken.objects.select_related("user", "org_unit").filter(key=key).first() if key else None
        if found is None or not found.matches(token):
            raise ApiRejected(401, _("The API token is not valid."))
        if found.is_revoked:
            raise ApiRejected(
                401,
                _("The API token was revoked on %(date)s.")
                % {"date": timezone.localtime(found.revoked_at).strftime("%Y-%m-%d")},
            )
        if found.is_expired():
            raise ApiRejected(
                401,
                _("The API token expired on %(date)s.")
                % {"date": timezone.localtime(found.expires_at).strftime("%Y-%m-%d")},
            )
        if not found.user.is_active:
            raise ApiRejected(401, _("The user of this API token is inactive."))
        request.api_token = found
        _throttle(f"token:{found.pk}", found.rate_limit_per_minute or settings.API_RATE_LIMIT_PER_MINUTE)
        if self.scope not in found.scopes:
            raise ApiRejected(403, _("This API token lacks the '%(scope)s' scope.") % {"scope": self.scope})
        user = found.user
        user._api_token = found  # org/scope.py narrows an integration user to the token's unit
        request.user = user
        _note_use(found)
        return found


def _note_use(token: ApiToken) -> None:
    """Record when the token was last used, without ever failing the call (an import may
    hold SQLite's write lock)."""
    best_effort_write(
        f"last use of API token {token.key}",
        lambda: ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now()),
        log=logger,
    )


def _throttle(caller: str, limit: int) -> None:
    """A fixed one-minute window per caller (a token, or a user's browser session) in the
    cache (Redis when CACHE_URL says so)."""
    count, retry = count_hit(f"api:{caller}", window_seconds=60)
    if count > limit:
        raise ApiRejected(
            429,
            _("Rate limit of %(limit)d requests a minute reached; retry in %(seconds)d s.")
            % {"limit": limit, "seconds": retry},
            {"Retry-After": str(retry)},
        )


class BrowserSession(SessionAuth):
    """The logged-in browser (the same log-in as the pages); unsafe methods need CSRF."""

    def authenticate(self, request, key):
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        # A script can drive the API with a copied session cookie as well as with a token.
        _throttle(f"user:{user.pk}", settings.API_RATE_LIMIT_PER_MINUTE)
        return user


def auth_for(scope: str) -> list:
    return [TokenAuth(scope), BrowserSession()]


READ = auth_for("read")
WRITE = auth_for("write")
IMPORT = auth_for("import")
