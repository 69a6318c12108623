from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from servicescore.api.main import api
from servicescore.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("import/", include("servicescore.exchange.urls")),
    path("work-orders/", include("servicescore.workorders.urls")),
    path("people/", include("servicescore.org.urls")),
    path("appraisal-templates/", include("servicescore.kpi.template_urls")),
    path("scores/", include("servicescore.kpi.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
