"""Customer voice, overview: navigation items, page sections and signal receivers, registered
from VoiceConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from servicescore.core.history import register_history_labels
    from servicescore.core.navigation import register_nav
    from servicescore.core.sections import register_section

    from . import policy
    from .models import VoiceMonth
    from .views.overview import profile_voice_section

    # The stored monthly summary's rebuild (voice/services/overview_summary.py) on the audit page.
    register_history_labels(
        VoiceMonth, actions={"rebuild": _("summary rebuilt")}, changes={"rows": _("rows stored")}
    )

    register_nav(
        "voice_overview",
        label=_("Customer voice"),
        url_name="voice:overview",
        visible=policy.may_see_overview,
        order=630,
        active=("voice:overview",),
        group="performance",
    )
    register_section(
        "profile",
        "customer_voice",
        template="voice/overview/_profile_voice.html",
        context=profile_voice_section,
        order=80,
    )
