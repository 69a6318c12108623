"""Admin foundations: role-based permissions and querysets filtered by THE scope function.

Every ServiceScore model admin inherits ScopedAdminMixin, so an admin page shows only what
the data scope (org/scope.py, asked through core/hooks.py) lets the user see; HR and
administrators see and change everything, an auditor sees everything read-only, and other
staff roles need Django model permissions.
ScopedModelAdmin also audits every save and delete (AuditedAdminMixin) and shows the
record's audit trail on its History page. Log-in accounts change only as core/policy.py
allows, through core/services.py; groups only by a superuser; the audit trail is read-only.
"""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from .audit import audit_bulk, audit_record, diff, snapshot
from .axes_admin import CleanupMessageMixin, name_axes_records
from .history import CHANNEL_LABELS, action_in_words, changes_in_words, history_rows, masked_changes
from .hooks import ask
from .models import AuditEntry, User
from .policy import (
    grantable_roles,
    locked_user_fields,
    may_change_user,
    user_change_problems,
    user_delete_problem,
)
from .roles import AUDIT_READER_ROLES, COMPANY_ADMIN_ROLES, Role
from .services import user_delete, user_save, user_set_access

admin.site.site_header = _("ServiceScore administration")
admin.site.site_title = _("ServiceScore")
admin.site.index_title = _("Data maintenance")

# Roles that maintain the whole company's data in the admin.
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


# The rules' questions, answered by the apps that own the scope (org, workorders) in their
# AppConfig.ready(): core may not import them (core/hooks.py).
SCOPE_RULE_QUESTIONS = {
    "employee": "scope.employees_q",
    "org_unit": "scope.org_units_q",
    "work_order": "scope.work_orders_q",
    "work_order_of": "scope.work_order_of_q",
}


class ScopedAdminMixin(RoleAdminMixin):
    """Filter the admin queryset through the data scope (org/scope.py, workorders/scope.py).

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
        q = Q(pk__in=[])
        for kind, lookup in self.scope_rules:
            if kind not in SCOPE_RULE_QUESTIONS:
                raise ValueError(f"unknown scope rule {kind!r}")
            q |= ask(SCOPE_RULE_QUESTIONS[kind], user, lookup)
        return q

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not self.scope_rules or ask("scope.sees_everything", request.user):
            return queryset
        return queryset.filter(self.scope_q(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related_admin = self.admin_site._registry.get(db_field.remote_field.model)
        if "queryset" not in kwargs and isinstance(related_admin, ScopedAdminMixin):
            kwargs["queryset"] = related_admin.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# A field whose name holds one of these keeps a secret; the trail never copies it.
SECRET_FIELD_WORDS = ("password", "secret", "hash")


def audited_fields(model) -> list[str]:
    """The stored fields a change is audited by: all but the key, the timestamps and
    secrets."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
        and not any(word in f.name for word in SECRET_FIELD_WORDS)
    ]


class AuditHistoryMixin:
    """The History page lists the record's audit trail (core/history.py): who, when, from
    where, old → new, why; Django's own log of admin actions stays below it."""

    object_history_template = "admin/audit_history.html"

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = {**(extra_context or {})}
        if obj is not None and self.has_view_or_change_permission(request, obj):
            context["audit_rows"] = history_rows(obj, user=request.user)
        return super().history_view(request, object_id, extra_context=context)


