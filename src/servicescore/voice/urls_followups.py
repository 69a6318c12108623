"""Customer voice, followups: URLs (in the "voice" namespace, voice/urls.py)."""

urlpatterns: list = []
