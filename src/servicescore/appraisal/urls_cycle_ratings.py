"""The team rating screen of a cycle (cycle_urls.py mounts it): the manual items of every
review the user owes in the cycle, on one page."""

from django.urls import path

from .views import cycle_ratings

urlpatterns = [
    path("cycles/<int:pk>/ratings/", cycle_ratings.cycle_ratings, name="cycle_ratings"),
]
