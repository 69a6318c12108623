"""The error codes of customer voice, followups (core/errors.py)."""

AREA = "customer voice"
