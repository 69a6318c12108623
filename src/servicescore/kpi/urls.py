"""The indicator engine's own pages, mounted at /indicators/ (namespace `indicators`):
recomputing the figures (recompute_urls.py) and the facts other systems own, with their
evidence (fact_urls.py). The scorecard pages are appraisal's, under /scores/."""

from django.urls import include, path

app_name = "indicators"

urlpatterns = [
    path("recompute/", include("servicescore.kpi.recompute_urls")),
    path("facts/", include("servicescore.kpi.fact_urls")),
]
