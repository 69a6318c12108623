"""Customer voice, surveys: URLs (in the "voice" namespace, voice/urls.py), under
/voice/surveys/: the survey templates for HR and administrators."""

from django.urls import path

from .views import surveys as views

urlpatterns = [
    path("", views.survey_templates, name="survey_templates"),
    path("new/", views.survey_template_create, name="survey_template_create"),
    path("<int:pk>/", views.survey_template_edit, name="survey_template_edit"),
    path("<int:pk>/activate/", views.survey_template_activate, name="survey_template_activate"),
    path("<int:pk>/deactivate/", views.survey_template_deactivate, name="survey_template_deactivate"),
    path("<int:pk>/preview/", views.survey_template_preview, name="survey_template_preview"),
]
