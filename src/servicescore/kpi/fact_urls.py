"""Included by kpi/urls.py under the `indicators` namespace (no app_name of its own): the
facts and the evidence filed with them (kpi/fact_views.py)."""

from django.urls import path

from . import fact_views as views

urlpatterns = [
    path("", views.fact_list, name="facts"),
    path("new/", views.fact_create, name="fact_create"),
    path("<int:pk>/", views.fact_edit, name="fact_edit"),
    path("<int:pk>/attachment/", views.fact_attachment, name="fact_attachment"),
]
