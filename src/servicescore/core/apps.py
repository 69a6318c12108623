from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "servicescore.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models import Field, ForeignObject

        from .lookups import AnyOf

        Field.register_lookup(AnyOf)
        ForeignObject.register_lookup(AnyOf)  # related fields keep their own lookups
