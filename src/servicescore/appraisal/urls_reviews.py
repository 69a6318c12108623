"""The reviews pages of the appraisal cycles (cycle_urls.py mounts them): the evaluation
page with its targets, self review and manager review forms, and the to-do list."""

from django.urls import path

from .views import reviews

urlpatterns = [
    path("todo/", reviews.todo, name="todo"),
    path("evaluations/<int:pk>/", reviews.evaluation, name="evaluation"),
    path("evaluations/<int:pk>/targets/", reviews.evaluation_targets, name="evaluation_targets"),
    path("evaluations/<int:pk>/sign/", reviews.evaluation_sign, name="evaluation_sign"),
    path("evaluations/<int:pk>/self-review/", reviews.evaluation_self_review, name="evaluation_self_review"),
    path("evaluations/<int:pk>/review/", reviews.evaluation_review, name="evaluation_review"),
    path("evaluations/<int:pk>/recalculate/", reviews.evaluation_recalculate, name="evaluation_recalculate"),
]
