"""Admin for the org tree, employees and their archive; querysets scoped by core/scope.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicescore.core.admin import ScopedModelAdmin, ScopedTabularInline

from . import services
from .models import (
    Certificate,
    Employee,
    EmployeeSkill,
    OrgUnit,
    RewardPenalty,
    Skill,
    TrainingRecord,
)


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
