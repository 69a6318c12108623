from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:message_id>/read/", views.inbox_read, name="inbox_read"),
    path("read-all/", views.inbox_read_all, name="inbox_read_all"),
]
