"""Customer voice, invitations: navigation items, page sections and signal receivers, registered
from VoiceConfig.ready()."""

from servicescore.core.sections import register_section
from servicescore.workorders.signals import (
    work_order_cancelled,
    work_order_closed,
    work_orders_closed_by_import,
)


def _schedule_on_close(sender, *, order, by=None, **kwargs):
    from .services.invitations import invitation_schedule

    invitation_schedule(order=order, by=by)


def _cancel_on_cancel(sender, *, order, by=None, **kwargs):
    from .services.invitations import invitations_cancel

    invitations_cancel(order=order, by=by)


def _schedule_on_import(sender, *, order_ids, by=None, **kwargs):
    from .services.invitations_import import invitations_for_imported_closes

    invitations_for_imported_closes(order_ids=order_ids, by=by)


def register() -> None:
    from .views.invitations import work_order_invitation_section

    # Sent inside the transition's transaction: the invitation commits with the close.
    work_order_closed.connect(_schedule_on_close, dispatch_uid="voice.invitations.schedule")
    work_order_cancelled.connect(_cancel_on_cancel, dispatch_uid="voice.invitations.cancel")
    # Sent after an import's transaction commits, once for all the orders it closed.
    work_orders_closed_by_import.connect(_schedule_on_import, dispatch_uid="voice.invitations.import")
    register_section(
        "work_order",
        "survey_invitation",
        template="voice/invitations/_work_order_invitation.html",
        context=work_order_invitation_section,
        order=45,
    )
