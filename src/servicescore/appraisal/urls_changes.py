"""The cycle's change log (cycle_urls.py mounts it; views/cycle_changes.py)."""

from django.urls import path

from .views import cycle_changes as views

urlpatterns = [
    path("cycles/<int:pk>/changes/", views.cycle_changes_page, name="cycle_changes"),
]
