"""Log every /api/ request with its token (or session user), status and duration."""

import time

from django.utils import timezone

API_PREFIX = "/api/"
DOCS_PATHS = ("/api/docs", "/api/openapi.json")


class ApiRequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX) or request.path.startswith(DOCS_PATHS):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        from .models import ApiRequestLog

        token = getattr(request, "api_token", None)
        user = getattr(request, "user", None)
        ApiRequestLog.objects.create(
            at=timezone.now(),
            token=token,
            user=user if user is not None and user.is_authenticated else None,
            method=request.method,
            path=request.get_full_path()[:500],
            status=response.status_code,
            duration_ms=int((time.monotonic() - started) * 1000),
            ip=request.META.get("REMOTE_ADDR") or None,
        )
        return response
