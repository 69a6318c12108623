"""The error codes of customer voice, complaints (core/errors.py)."""

AREA = "customer voice"
