"""Customer voice, complaints: navigation items, page sections and signal receivers, registered
from VoiceConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from servicescore.core.navigation import register_nav
    from servicescore.core.sections import register_section

    from . import policy
    from .scope_complaints import complaint_work_orders

    register_nav(
        "complaints",
        label=_("Complaints"),
        url_name="voice:complaints",
        visible=policy.may_handle_complaints,
        order=320,
        active=("voice:complaints", "voice:complaint", "voice:complaint_create", "voice:complaint_step"),
        group="work",
    )
    register_nav(
        "praise",
        label=_("Praise"),
        url_name="voice:praise",
        visible=policy.may_record_praise,
        order=330,
        active=("voice:praise", "voice:praise_create"),
        group="work",
    )

    def register_link(request, *, work_order, **_page):
        """On a work order's page: a link to register a complaint about it."""
        user = request.user
        if not policy.may_handle_complaints(user):
            return None
        if not complaint_work_orders(user).filter(pk=work_order.pk).exists():
            return None
        return {"may_praise": policy.may_record_praise(user)}

    register_section(
        "work_order",
        "complaint_register",
        template="voice/complaints/_work_order_link.html",
        context=register_link,
        order=55,
    )
