"""Customer voice, followups: URLs (in the "voice" namespace, voice/urls.py), under
/voice/follow-ups/."""

from django.urls import path

from .views import followups as views

urlpatterns = [
    path("", views.queue, name="followup_queue"),
    path("<int:pk>/", views.task, name="followup_task"),
    path("<int:pk>/take/", views.take, name="followup_take"),
    path("add/<int:order_pk>/", views.add, name="followup_add"),
    path("settings/", views.settings_page, name="settings"),
]
