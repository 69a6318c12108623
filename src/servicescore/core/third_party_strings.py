"""Strings of third-party apps that ship no Chinese, listed so that our catalogue keeps them.

Our LOCALE_PATHS catalogue comes first in Django's translation lookup, so it may translate
another app's msgids, but `make messages` (makemessages) keeps only the msgids it finds in our
own sources and would drop these translations at the next run. Nothing imports this module;
gettext_noop only marks the strings. Keep each msgid exactly as the app spells it (the version
in requirements.lock): a msgid that no longer matches simply stops being used.
"""

from django.utils.translation import gettext_noop

# django-axes (login throttling): the admin's access attempts, access logs and access
# failures (axes/models.py, axes/admin.py).
AXES = [
    # models: names and field labels
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    # admin: filters, sections, actions, values
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
]
