from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "servicescore.kpi"
    label = "kpi"
    verbose_name = _("KPI")

    def ready(self):
        from servicescore.core.history import register_history_labels

        from . import auto_recompute
        from .models import ComputedPeriod

        auto_recompute.connect()
        register_history_labels(ComputedPeriod, actions={"recompute": _("recomputed")})
