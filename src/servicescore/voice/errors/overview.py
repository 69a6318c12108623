"""The error codes of customer voice, overview (core/errors.py)."""

AREA = "customer voice"
