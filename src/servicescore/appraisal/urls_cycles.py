"""The cycles pages of the appraisal cycles (cycle_urls.py mounts them): the list, the
new-cycle form, one cycle with its progress board, and its stage moves (views/cycles.py)."""

from django.urls import path

from .views import cycles as views

urlpatterns: list = [
    path("cycles/", views.cycles, name="cycles"),
    path("cycles/new/", views.cycle_new, name="cycle_new"),
    path("cycles/<int:pk>/", views.cycle, name="cycle"),
    path("cycles/<int:pk>/move/", views.cycle_move, name="cycle_move"),
]
