"""Included by kpi/urls.py under the `indicators` namespace (no app_name of its own)."""

from django.urls import path

from . import recompute_views as views

urlpatterns = [
    path("", views.recompute_page, name="recompute"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="recompute_progress"),
]
