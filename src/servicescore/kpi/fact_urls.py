"""Included by kpi/urls.py under the `indicators` namespace (no app_name of its own)."""

urlpatterns = []
