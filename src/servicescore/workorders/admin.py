"""Admin for work orders and their lines. The state and the lifecycle timestamps are
read-only here: they change only through workorders/services.py (see the actions)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicescore.core.admin import ReadOnlyTabularInline, ScopedModelAdmin, ScopedTabularInline
from servicescore.core.roles import can_see_full_phone

from . import services
from .models import EventPhoto, LabourLine, LabourOperation, PartsLine, SLAPolicy, WorkOrder, WorkOrderEvent

# Set by the state transitions in services.py, never typed in.
TRANSITION_FIELDS = [
    "state",
    "first_response_at",
    "dispatched_at",
    "accepted_at",
    "started_at",
    "completed_at",
    "closed_at",
    "cancelled_at",
    "cancel_reason",
    "resolution",
]


class ServiceWrittenAdmin(ScopedModelAdmin):
    """Rows that only services write (events, photos): viewable by role, never edited."""

    company_admin_actions = frozenset({"view"})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SLAPolicy)
class SLAPolicyAdmin(ScopedModelAdmin):
    list_display = ["type", "priority", "response_minutes", "resolution_hours"]
    list_filter = ["type", "priority"]


@admin.register(LabourOperation)
class LabourOperationAdmin(ScopedModelAdmin):
    """The labour-time catalogue (company-wide, like the SLA policies): HR and administrators
    keep it here or import it (labour_operations); a row that labour lines use cannot be
    deleted (PROTECT). Saves are audited by the admin."""

    list_display = ["code", "name", "category", "standard_hours", "valid_from"]
    list_filter = ["category"]
    search_fields = ["code", "name", "category"]
    ordering = ["code", "category"]


class LabourLineInline(ReadOnlyTabularInline):
    model = LabourLine
    fields = [
        "technician",
        "operation",
        "standard_hours",
        "standard_source",
        "override_reason",
        "clocked_hours",
    ]
    readonly_fields = fields


class PartsLineInline(ScopedTabularInline):
    model = PartsLine
    fields = ["part_no", "name", "quantity", "unit_price"]


class EventInline(ReadOnlyTabularInline):
    model = WorkOrderEvent
    fields = ["at", "action", "from_state", "to_state", "actor", "note"]
    readonly_fields = fields


class WorkOrderAdminForm(forms.ModelForm):
    def clean(self):
        # The service's own check, run here too so that the admin shows it beside the field
        # instead of failing the save.
        cleaned = super().clean()
        original = cleaned.get("rework_of")
        if self.instance.pk and "rework_of" in self.changed_data:
            try:
                services.check_comeback_link(self.instance, original.pk if original else None)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(WorkOrder)
class WorkOrderAdmin(ScopedModelAdmin):
    form = WorkOrderAdminForm
    scope_rules = (("work_order", ""),)
    list_display = [
        "external_id",
        "type",
        "priority",
        "state",
        "service_center",
        "technician",
        "customer",
        "created_at",
        "due_at",
    ]
    list_filter = [
        "state",
        "type",
        "priority",
        "channel",
        ("service_center", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "external_id",
        "customer__name",
        "asset__external_id",
        "asset__plate",
        "technician__name",
        "technician__employee_no",
    ]
    list_select_related = ["service_center", "technician", "customer"]
    raw_id_fields = ["customer", "asset", "technician", "advisor", "dispatcher", "rework_of"]
    autocomplete_fields = ["service_center"]
    readonly_fields = TRANSITION_FIELDS
    date_hierarchy = "created_at"
    inlines = [LabourLineInline, PartsLineInline, EventInline]
    actions = ["accept_selected", "close_selected"]

    def get_search_fields(self, request):
        fields = list(super().get_search_fields(request))
        if can_see_full_phone(request.user):
            fields.append("customer__phone")
        return fields

    def save_model(self, request, obj, form, change):
        if change:
            # Through the service: the "edit" event and the audit entry, old → new.
            changes = {
                name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
            }
            corrected = services.correct_work_order(obj, by=request.user, **changes)
            obj.modified = corrected.modified
            return
        # A new order goes through the service: SLA deadlines, the "create" event and entry.
        fields = {name: value for name, value in form.cleaned_data.items() if name not in TRANSITION_FIELDS}
        created = services.enter_work_order(by=request.user, **fields)
        obj.pk, obj._state = created.pk, created._state

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        lines = [
            *(_("added %(line)s") % {"line": obj} for obj in formset.new_objects),
            *(_("changed %(line)s") % {"line": obj} for obj, _names in formset.changed_objects),
            *(_("removed %(line)s") % {"line": obj} for obj in formset.deleted_objects),
        ]
        if change and lines:
            services.note_line_corrections(form.instance, by=request.user, note="; ".join(lines))

    def _apply(self, request, queryset, transition, done_message):
        done = 0
        for order in queryset:
            try:
                transition(order, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{order}: {'; '.join(error.messages)}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, done_message(done) % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Accept the selected work orders"), permissions=["change"])
    def accept_selected(self, request, queryset):
        self._apply(
            request,
            queryset,
            services.accept,
            lambda n: ngettext("%(count)d work order accepted.", "%(count)d work orders accepted.", n),
        )

    @admin.action(description=_("Close the selected completed work orders"), permissions=["change"])
    def close_selected(self, request, queryset):
        self._apply(
            request,
            queryset,
            services.close,
            lambda n: ngettext("%(count)d work order closed.", "%(count)d work orders closed.", n),
        )


@admin.register(WorkOrderEvent)
class WorkOrderEventAdmin(ServiceWrittenAdmin):
    scope_rules = (("work_order", "work_order"),)
    list_display = ["work_order", "action", "from_state", "to_state", "actor", "at"]
    list_filter = ["action", "to_state"]
    search_fields = ["work_order__external_id", "note"]
    list_select_related = ["work_order", "actor"]
    date_hierarchy = "at"


@admin.register(EventPhoto)
class EventPhotoAdmin(ServiceWrittenAdmin):
    scope_rules = (("work_order", "event__work_order"),)
    list_display = ["event", "image"]
    list_select_related = ["event"]
    search_fields = ["event__work_order__external_id"]


@admin.register(LabourLine)
class LabourLineAdmin(ScopedModelAdmin):
    """Lines are saved through services.correct_labour, which writes the event and the audit
    entry (on the work order, as the pages' labour does)."""

    scope_rules = (("work_order", "work_order"), ("employee", "technician__"))
    list_display = [
        "work_order",
        "technician",
        "operation",
        "standard_hours",
        "standard_source",
        "clocked_hours",
    ]
    list_filter = ["standard_source"]
    search_fields = ["work_order__external_id", "technician__employee_no", "technician__name"]
    list_select_related = ["work_order", "technician", "operation"]
    raw_id_fields = ["work_order", "technician"]
    # correct_labour sets where the standard hours came from (an override of the operation's).
    SERVICE_SET = ["operation", "standard_source", "override_by", "override_reason"]

    def get_readonly_fields(self, request, obj=None):
        # correct_labour keys a line by (work order, technician); those are fixed once saved.
        return ["work_order", "technician", *self.SERVICE_SET] if obj is not None else self.SERVICE_SET

    def save_model(self, request, obj, form, change):
        line = services.correct_labour(
            obj.work_order,
            technician=obj.technician,
            standard_hours=obj.standard_hours,
            clocked_hours=obj.clocked_hours,
            by=request.user,
        )
        obj.pk, obj._state = line.pk, line._state


@admin.register(PartsLine)
class PartsLineAdmin(ScopedModelAdmin):
    scope_rules = (("work_order", "work_order"),)
    list_display = ["work_order", "part_no", "name", "quantity", "unit_price"]
    search_fields = ["work_order__external_id", "part_no", "name"]
    list_select_related = ["work_order"]
    raw_id_fields = ["work_order"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        line = _("changed %(line)s") if change else _("added %(line)s")
        services.note_line_corrections(obj.work_order, by=request.user, note=line % {"line": obj})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.note_line_corrections(
            obj.work_order, by=request.user, note=_("removed %(line)s") % {"line": obj}
        )

    def delete_queryset(self, request, queryset):
        lines = list(queryset.select_related("work_order"))
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            for line in lines:
                services.note_line_corrections(
                    line.work_order, by=request.user, note=_("removed %(line)s") % {"line": line}
                )
