"""Customer voice, overview: URLs (in the "voice" namespace, voice/urls.py)."""

from django.urls import path

from .views import overview

urlpatterns = [
    path("", overview.overview, name="overview"),
]
