"""Customer voice, complaints: URLs (in the "voice" namespace, voice/urls.py), under
/voice/complaints/."""

from django.urls import path

from .views import complaints as views

urlpatterns = [
    path("", views.complaint_desk, name="complaints"),
    path("new/", views.complaint_create, name="complaint_create"),
    path("<int:pk>/", views.complaint_detail, name="complaint"),
    path("<int:pk>/<slug:step>/", views.complaint_step, name="complaint_step"),
    # VoiceAttachment.file's url_name: the evidence of a complaint or a praise.
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("praise/", views.praise_list, name="praise"),
    path("praise/new/", views.praise_create, name="praise_create"),
]
