"""Customer voice, invitations: the pages.

On a work order's page (a section, hooks_invitations.py) the order's survey invitation:
its state, when and where it went; and, for advisors and managers, "Send the survey now",
which marks it sent over WeCom and opens the card with the link to forward to the
customer (copy button); or "Show QR code", which marks it sent by QR code and shows the
link as a QR code the customer at the desk scans to answer on their phone."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicescore.workorders.scope import visible_work_orders

from .. import policy
from ..models import SurveyInvitation, SurveyResponse
from ..services import invitations as services

Invitation = SurveyInvitation.State
# Where "Send the survey now" still makes sense: not answered, expired or cancelled yet.
SENDABLE_STATES = {Invitation.SCHEDULED, Invitation.UNDELIVERABLE, Invitation.SENT}


def _order_invitation(work_order):
    return SurveyInvitation.objects.filter(work_order_id=work_order.pk).order_by("-pk").first()


def work_order_invitation_section(request, *, work_order, **_page) -> dict | None:
    """ "Send the survey now" for those who may, on a completed or closed order whose
    survey is not answered, expired or cancelled (the page found the order in the reader's
    scope; the invitation's state is shown to all in the feedback section). One query."""
    if not policy.may_send_survey(request.user) or work_order.state not in services.FINISHED_STATES:
        return None
    invitation = _order_invitation(work_order)
    if invitation is not None and (invitation.state not in SENDABLE_STATES or invitation.response_id):
        return None
    return {"invitation": invitation}


def _visible_order(user, pk):
    order = visible_work_orders(user).select_related("service_center").filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


@login_required
@require_POST
def invitation_send(request, order_pk: int):
    """Send the order's survey now as a WeCom card; then show the card to forward."""
    order = _visible_order(request.user, order_pk)
    if not policy.may_send_survey(request.user):
        raise PermissionDenied(_("Your role may not send surveys to customers."))
    try:
        invitation = services.invitation_send_now(order=order, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("workorders:detail", pk=order.pk)
    return redirect("voice:invitation_card", pk=invitation.pk)


@login_required
def invitation_card(request, pk: int):
    """The card the advisor forwards to the customer in WeCom: the message and the link."""
    invitation = (
        SurveyInvitation.objects.select_related("work_order__service_center", "work_order__customer")
        .filter(pk=pk, work_order__in=visible_work_orders(request.user).values("pk"))
        .first()
    )
    if invitation is None:
        raise Http404
    if not policy.may_send_survey(request.user):
        raise PermissionDenied(_("Your role may not send surveys to customers."))
    if invitation.state != Invitation.SENT:
        raise Http404
    subject, body = services.invitation_message(invitation)
    return render(
        request,
        "voice/invitations/card.html",
        {
            "invitation": invitation,
            "order": invitation.work_order,
            "subject": subject,
            "body": body,
            "link": _absolute(request, services.survey_link(invitation)),
        },
    )


@login_required
@require_POST
def invitation_qr_create(request, order_pk: int):
    """Create (or reuse) the order's invitation as shown by QR code, then show the code."""
    order = _visible_order(request.user, order_pk)
    if not policy.may_send_survey(request.user):
        raise PermissionDenied(_("Your role may not send surveys to customers."))
    try:
        invitation = services.invitation_send_now(
            order=order, by=request.user, channel=SurveyResponse.Channel.QR
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("workorders:detail", pk=order.pk)
    return redirect("voice:invitation_qr", pk=invitation.pk)


@login_required
def invitation_qr(request, pk: int):
    """The survey link as a QR code (SVG drawn here, no script) for the customer at the
    desk to scan and answer on their phone, with the link written under it."""
    invitation = (
        SurveyInvitation.objects.select_related("work_order__service_center")
        .filter(pk=pk, work_order__in=visible_work_orders(request.user).values("pk"))
        .first()
    )
    if invitation is None:
        raise Http404
    if not policy.may_send_survey(request.user):
        raise PermissionDenied(_("Your role may not send surveys to customers."))
    if invitation.state != Invitation.SENT or invitation.response_id:
        raise Http404
    link = _absolute(request, services.survey_link(invitation))
    return render(
        request,
        "voice/invitations/qr.html",
        {
            "invitation": invitation,
            "order": invitation.work_order,
            "link": link,
            "qr_svg": qr_svg(link),
        },
    )


# The QR code's drawing: error correction M (a phone reads it off a screen at a slant),
# never a Micro QR; a white quiet zone so that it reads on a dark page too. The size
# comes from the style sheet (.ss-qr), the SVG only has its viewBox.
QR_MAKE = {"error": "m", "micro": False}
QR_SVG = {"scale": 4, "border": 4, "dark": "#000", "light": "#fff", "omitsize": True, "svgclass": "ss-qr"}


def qr_svg(link: str) -> SafeString:
    """The inline SVG of a QR code of `link` (segno; attributes only, no style: CSP)."""
    return mark_safe(segno.make(link, **QR_MAKE).svg_inline(**QR_SVG))  # noqa: S308 - segno's own markup


def _absolute(request, link: str) -> str:
    # Without NOTIFY_SITE_URL the link is a path: the address this page was opened on.
    return link if "://" in link else request.build_absolute_uri(link)
