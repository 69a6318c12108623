"""Where signed-in users work from (core.UserDevice): the address (core/client_ip.py) and a
fingerprint of the browser, first and last seen. The survey fraud checks compare a
customer's answer with the devices of the staff on the work order (voice/services/fraud.py).

Recorded at log-in and by a light middleware that writes at most once per session for each
(address, device) pair: the pairs already written are kept in the session, so a repeat
request costs no query. Static files are never recorded.
"""

import hashlib

from django.conf import settings
from django.utils import timezone

from .client_ip import client_ip
from .models import UserDevice

# The (address, device) pairs this session has recorded.
SESSION_KEY = "_servicescore_devices"
# A session that hops between more pairs than this forgets the oldest (and records it again).
SESSION_LIMIT = 20
USER_AGENT_LENGTH = UserDevice._meta.get_field("user_agent").max_length


def device_fingerprint(user_agent: str) -> str:
    """The browser's fingerprint: the SHA-256 hex digest of its user agent."""
    return hashlib.sha256((user_agent or "").encode("utf-8", "replace")).hexdigest()


def record_device(request, user=None) -> bool:
    """Record (or touch) the user's device for this request, unless this session already
    did; True when it wrote. One upsert query when it writes, none otherwise."""
    if not getattr(settings, "RECORD_USER_DEVICES", True):
        return False
    user = user or getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None:
        return False
    ip = client_ip(request)
    if ip is None:
        return False
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    device = device_fingerprint(user_agent)
    key = f"{ip} {device}"
    seen = session.get(SESSION_KEY, [])
    if key in seen:
        return False
    now = timezone.now()
    UserDevice.objects.bulk_create(
        [
            UserDevice(
                user=user,
                ip=ip,
                device=device,
                user_agent=user_agent[:USER_AGENT_LENGTH],
                first_seen=now,
                last_seen=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "ip", "device"],
        update_fields=["last_seen", "user_agent"],
    )
    session[SESSION_KEY] = [*seen[-(SESSION_LIMIT - 1) :], key]
    return True


def record_device_on_login(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver (connected in CoreConfig.ready())."""
    if request is not None:
        record_device(request, user)


class UserDeviceMiddleware:
    """Records the signed-in user's device once per session and (address, device) pair;
    after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefixes = tuple(
            "/" + prefix.lstrip("/") for prefix in (settings.STATIC_URL, settings.MEDIA_URL) if prefix
        )

    def __call__(self, request):
        if not request.path.startswith(self.static_prefixes):
            record_device(request)
        return self.get_response(request)
