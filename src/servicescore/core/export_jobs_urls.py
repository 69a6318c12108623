from django.urls import path

from . import export_jobs_views as views

app_name = "exports"

urlpatterns = [
    path("", views.export_list, name="list"),
    path("new/<slug:kind>/", views.export_start, name="start"),
    path("<int:job_id>/", views.export_job_page, name="job"),
    path("<int:job_id>/progress/", views.export_progress, name="progress"),
    path("<int:job_id>/download/", views.export_download, name="download"),
]