class AuditedAdminMixin(AuditHistoryMixin):
    """Every save and delete in the admin writes an audit entry, old → new, in the same
    transaction as the write (the change form and the delete page run these hooks inside
    the admin's transaction; the deletes open one too, for the bulk delete action). An
    admin whose save_model calls a service that audits itself does not call
    super().save_model."""

    def _snapshots(self, model, pks) -> dict:
        fields = audited_fields(model)
        return {obj.pk: snapshot(obj, fields) for obj in model._default_manager.filter(pk__in=list(pks))}

    def save_model(self, request, obj, form, change):
        before = self._snapshots(type(obj), [obj.pk]).get(obj.pk) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        after = snapshot(obj, audited_fields(type(obj)))
        if before is None:
            audit_record(actor=request.user, action="create", obj=obj, changes=diff({}, after))
        elif changes := diff(before, after):
            audit_record(actor=request.user, action="update", obj=obj, changes=changes)

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action="delete",
                obj=obj,
                changes=diff(snapshot(obj, audited_fields(type(obj))), {}),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            fields = audited_fields(queryset.model)
            audit_bulk(
                actor=request.user,
                action="delete",
                objects=list(queryset),
                changes_of=lambda obj: diff(snapshot(obj, fields), {}),
            )
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        model = formset.model
        fields = audited_fields(model)
        before = self._snapshots(model, [f.instance.pk for f in formset.initial_forms if f.instance.pk])
        super().save_formset(request, form, formset, change)
        for obj in getattr(formset, "new_objects", []):
            audit_record(
                actor=request.user, action="create", obj=obj, changes=diff({}, snapshot(obj, fields))
            )
        for obj, _names in getattr(formset, "changed_objects", []):
            if changes := diff(before.get(obj.pk, {}), snapshot(obj, fields)):
                audit_record(actor=request.user, action="update", obj=obj, changes=changes)
        for obj in getattr(formset, "deleted_objects", []):
            audit_record(
                actor=request.user, action="delete", obj=obj, changes=diff(before.get(obj.pk, {}), {})
            )


