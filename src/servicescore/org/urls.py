from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("", views.people_list, name="list"),
    path("me/", views.my_profile, name="me"),
    path("<int:pk>/", views.employee_profile, name="profile"),
]
