"""The cycles pages of the appraisal cycles (cycle_urls.py mounts them)."""

urlpatterns: list = []
