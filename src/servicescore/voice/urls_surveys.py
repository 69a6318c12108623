"""Customer voice, surveys: URLs (in the "voice" namespace, voice/urls.py)."""

urlpatterns: list = []
