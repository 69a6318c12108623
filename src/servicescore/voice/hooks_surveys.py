"""Customer voice, surveys: navigation items, page sections and signal receivers, registered
from VoiceConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from servicescore.core.history import register_history_labels
    from servicescore.core.navigation import register_nav

    from . import policy
    from .models import SurveyResponse, SurveyTemplate

    register_nav(
        "survey_templates",
        label=_("Survey templates"),
        url_name="voice:survey_templates",
        visible=policy.may_manage_surveys,
        order=860,
        active=(
            "voice:survey_templates",
            "voice:survey_template_create",
            "voice:survey_template_edit",
            "voice:survey_template_preview",
        ),
        group="admin",
    )
    register_history_labels(
        SurveyTemplate,
        actions={"activate": _("activated"), "deactivate": _("switched off")},
        changes={"questions": _("questions")},
    )
    register_history_labels(SurveyResponse, actions={"submit": _("answered by the customer")})
