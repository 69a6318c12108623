"""Customer voice's writes, one module per subdomain."""

from . import complaints, followups, fraud, invitations, overview, surveys  # noqa: F401  (their error codes)
