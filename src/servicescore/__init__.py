"""ServiceScore (售后绩效): performance management for after-sales service organisations."""

from .celery import app as celery_app

__all__ = ["celery_app"]
