from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "servicescore.exchange"
    label = "exchange"
    verbose_name = _("Import & export")

    def ready(self):
        from servicescore.core.navigation import register_nav

        from .policy import may_import

        register_nav(
            "import",
            label=_("Import"),
            url_name="exchange:upload",
            visible=may_import,
            order=800,
            active=("exchange:*",),
            group="data",
        )