class ScopedModelAdmin(AuditedAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
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


def _user_form_with_policy(form_class, actor, stored):
    """The admin's user form, refusing on the field what core/policy.py refuses (a role
    above the actor's, superuser status...), so that a refusal is a message, not an error
    page; core/services.py checks the same again when saving."""

    class PolicyCheckedUserForm(form_class):
        def clean(self):
            cleaned = super().clean()
            names = self.changed_data if stored is not None else [n for n in self.fields if n in cleaned]
            changes = {("password" if name == "password1" else name): cleaned.get(name) for name in names}
            changes.pop("password2", None)
            changes.pop("usable_password", None)
            for name, problem in user_change_problems(actor, stored, changes).items():
                field = "password1" if name == "password" else name
                self.add_error(field if field in self.fields else None, problem)
            return cleaned

    return PolicyCheckedUserForm


@admin.register(User)
class UserAdmin(AuditHistoryMixin, ScopedAdminMixin, DjangoUserAdmin):
    """Accounts, changed only as core/policy.py allows and saved through core/services.py
    (audited). HR and administrators see an account they may not change read-only."""

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
    # Set by logging in and by creating the account, never typed in.
    SYSTEM_FIELDS = ["last_login", "date_joined"]

    def scope_q(self, user) -> Q:
        # Users see their own account too, even without an employee record.
        return super().scope_q(user) | Q(pk=user.pk)

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), *self.SYSTEM_FIELDS]
        locked = locked_user_fields(request.user, obj)
        readonly += sorted(name for name in locked if name != "password")
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and not may_change_user(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and user_delete_problem(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            # Only the roles the user may hand out are offered (HR may not hand out admin).
            allowed = set(grantable_roles(request.user))
            kwargs["choices"] = [(value, label) for value, label in Role.choices if value in allowed]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        stored = User.objects.get(pk=obj.pk) if obj is not None else None
        return _user_form_with_policy(form, request.user, stored)

    def save_model(self, request, obj, form, change):
        user_save(actor=request.user, user=obj)

    def save_related(self, request, form, formsets, change):
        # Groups and permissions go through the service too (checked and audited), so the
        # form must not set them itself.
        access = {
            key: form.cleaned_data.pop(name)
            for name, key in (("groups", "groups"), ("user_permissions", "permissions"))
            if name in form.cleaned_data
        }
        super().save_related(request, form, formsets, change)
        if access:
            user_set_access(actor=request.user, user=form.instance, **access)

    def delete_model(self, request, obj):
        user_delete(actor=request.user, user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            user_delete(actor=request.user, user=user)

    def get_deleted_objects(self, objs, request):
        deleted, counts, refused, protected = super().get_deleted_objects(objs, request)
        # A refused account makes Django's delete pages refuse the whole deletion (403).
        for user in objs:
            problem = user_delete_problem(request.user, user)
            if problem:
                refused.add(f"{user}: {problem}")
        return deleted, counts, refused, protected

    @method_decorator(sensitive_post_parameters())
    @method_decorator(csrf_protect)
    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, unquote(id))
        if target is not None and user_change_problems(request.user, target, ["password"]):
            raise PermissionDenied
        if request.method == "POST" and target is not None and self.has_change_permission(request, target):
            form = self.change_password_form(target, request.POST)
            if form.is_valid() and (
                form.cleaned_data["set_usable_password"] or "unset-password" in request.POST
            ):
                user = user_save(actor=request.user, user=form.save(commit=False))
                self.log_change(request, user, self.construct_change_message(request, form, None))
                if user.has_usable_password():
                    messages.success(request, _("Password changed successfully."))
                else:
                    messages.success(request, _("Password-based authentication was disabled."))
                update_session_auth_hash(request, form.user)
                opts = self.opts
                return HttpResponseRedirect(
                    reverse(
                        f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=(user.pk,)
                    )
                )
        # GET, and a form with errors, are Django's own page.
        return super().user_change_password(request, id, form_url)


# Who reads the whole trail: it names every record and every change in the company.


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail, read-only for HR, administrators and auditors; nobody adds,
    changes or deletes an entry here, superusers included (the trail is append-only)."""

    list_display = [
        "at",
        "actor_name",
        "channel_label",
        "action_label",
        "content_type",
        "object_repr",
        "reason",
    ]
    list_filter = ["action", "channel", ("content_type", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["actor_name", "object_repr", "object_id", "request_id", "reason"]
    date_hierarchy = "at"
    list_select_related = ["content_type"]
    list_per_page = 50
    fields = [
        "at",
        "actor",
        "actor_name",
        "channel",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "changes_in_words",
        "reason",
        "request_id",
    ]
    readonly_fields = fields
    actions = None

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, entry):
        return action_in_words(entry)

    @admin.display(description=_("channel"), ordering="channel")
    def channel_label(self, entry):
        return CHANNEL_LABELS.get(entry.channel, entry.channel)

    @admin.display(description=_("changes"))
    def changes_in_words(self, entry):
        # get_object() has already masked what this reader may not see.
        lines = [f"{change.label}: {change.old} → {change.new}" for change in changes_in_words(entry)]
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) or "—"

    def get_object(self, request, object_id, from_field=None):
        entry = super().get_object(request, object_id, from_field)
        if entry is not None:
            # Phones masked for an auditor, as everywhere else; the entry is never saved.
            entry.changes = masked_changes(entry.changes, request.user)
        return entry

    def _reader(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.effective_role in AUDIT_READER_ROLES

    def has_module_permission(self, request):
        return self._reader(request)

    def has_view_permission(self, request, obj=None):
        return self._reader(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuperuserWritesMixin:
    """Only a superuser adds, changes or deletes these rows (groups carry permissions,
    which only a superuser hands out); HR and administrators may look."""

    company_admin_actions = frozenset({"view"})

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


# Django's and django-axes's own admins, with the same role rules. HR and administrators
# may view and delete lock-outs (deleting an access attempt unlocks the account).
class GroupAdmin(SuperuserWritesMixin, RoleAdminMixin, DjangoGroupAdmin):
    pass


class AccessAttemptAdmin(RoleAdminMixin, CleanupMessageMixin, axes_admin.AccessAttemptAdmin):
    company_admin_actions = frozenset({"view", "delete"})

    # django-axes leaves these columns to be labelled by their method names, which no
    # catalogue translates (its other strings: core/third_party_strings.py).
    @admin.display(description=_("Status"))
    def status(self, obj):
        return super().status(obj)

    @admin.display(description=_("Expires At"))
    def expiration(self, obj):
        return super().expiration(obj)


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
# django-axes names its records in English (core/axes_admin.py).
name_axes_records()
# django-axes names its app nothing, so the admin index would head it "Axes".
apps.get_app_config("axes").verbose_name = _("Login throttling")

from .notify import admin as _notify_admin  # noqa: E402, F401
