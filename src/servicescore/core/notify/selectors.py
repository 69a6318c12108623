"""Reads of the in-app inbox: always the requesting user's own messages."""

from django.shortcuts import get_object_or_404

from ..models import InboxMessage


def inbox_messages(user):
    """The user's inbox, newest first, with each message's notification."""
    return InboxMessage.objects.filter(user=user).select_related("notification").order_by("-id")


def inbox_message_for(user, message_id: int) -> InboxMessage:
    """One of the user's own messages; anybody else's is 404, as if it did not exist."""
    return get_object_or_404(InboxMessage.objects.select_related("notification"), pk=message_id, user=user)


def unread_count(user) -> int:
    """How many of the user's messages are unread (for a badge in the navigation)."""
    return InboxMessage.objects.filter(user=user, read_at__isnull=True).count()
