"""Customer voice, complaints: URLs (in the "voice" namespace, voice/urls.py)."""

urlpatterns: list = []
