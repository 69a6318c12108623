"""The appeals pages of the appraisal cycles (cycle_urls.py mounts them): the appraised
person's confirm and appeal acts, the deciders' queue, one appeal, its evidence files and
the appeal statistics (views/appeals.py)."""

from django.urls import path

from .views import appeals as views

urlpatterns: list = [
    path("evaluations/<int:pk>/confirm/", views.evaluation_confirm, name="evaluation_confirm"),
    path("evaluations/<int:pk>/appeal/", views.appeal_file, name="appeal_file"),
    path("appeals/", views.appeals, name="appeals"),
    path("appeals/stats/", views.appeal_stats, name="appeal_stats"),
    path("appeals/<int:pk>/", views.appeal, name="appeal"),
    path("appeals/evidence/<int:pk>/", views.appeal_evidence, name="appeal_evidence"),
]
