from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from servicescore.api.main import api
from servicescore.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", core_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/changed/", core_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password-reset/", core_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", core_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        core_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        core_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("import/", include("servicescore.exchange.urls")),
    path("work-orders/", include("servicescore.workorders.urls")),
    path("people/", include("servicescore.org.urls")),
    path("appraisal-templates/", include("servicescore.appraisal.scheme_urls")),
    path("scores/", include("servicescore.appraisal.score_urls")),
    path("appraisal/", include("servicescore.appraisal.cycle_urls")),
    path("indicators/", include("servicescore.kpi.urls")),
    path("audit/", include("servicescore.core.audit_urls")),
    path("inbox/", include("servicescore.core.notify.urls")),
    path("exports/", include("servicescore.core.export_jobs_urls")),
    path("voice/", include("servicescore.voice.urls")),
    # The customer's survey link: short, public, the token in the path.
    path("s/", include("servicescore.voice.public_urls")),
    path("api/", api.urls),
    # The admin's own "change password" would skip the audit: everyone uses the one page.
    path("admin/password_change/", RedirectView.as_view(pattern_name="password_change")),
    path("admin/", admin.site.urls),
    # Browsers still ask for /favicon.ico where a page names no icon (an image, a PDF): the SVG.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.svg"), permanent=True)),
]
# MEDIA_ROOT is deliberately not routed, not even in DEBUG: uploads are served only by
# views that check scope and type them by content (core/uploads.py).
