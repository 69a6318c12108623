"""Admin of the notifications and their delivery log: read-only, for HR, administrators
and auditors (a notification may name people and their reviews). Deliveries are written
by core/notify/services.py only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Delivery, Notification
from ..roles import AUDIT_READER_ROLES


class ReadOnlyLogMixin:
    def _reader(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.effective_role in AUDIT_READER_ROLES

    def has_module_permission(self, request):
        return self._reader(request)

    def has_view_permission(self, request, obj=None):
        return self._reader(request)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


DELIVERY_FIELDS = [
    "channel",
    "recipient",
    "address",
    "state",
    "attempts",
    "last_error",
    "next_attempt_at",
    "created_at",
    "sent_at",
]


class DeliveryInline(ReadOnlyLogMixin, admin.TabularInline):
    model = Delivery
    fields = DELIVERY_FIELDS
    readonly_fields = DELIVERY_FIELDS
    extra = 0
    can_delete = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyLogMixin, admin.ModelAdmin):
    list_display = ["created_at", "subject", "kind", "created_by"]
    list_filter = ["kind"]
    search_fields = ["subject", "body"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]
    list_per_page = 50
    fields = ["subject", "body", "link", "kind", "created_at", "created_by"]
    readonly_fields = fields
    inlines = [DeliveryInline]
    actions = None


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyLogMixin, admin.ModelAdmin):
    """The delivery log: where each notification went, with its state, attempts and last
    error. A failed delivery is retried by itself; one given up stays here with its error."""

    list_display = [
        "created_at",
        "notification",
        "channel",
        "address",
        "state",
        "attempts",
        "error",
        "sent_at",
    ]
    list_filter = ["state", "channel"]
    search_fields = ["address", "notification__subject", "last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["notification"]
    list_per_page = 50
    fields = ["notification", *DELIVERY_FIELDS]
    readonly_fields = fields
    actions = None

    @admin.display(description=_("last error"))
    def error(self, delivery):
        return delivery.last_error[:120]
