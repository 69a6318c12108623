from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("", views.people_list, name="list"),
    path("me/", views.my_profile, name="me"),
    path("<int:pk>/", views.employee_profile, name="profile"),
    path("certificates/<int:pk>/scan/", views.certificate_scan, name="certificate_scan"),
    path(
        "rewards-penalties/<int:pk>/evidence/", views.reward_penalty_evidence, name="reward_penalty_evidence"
    ),
]
