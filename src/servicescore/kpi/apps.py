from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "servicescore.kpi"
    label = "kpi"
    verbose_name = _("KPI")

    def ready(self):
        from . import auto_recompute

        auto_recompute.connect()
