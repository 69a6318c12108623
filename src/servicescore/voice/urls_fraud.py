"""Customer voice, fraud: URLs (in the "voice" namespace, voice/urls.py), under /voice/reviews/."""

from django.urls import path

from .views import fraud as views

urlpatterns: list = [
    path("", views.review_list, name="review_list"),
    path("<int:pk>/", views.review_detail, name="review_detail"),
    path("<int:pk>/decide/", views.review_decide, name="review_decide"),
]
