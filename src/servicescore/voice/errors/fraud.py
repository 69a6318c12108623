"""The error codes of customer voice, fraud (core/errors.py)."""

AREA = "customer voice"
