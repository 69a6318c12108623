"""Customer voice, fraud: URLs (in the "voice" namespace, voice/urls.py)."""

urlpatterns: list = []
