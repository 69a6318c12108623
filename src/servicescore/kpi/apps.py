from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "servicescore.kpi"
    label = "kpi"
    verbose_name = _("KPI")

    def ready(self):
        from servicescore.core.history import register_history_labels
        from servicescore.core.navigation import register_nav

        from . import auto_recompute, policy
        from .models import ComputedPeriod, RecomputeJob

        auto_recompute.connect()
        register_history_labels(ComputedPeriod, actions={"recompute": _("recomputed")})
        register_history_labels(RecomputeJob, actions={"recompute_requested": _("recompute requested")})
        register_nav(
            "facts",
            label=_("Facts"),
            url_name="indicators:facts",
            visible=policy.shows_facts_page,
            order=650,
            active=("indicators:facts", "indicators:fact_create", "indicators:fact_edit"),
            group="data",
        )
