"""The in-app inbox page: the user's notifications, newest first; open or mark read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import selectors, services

PER_PAGE = 30


@login_required
def inbox(request):
    page = Paginator(selectors.inbox_messages(request.user), PER_PAGE).get_page(request.GET.get("page"))
    for message in page:
        # A link into this site is opened through the read mark, another site's directly;
        # anything but a web address (javascript:...) is not shown as a link at all.
        link = message.notification.link
        message.local_link = bool(link) and _is_local(request, link)
        message.web_link = link.startswith(("https://", "http://"))
    return render(
        request,
        "core/inbox.html",
        {"page_obj": page, "unread": selectors.unread_count(request.user)},
    )


@login_required
@require_POST
def inbox_read(request, message_id: int):
    """Mark a message read; with `open`, go on to its link (only a link into this site)."""
    message = selectors.inbox_message_for(request.user, message_id)
    services.inbox_mark_read(user=request.user, message=message)
    link = message.notification.link
    if "open" in request.POST and link and _is_local(request, link):
        return redirect(link)
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request):
    services.inbox_mark_all_read(user=request.user)
    return redirect("inbox")


def _is_local(request, link: str) -> bool:
    return url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
