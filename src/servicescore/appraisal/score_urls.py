"""The scorecard pages, mounted at /scores/. Their URL names keep the `kpi:` namespace they
had before the appraisal app existed (bookmarks, templates and reverse() calls use it)."""

from django.urls import path

from .views import ratings as rating_views
from .views import scorecards as views

app_name = "kpi"

urlpatterns = [
    path("", views.my_scorecard, name="my_scorecard"),
    path("team/", views.team_scores, name="team_scores"),
    path("team/export.xlsx", views.team_scores_export, name="team_export"),
    # a fixed path: listed before the "<employee_no>/<period>/" patterns
    path("ratings/", rating_views.ratings, name="ratings"),
    path("<str:employee_no>/<str:period>/", views.scorecard, name="scorecard"),
    path("<str:employee_no>/<str:period>/export.xlsx", views.scorecard_export, name="scorecard_export"),
    path("<str:employee_no>/<str:period>/<str:code>/", views.evidence, name="evidence"),
]
