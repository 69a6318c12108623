"""Admin for customers and assets; phones masked for roles that may not see them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from servicescore.core.admin import ScopedModelAdmin
from servicescore.core.roles import can_see_full_phone

from .models import Asset, Customer


class PhoneMaskingMixin:
    """Show `phone_field` only through mask_phone() to roles outside PHONE_VISIBLE_ROLES,
    and do not let them search by it (a search would reveal the number)."""

    phone_search_fields: tuple[str, ...] = ()

    def get_search_fields(self, request):
        fields = list(super().get_search_fields(request))
        if can_see_full_phone(request.user):
            fields += self.phone_search_fields
        return fields


@admin.register(Customer)
class CustomerAdmin(PhoneMaskingMixin, ScopedModelAdmin):
    # A customer is visible through a visible work order; HR and admins see them all.
    scope_rules = (("work_order_of", "customer"),)
    list_display = ["name", "external_id", "phone", "address"]
    search_fields = ["name", "external_id"]
    phone_search_fields = ("phone",)

    @admin.display(description=_("phone"))
    def phone_masked(self, obj):
        return obj.masked_phone

    def get_list_display(self, request):
        if can_see_full_phone(request.user):
            return self.list_display
        return [("phone_masked" if name == "phone" else name) for name in self.list_display]

    def get_fields(self, request, obj=None):
        if can_see_full_phone(request.user):
            return ["external_id", "name", "phone", "address"]
        return ["external_id", "name", "phone_masked", "address"]

    def get_readonly_fields(self, request, obj=None):
        return [] if can_see_full_phone(request.user) else ["phone_masked"]


@admin.register(Asset)
class AssetAdmin(PhoneMaskingMixin, ScopedModelAdmin):
    scope_rules = (("work_order_of", "asset"),)
    list_display = ["external_id", "kind", "model", "plate", "customer", "is_nev"]
    list_filter = ["kind", "is_nev"]
    search_fields = ["external_id", "plate", "model", "customer__name"]
    phone_search_fields = ("customer__phone",)
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
