"""The error codes of customer voice, invitations (core/errors.py)."""

AREA = "customer voice"
