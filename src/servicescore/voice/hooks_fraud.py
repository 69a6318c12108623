"""Customer voice, fraud: navigation items, page sections and signal receivers, registered
from VoiceConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from servicescore.core.navigation import register_nav

    from .policy import may_review_responses

    # No pending count in the label: it would cost a scoped count on every page a manager opens.
    register_nav(
        "voice_reviews",
        label=_("Flagged survey responses"),
        url_name="voice:review_list",
        visible=may_review_responses,
        order=640,
        active=("voice:review_list", "voice:review_detail", "voice:review_decide"),
        group="performance",
    )
