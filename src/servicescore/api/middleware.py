"""Log /api/ requests with their token (or session user), status and duration.

A log row is never worth a failed or stalled request: it is written after the answer, in its
own savepoint, waits only briefly for SQLite's write lock (an import may hold it for minutes)
and is skipped with a warning when the database refuses it. Rejected calls (401, 429) cost the
caller nothing, so they are logged only up to API_REJECTED_LOG_PER_MINUTE per client address;
past that a warning says so once a minute instead of a row per call.
"""

import logging
import time

from django.conf import settings
from django.utils import timezone

from servicescore.core.best_effort import best_effort_write
from servicescore.core.client_ip import client_ip
from servicescore.core.rate_limits import count_hit

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
DOCS_PATHS = ("/api/docs", "/api/openapi.json")
REJECTED = (401, 429)


class ApiRequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX) or request.path.startswith(DOCS_PATHS):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        ip = client_ip(request)
        if response.status_code in REJECTED and not _within_rejected_log_budget(ip):
            return response
        from .models import ApiRequestLog

        token = getattr(request, "api_token", None)
        user = getattr(request, "user", None)
        row = {
            "at": timezone.now(),
            "token": token,
            "user": user if user is not None and user.is_authenticated else None,
            "method": request.method,
            "path": request.get_full_path()[:500],
            "status": response.status_code,
            "duration_ms": int((time.monotonic() - started) * 1000),
            "ip": ip,
        }
        best_effort_write(
            f"API request log row ({request.method} {request.path})",
            lambda: ApiRequestLog.objects.create(**row),
            log=logger,
        )
        return response


def _within_rejected_log_budget(ip: str | None) -> bool:
    count, _retry = count_hit(f"api-rejected-log:{ip}", window_seconds=60)
    limit = settings.API_REJECTED_LOG_PER_MINUTE
    if count == limit + 1:
        logger.warning(
            "More than %d rejected API calls from %s this minute; the rest of the minute is not logged.",
            limit,
            ip,
        )
    return count <= limit
