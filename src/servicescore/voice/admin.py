"""Admin for customer voice; a row is visible through its work order or its employee."""

from django.contrib import admin

from servicescore.core.admin import ScopedModelAdmin

from .models import Complaint, FollowUp, Praise, SurveyResponse


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ScopedModelAdmin):
    scope_rules = (("work_order", "work_order"),)
    list_display = ["external_id", "work_order", "submitted_at", "overall", "nps", "channel"]
    list_filter = ["overall", "channel"]
    search_fields = ["external_id", "work_order__external_id", "comment"]
    list_select_related = ["work_order"]
    raw_id_fields = ["work_order"]
    date_hierarchy = "submitted_at"


@admin.register(FollowUp)
class FollowUpAdmin(ScopedModelAdmin):
    scope_rules = (("work_order", "work_order"), ("employee", "agent__"))
    list_display = ["external_id", "work_order", "agent", "called_at", "reached", "satisfied"]
    list_filter = ["reached", "satisfied"]
    search_fields = ["external_id", "work_order__external_id", "agent__name", "agent__employee_no"]
    list_select_related = ["work_order", "agent"]
    raw_id_fields = ["work_order", "agent"]
    date_hierarchy = "called_at"


@admin.register(Complaint)
class ComplaintAdmin(ScopedModelAdmin):
    scope_rules = (("work_order", "work_order"), ("employee", "employee__"), ("employee", "handler__"))
    list_display = [
        "external_id",
        "received_at",
        "work_order",
        "employee",
        "severity",
        "valid",
        "resolved_at",
    ]
    list_filter = ["severity", "valid", "satisfied_after"]
    search_fields = ["external_id", "work_order__external_id", "employee__name", "employee__employee_no"]
    list_select_related = ["work_order", "employee"]
    raw_id_fields = ["work_order", "employee", "handler"]
    date_hierarchy = "received_at"


@admin.register(Praise)
class PraiseAdmin(ScopedModelAdmin):
    scope_rules = (("employee", "employee__"), ("work_order", "work_order"))
    list_display = ["employee", "kind", "received_at", "work_order"]
    list_filter = ["kind"]
    search_fields = ["employee__name", "employee__employee_no", "work_order__external_id", "note"]
    list_select_related = ["employee", "work_order"]
    raw_id_fields = ["employee", "work_order"]
    date_hierarchy = "received_at"
