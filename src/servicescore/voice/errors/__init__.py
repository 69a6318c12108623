"""Customer voice's error codes, one module per subdomain (core/errors.discover_codes)."""

from . import complaints, followups, fraud, invitations, overview, surveys  # noqa: F401
