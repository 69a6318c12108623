"""Customer voice, invitations: URLs (in the "voice" namespace, voice/urls.py)."""

from django.urls import path

from .views import invitations

urlpatterns = [
    path("work-order/<int:order_pk>/send/", invitations.invitation_send, name="invitation_send"),
    path("<int:pk>/card/", invitations.invitation_card, name="invitation_card"),
    path("work-order/<int:order_pk>/qr/", invitations.invitation_qr_create, name="invitation_qr_create"),
    path("<int:pk>/qr/", invitations.invitation_qr, name="invitation_qr"),
]
