"""Admin foundations: role-based permissions and querysets filtered by THE scope function.

Every ServiceScore model admin inherits ScopedAdminMixin, so an admin page shows only what
core/scope.py lets the user see; HR and administrators see and change everything, an
auditor sees everything read-only, and other staff roles need Django model permissions.
"""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import User
from .roles import Role
from .scope import scope_for, visible_work_orders

admin.site.site_header = _("ServiceScore administration")
admin.site.site_title = _("ServiceScore")
admin.site.index_title = _("Data maintenance")

# Roles that maintain the whole company's data in the admin.
COMPANY_ADMIN_ROLES = {Role.HR, Role.ADMIN}
ALL_ACTIONS = frozenset({"view", "add", "change", "delete"})


class RoleAdminMixin:
    """Permissions by role: HR and administrators may do `company_admin_actions`, an
    auditor may only view, everyone else falls back to Django's model permissions."""

    company_admin_actions = ALL_ACTIONS

    def _role_permission(self, request, action: str, default) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        role = user.effective_role
        if role == Role.AUDITOR:
            return action == "view"
        if role in COMPANY_ADMIN_ROLES and action in self.company_admin_actions:
            return True
        return default()

    def has_module_permission(self, request):
        return self._role_permission(
            request, "view", lambda: super(RoleAdminMixin, self).has_module_permission(request)
        )

    def has_view_permission(self, request, obj=None):
        return self._role_permission(
            request, "view", lambda: super(RoleAdminMixin, self).has_view_permission(request, obj)
        )

    def has_add_permission(self, request, *args):
        # ModelAdmin takes (request), InlineModelAdmin (request, obj).
        return self._role_permission(
            request, "add", lambda: super(RoleAdminMixin, self).has_add_permission(request, *args)
        )

    def has_change_permission(self, request, obj=None):
        return self._role_permission(
            request, "change", lambda: super(RoleAdminMixin, self).has_change_permission(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return self._role_permission(
            request, "delete", lambda: super(RoleAdminMixin, self).has_delete_permission(request, obj)
        )


class ScopedAdminMixin(RoleAdminMixin):
    """Filter the admin queryset through core/scope.py.

    `scope_rules` lists how a row reaches the scope; a row is visible when any rule matches:
      ("employee", "employee__")  the row's employee (prefix "" for Employee itself)
      ("org_unit", "org_unit__")  the row's org unit (prefix "" for OrgUnit itself)
      ("work_order", "work_order") the row's work order ("" for WorkOrder itself)
      ("work_order_of", "customer") rows a visible work order points to by that field
    An empty list marks a catalogue (skills, SLA policies) that every staff user may read.
    Foreign-key choices are limited to the rows the related model's admin would show.
    """

    scope_rules: tuple[tuple[str, str], ...] = ()

    def scope_q(self, user) -> Q:
        scope = scope_for(user)
        q = Q(pk__in=[])
        for kind, lookup in self.scope_rules:
            if kind == "employee":
                q |= scope.employees_q(lookup)
            elif kind == "org_unit":
                q |= scope.org_units_q(lookup)
            elif kind == "work_order":
                q |= Q(**{f"{lookup}__in" if lookup else "pk__in": visible_work_orders(user).values("pk")})
            elif kind == "work_order_of":
                q |= Q(pk__in=visible_work_orders(user).filter(**{f"{lookup}__isnull": False}).values(lookup))
            else:
                raise ValueError(f"unknown scope rule {kind!r}")
        return q

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not self.scope_rules or scope_for(request.user).everything:
            return queryset
        return queryset.filter(self.scope_q(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related_admin = self.admin_site._registry.get(db_field.remote_field.model)
        if "queryset" not in kwargs and isinstance(related_admin, ScopedAdminMixin):
            kwargs["queryset"] = related_admin.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_per_page = 50


class ScopedTabularInline(ScopedAdminMixin, admin.TabularInline):
    extra = 0


class ReadOnlyTabularInline(RoleAdminMixin, admin.TabularInline):
    """Rows written only by services (work-order events): shown, never edited here."""

    extra = 0
    can_delete = False
    company_admin_actions = frozenset({"view"})

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    scope_rules = (("employee", "employee__"),)
    list_display = ["username", "first_name", "last_name", "role", "is_staff", "is_active", "last_login"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email", "employee__employee_no"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:2],
        (_("Role"), {"fields": ("role",)}),
        *DjangoUserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),
    )

    def scope_q(self, user) -> Q:
        # Users see their own account too, even without an employee record.
        return super().scope_q(user) | Q(pk=user.pk)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser hands out superuser status or per-user permissions.
            readonly += ["is_superuser", "user_permissions", "groups"]
        return readonly


# Django's and django-axes's own admins, with the same role rules. HR and administrators
# may view and delete lock-outs (deleting an access attempt unlocks the account).
class GroupAdmin(RoleAdminMixin, DjangoGroupAdmin):
    pass


class AccessAttemptAdmin(RoleAdminMixin, axes_admin.AccessAttemptAdmin):
    company_admin_actions = frozenset({"view", "delete"})


class AccessLogAdmin(RoleAdminMixin, axes_admin.AccessLogAdmin):
    company_admin_actions = frozenset({"view"})


class AccessFailureLogAdmin(RoleAdminMixin, axes_admin.AccessFailureLogAdmin):
    company_admin_actions = frozenset({"view"})


for _model, _model_admin in [
    (Group, GroupAdmin),
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
]:
    # django-axes registers its admins only when AXES_ENABLE_ADMIN is on.
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
        admin.site.register(_model, _model_admin)
