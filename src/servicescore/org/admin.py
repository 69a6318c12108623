"""Admin for the org tree, employees and their archive; querysets scoped by org/scope.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicescore.core.admin import ScopedModelAdmin, ScopedTabularInline
from servicescore.core.models import Delivery
from servicescore.core.notify.robots import masked_url
from servicescore.core.roles import AUDIT_READER_ROLES

from . import services
from .models import (
    Certificate,
    Employee,
    EmployeeSkill,
    OrgUnit,
    RewardPenalty,
    Skill,
    TrainingRecord,
    UnitChannel,
)
from .notify import delete_unit_channel, save_unit_channel


class OrgUnitForm(forms.ModelForm):
    """Refuses a parent of the wrong kind or inside the unit's own subtree, on the parent
    field, before org.services.save_org_unit (which checks the same) is called."""

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "kind", "parent"]

    def clean(self):
        cleaned = super().clean()
        kind, parent = cleaned.get("kind"), cleaned.get("parent")
        if kind:
            problem = services.check_parent(kind, parent.kind if parent else None)
            if problem:
                self.add_error("parent", problem)
        if parent is not None and self.instance.pk is not None:
            ancestor = parent
            while ancestor is not None:
                if ancestor.pk == self.instance.pk:
                    self.add_error("parent", _("a unit cannot be placed under itself"))
                    break
                ancestor = ancestor.parent
        return cleaned


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedModelAdmin):
    form = OrgUnitForm
    scope_rules = (("org_unit", ""),)
    list_display = ["code", "name", "kind", "parent", "path"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]

    def save_model(self, request, obj, form, change):
        # The service keeps the materialised paths of the subtree right, and audits.
        services.save_org_unit(obj, by=request.user)


class CertificateInline(ScopedTabularInline):
    model = Certificate
    fields = ["cert_type", "number", "issuer", "valid_from", "valid_until", "scan"]


class EmployeeSkillInline(ScopedTabularInline):
    model = EmployeeSkill
    autocomplete_fields = ["skill"]


@admin.register(Employee)
class EmployeeAdmin(ScopedModelAdmin):
    scope_rules = (("employee", ""),)
    list_display = ["employee_no", "name", "position", "org_unit", "manager", "status", "user"]
    list_filter = ["position", "status", ("org_unit", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["employee_no", "name", "email"]
    list_select_related = ["org_unit", "manager", "user"]
    autocomplete_fields = ["org_unit", "manager", "user"]
    inlines = [CertificateInline, EmployeeSkillInline]
    actions = ["create_user_accounts"]

    def save_model(self, request, obj, form, change):
        # The service audits the change, old → new.
        services.save_employee(obj, by=request.user)

    @admin.action(description=_("Create log-in accounts (role follows position)"), permissions=["change"])
    def create_user_accounts(self, request, queryset):
        created = 0
        for employee in queryset.filter(user__isnull=True):
            try:
                services.create_user_account(employee, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{employee}: {'; '.join(error.messages)}", messages.ERROR)
            else:
                created += 1
        self.message_user(
            request,
            ngettext("%(count)d account created.", "%(count)d accounts created.", created)
            % {"count": created},
            messages.SUCCESS,
        )


class EmployeeArchiveAdmin(ScopedModelAdmin):
    scope_rules = (("employee", "employee__"),)
    list_select_related = ["employee"]
    autocomplete_fields = ["employee"]
    search_fields = ["employee__employee_no", "employee__name"]


@admin.register(Certificate)
class CertificateAdmin(EmployeeArchiveAdmin):
    list_display = ["employee", "cert_type", "number", "valid_from", "valid_until", "expiry"]
    list_filter = ["cert_type", "valid_until"]
    search_fields = [*EmployeeArchiveAdmin.search_fields, "cert_type", "number"]

    @admin.display(description=_("expiry"))
    def expiry(self, obj):
        return {"expired": _("Expired"), "expiring": _("Expiring soon"), "valid": _("Valid")}[
            obj.expiry_state()
        ]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(EmployeeArchiveAdmin):
    list_display = ["employee", "course", "date", "hours", "score"]
    list_filter = ["date"]
    search_fields = [*EmployeeArchiveAdmin.search_fields, "course"]
    date_hierarchy = "date"


@admin.register(RewardPenalty)
class RewardPenaltyAdmin(EmployeeArchiveAdmin):
    list_display = ["employee", "date", "kind", "points", "reason"]
    list_filter = ["kind", "date"]
    search_fields = [*EmployeeArchiveAdmin.search_fields, "reason"]
    date_hierarchy = "date"


@admin.register(Skill)
class SkillAdmin(ScopedModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(EmployeeSkill)
class EmployeeSkillAdmin(EmployeeArchiveAdmin):
    list_display = ["employee", "skill", "level"]
    list_filter = ["skill", "level"]
    list_select_related = ["employee", "skill"]
    autocomplete_fields = ["employee", "skill"]
    search_fields = [*EmployeeArchiveAdmin.search_fields, "skill__name"]


class UnitChannelForm(forms.ModelForm):
    """The secret is never shown again once stored: an empty field keeps it, and
    `clear_secret` removes it."""

    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("DingTalk (SEC…) or Feishu signing secret, when the robot has signing on."),
    )
    clear_secret = forms.BooleanField(label=_("Remove the stored secret"), required=False)

    class Meta:
        model = UnitChannel
        fields = ["org_unit", "kind", "address", "secret", "active", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stored_secret = self.instance.secret if self.instance.pk else ""
        if self._stored_secret:
            self.fields["secret"].help_text = _("A secret is stored. Leave empty to keep it.")

    def clean_secret(self):
        if self.data.get(self.add_prefix("clear_secret")):
            return ""
        return self.cleaned_data["secret"] or self._stored_secret


class UnitChannelAdmin(ScopedModelAdmin):
    """Group robots and mailboxes per org unit, kept by HR and administrators (an auditor
    reads them); the secret never leaves the server and the address is masked in the list."""

    form = UnitChannelForm
    scope_rules = (("org_unit", "org_unit__"),)
    list_display = ["org_unit", "kind", "masked_address", "has_secret", "active", "note"]
    list_filter = ["kind", "active"]
    search_fields = ["org_unit__code", "org_unit__name", "note"]
    list_select_related = ["org_unit"]
    autocomplete_fields = ["org_unit"]

    def _role_permission(self, request, action, default):
        # Other staff roles never, whatever model permissions they were given: the robots'
        # keys let anyone post into the company's groups.
        if getattr(request.user, "effective_role", None) not in AUDIT_READER_ROLES:
            return False
        return super()._role_permission(request, action, default)

    @admin.display(description=_("address"))
    def masked_address(self, channel):
        return channel.address if channel.kind == Delivery.Channel.EMAIL else masked_url(channel.address)

    @admin.display(description=_("signed"), boolean=True)
    def has_secret(self, channel):
        return bool(channel.secret)

    def save_model(self, request, obj, form, change):
        # The service audits with the address masked and without the secret.
        save_unit_channel(channel=obj, by=request.user)

    def delete_model(self, request, obj):
        delete_unit_channel(channel=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for channel in queryset:
            delete_unit_channel(channel=channel, by=request.user)


admin.site.register(UnitChannel, UnitChannelAdmin)
