"""A request id for every request: in the audit trail, the logs and the X-Request-ID header."""

import re

from .audit import audit_context, new_request_id

# An id sent by a proxy (nginx's $request_id) is kept when it looks like one.
_FORWARDED_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def _channel(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        forwarded = request.headers.get("X-Request-ID", "")
        request.request_id = forwarded if _FORWARDED_ID.fullmatch(forwarded) else new_request_id()
        with audit_context(request_id=request.request_id, channel=_channel(request.path)):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response
