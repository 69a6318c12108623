"""django-axes with two limits: one per user name and address, a higher one per address.

Axes counts failed log-ins per set of AXES_LOCKOUT_PARAMETERS but compares every count with
the one AXES_FAILURE_LIMIT. Per user name and address alone, one address may try
AXES_FAILURE_LIMIT - 1 passwords on every account each cool-off; per address with the same
limit, ten mistyped passwords in a workshop behind one NAT address would lock the whole
workshop out. So the address gets its own, higher AXES_IP_FAILURE_LIMIT across accounts.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum


class AddressLimitAxesHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures that count against AXES_FAILURE_LIMIT: those of the user name from this
        address, or the whole limit once the address alone reached AXES_IP_FAILURE_LIMIT (then
        `request.axes_address_locked` tells the lock-out page why)."""
        limit = get_failure_limit(request, credentials)
        address_limit = settings.AXES_IP_FAILURE_LIMIT
        failures = 0
        request.axes_address_locked = False
        parameter_sets = get_lockout_parameters(request, credentials)
        for parameters, attempts in zip(
            parameter_sets, self.get_user_attempts(request, credentials), strict=True
        ):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if parameters == "ip_address":
                if address_limit and count >= address_limit:
                    request.axes_address_locked = True
                    failures = max(failures, limit)
            else:
                failures = max(failures, count)
        return failures
