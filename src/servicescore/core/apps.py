from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "servicescore.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models import Field, ForeignObject

        from .audit_selectors import may_read_audit_trail
        from .devices import record_device_on_login
        from .lookups import AnyOf
        from .navigation import register_nav
        from .policy import may_use_admin

        user_logged_in.connect(record_device_on_login, dispatch_uid="core-record-device")

        Field.register_lookup(AnyOf)
        ForeignObject.register_lookup(AnyOf)  # related fields keep their own lookups

        register_nav(
            "home", label=_("Home"), url_name="home", visible=lambda user: True, order=0, active=("home",)
        )
        register_nav(
            "audit",
            label=_("Audit trail"),
            url_name="audit:list",
            visible=may_read_audit_trail,
            order=850,
            active=("audit:*",),
            group="admin",
        )
        register_nav(
            "admin",
            label=_("Administration"),
            url_name="admin:index",
            visible=may_use_admin,
            order=900,
            active=("admin:*",),
            group="admin",
        )
