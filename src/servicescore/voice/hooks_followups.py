"""Customer voice, followups: navigation items, page sections and signal receivers, registered
from VoiceConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def _order_closed(sender, *, order, by=None, **kwargs):
    from .services.followups import followup_task_queue

    followup_task_queue(order=order, by=by)


def _order_cancelled(sender, *, order, by=None, **kwargs):
    from .services.followups import followup_task_cancel

    followup_task_cancel(order=order, by=by)


def register() -> None:
    from servicescore.core.navigation import register_nav
    from servicescore.core.sections import register_section
    from servicescore.workorders.signals import work_order_cancelled, work_order_closed

    from . import policy
    from .views.followups import work_order_followup_section

    work_order_closed.connect(_order_closed, dispatch_uid="voice-followup-queue")
    work_order_cancelled.connect(_order_cancelled, dispatch_uid="voice-followup-cancel")
    register_nav(
        "followups",
        label=_("Follow-up queue"),
        url_name="voice:followup_queue",
        visible=policy.may_work_followups,
        order=310,
        active=("voice:followup_queue", "voice:followup_task"),
        group="work",
    )
    register_nav(
        "voice_settings",
        label=_("Customer-voice settings"),
        url_name="voice:settings",
        visible=policy.may_manage_surveys,
        order=870,
        active=("voice:settings",),
        group="admin",
    )
    register_section(
        "work_order",
        "followup_task",
        template="voice/followups/_work_order_followup.html",
        context=work_order_followup_section,
        order=55,
    )
