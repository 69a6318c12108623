"""Administrators create API tokens here; the token is shown once, then only its hash
is kept. Revoking is an action; request logs are read-only."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiRequestLog, ApiToken, Scope


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "key", "scopes", "org_unit", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "key", "user__username")
    readonly_fields = ("key", "created", "created_by", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        from django import forms

        form = super().get_form(request, obj, change=change, **kwargs)

        class TokenForm(form):
            scopes = forms.MultipleChoiceField(
                label=_("scopes"),
                choices=Scope.choices,
                widget=forms.CheckboxSelectMultiple,
            )

        return TokenForm

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    has_view_permission = has_change_permission = has_add_permission = has_delete_permission = (
        lambda self, request, obj=None: request.user.is_active and request.user.is_superuser
    )

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = ApiToken.issue(
            user=obj.user,
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            created_by=request.user,
            org_unit=obj.org_unit,
            rate_limit_per_minute=obj.rate_limit_per_minute,
            expires_at=obj.expires_at,
        )
        obj.pk = token.pk
        obj.__dict__.update(ApiToken.objects.get(pk=token.pk).__dict__)
        messages.warning(
            request, _("Copy the token now; it will not be shown again: %(token)s") % {"token": raw}
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count},
        )


@admin.register(ApiRequestLog)
class ApiRequestLogAdmin(admin.ModelAdmin):
    list_display = ("at", "method", "path", "status", "duration_ms", "token", "user", "ip")
    list_filter = ("status", "method")
    search_fields = ("path", "token__name", "user__username")
    list_select_related = ("token", "user")
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
