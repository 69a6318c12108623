from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("commit/", views.commit, name="commit"),
    path("export/<str:kind>.<str:fmt>", views.export, name="export"),
    path("template/<str:kind>.csv", views.template, name="template"),
    path("template/<str:kind>.<str:fmt>", views.template, name="template"),
]
