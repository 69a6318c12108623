from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "servicescore.voice"
    label = "voice"
    verbose_name = _("Customer voice")

    def ready(self):
        from servicescore.core.sections import register_section

        from .work_order_section import feedback_section

        register_section(
            "work_order",
            "customer_voice",
            template="voice/_work_order_feedback.html",
            context=feedback_section,
            order=50,
        )
        # The customer-service agent's own calls and complaints on the home page (voice/home.py).
        from . import home

        register_section(
            "home", "my_calls", template="voice/_home_my_calls.html", context=home.my_calls_section, order=150
        )
        # Each subdomain's navigation items, sections and receivers (voice/hooks_*.py).
        from . import (
            hooks_complaints,
            hooks_followups,
            hooks_fraud,
            hooks_invitations,
            hooks_overview,
            hooks_surveys,
        )

        for hooks in (
            hooks_surveys,
            hooks_invitations,
            hooks_fraud,
            hooks_followups,
            hooks_complaints,
            hooks_overview,
        ):
            hooks.register()
