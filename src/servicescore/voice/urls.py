"""Customer voice's pages, under /voice/ in the "voice" namespace. The public survey page
(no log-in) is `public_urls.py`, under /s/."""

from django.urls import include, path

app_name = "voice"

urlpatterns = [
    path("", include("servicescore.voice.urls_overview")),
    path("surveys/", include("servicescore.voice.urls_surveys")),
    path("invitations/", include("servicescore.voice.urls_invitations")),
    path("reviews/", include("servicescore.voice.urls_fraud")),
    path("follow-ups/", include("servicescore.voice.urls_followups")),
    path("complaints/", include("servicescore.voice.urls_complaints")),
]
