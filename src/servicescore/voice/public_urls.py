"""The public survey page a customer opens from an invitation: no log-in, the token in
the path (namespace "survey")."""

from django.urls import path

from .views import surveys as views

app_name = "survey"

urlpatterns = [
    path("<str:token>/", views.survey_answer, name="answer"),
    path("<str:token>/thanks/", views.survey_thanks, name="thanks"),
]
