"""The error codes of customer voice, surveys (core/errors.py)."""

AREA = "customer voice"
