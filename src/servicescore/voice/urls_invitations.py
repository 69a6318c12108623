"""Customer voice, invitations: URLs (in the "voice" namespace, voice/urls.py)."""

urlpatterns: list = []
