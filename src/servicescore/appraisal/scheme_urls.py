"""The scheme pages (appraisal templates, 考核方案), mounted at /appraisal-templates/. Their
URL names keep the `kpi_templates:` namespace they had before the appraisal app existed."""

from django.urls import path

from .views import coverage
from .views import schemes as views

app_name = "kpi_templates"

urlpatterns = [
    path("", views.template_list, name="list"),
    path("new/", views.template_create, name="create"),
    path("install-defaults/", views.install_defaults, name="install_defaults"),
    path("coverage/", coverage.coverage, name="coverage"),
    path("<int:pk>/", views.template_detail, name="template"),
    path("<int:pk>/draft/", views.template_draft, name="draft"),
    path("versions/<int:pk>/", views.version_edit, name="version"),
    path("versions/<int:pk>/preview/", views.version_preview, name="preview"),
    path("versions/<int:pk>/discard/", views.version_discard, name="discard"),
    path("versions/<int:pk>/retire/", views.version_retire, name="retire"),
    path("what-if/", views.whatif_page, name="whatif"),
]
