"""The 360° feedback, calibration and results pages of the appraisal cycles (cycle_urls.py
mounts them under /appraisal/)."""

from django.urls import path

from .views import calibration, feedback

urlpatterns: list = [
    path("feedback/<int:pk>/", feedback.feedback, name="feedback"),
    path("evaluations/<int:pk>/feedback/invite/", feedback.feedback_invite, name="feedback_invite"),
    path("cycles/<int:pk>/feedback/close/", feedback.feedback_close_view, name="feedback_close"),
    path("cycles/<int:pk>/calibration/", calibration.calibration, name="calibration"),
    path(
        "cycles/<int:pk>/calibration/<int:evaluation_pk>/",
        calibration.calibration_adjust,
        name="calibration_adjust",
    ),
    path("cycles/<int:pk>/results/", calibration.cycle_results, name="cycle_results"),
    path("cycles/<int:pk>/results.xlsx", calibration.cycle_results_export, name="cycle_results_export"),
]
