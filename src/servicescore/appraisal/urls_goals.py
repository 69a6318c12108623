"""The goal pages of the appraisal cycles (cycle_urls.py mounts them)."""

from django.urls import path

from .views import goals as views

urlpatterns = [
    path("evaluations/<int:pk>/goals/", views.goals, name="goals"),
    path("cycles/<int:pk>/team-goals/", views.cycle_team_goals, name="team_goals"),
]
