"""The address a request came from: what log-in throttling, the password-reset limit and
the API request log count by."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind a reverse proxy (BEHIND_PROXY) the address the proxy passes in
    CLIENT_IP_HEADER. Behind nginx REMOTE_ADDR is nginx itself, so every client would share one
    count; directly reachable, the header is the client's to forge, so it is read only when
    configured. A value that is not an address falls back to REMOTE_ADDR."""
    header = settings.CLIENT_IP_HEADER
    candidates = (request.META.get(header, "") if header else "", request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate.strip()))
        except ValueError:
            continue
    return None
