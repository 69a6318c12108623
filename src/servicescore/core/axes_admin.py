"""django-axes's records named in the user's language in the admin.

django-axes names its records in English, in code no catalogue can reach: the `__str__` of
its models ("Attempted Access: <time>", "Access Log for <user> @ <time>", "Failed access:
user …") and the message of its clean-up action (an f-string inside gettext). The admin
shows a record's name as the title of its page, in the breadcrumbs, on its delete and
history pages and in its messages, so a ModelAdmin could reach only some of them; the
models' `__str__` is replaced instead (`name_axes_records`, called where core/admin.py
registers the axes admins), and `CleanupMessageMixin` replaces the clean-up action.
The other axes strings are ours through core/third_party_strings.py.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext


def _when(moment) -> str:
    return f"{localtime(moment):%Y-%m-%d %H:%M:%S}" if moment else ""


def _who(record) -> str:
    return record.username or "-"


def access_attempt_name(self: AccessAttempt) -> str:
    return _("Access attempt at %(time)s") % {"time": _when(self.attempt_time)}


def access_log_name(self: AccessLog) -> str:
    return _("Access of %(username)s at %(time)s") % {
        "username": _who(self),
        "time": _when(self.attempt_time),
    }


def access_failure_name(self: AccessFailureLog) -> str:
    values = {"username": _who(self), "time": _when(self.attempt_time), "address": self.ip_address or "-"}
    if self.locked_out:
        return _("Failed log-in of %(username)s at %(time)s from %(address)s, locked out") % values
    return _("Failed log-in of %(username)s at %(time)s from %(address)s") % values


def name_axes_records() -> None:
    """Give the axes models names in the active language (see the module's note)."""
    AccessAttempt.__str__ = access_attempt_name
    AccessLog.__str__ = access_log_name
    AccessFailureLog.__str__ = access_failure_name


class CleanupMessageMixin:
    """The access attempts' clean-up action, with its message in the user's language. It
    also runs: django-axes's own reads `request.axes_attempt_time`, which only its log-in
    handler sets, and failed with an AttributeError (a server error) in the admin."""

    @admin.action(description=gettext_lazy("Clean up expired attempts"))
    def cleanup_expired_attempts(self, request, queryset):
        if not hasattr(request, "axes_attempt_time"):
            request.axes_attempt_time = None  # axes then counts the cool-off back from now
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(
            request,
            ngettext(
                "Cleaned up %(count)d expired access attempt.",
                "Cleaned up %(count)d expired access attempts.",
                count,
            )
            % {"count": count},
        )
