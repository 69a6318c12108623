"""Customer voice, overview: URLs (in the "voice" namespace, voice/urls.py)."""

urlpatterns: list = []
