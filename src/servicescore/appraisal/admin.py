"""Admin of appraisal: the stored scorecards (read-only, the recompute writes them) and the
read-only history of scheme changes."""

from django.contrib import admin
from django.db.models import Q

from servicescore.kpi.admin import ReadOnlyResultAdmin

from .models import Scorecard, TemplateChange


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyResultAdmin):
    scope_rules = (("employee", "employee__"),)
    list_display = [
        "period",
        "employee",
        "version",
        "base_score",
        "adjustment",
        "final_score",
        "grade",
        "vetoed",
    ]
    list_filter = ["period", "grade", "vetoed"]
    search_fields = ["employee__employee_no", "employee__name"]
    list_select_related = ["employee", "version__template"]


@admin.register(TemplateChange)
class TemplateChangeAdmin(ReadOnlyResultAdmin):
    """The history the scheme services write: read, never edited or deleted here. A
    change is visible with its template (company-wide ones to every staff reader); those
    of a discarded template only to those who see the whole company."""

    scope_rules = (("org_unit", "template__org_unit__"),)
    list_display = ["at", "template", "version", "action", "by"]
    list_filter = ["action"]
    search_fields = ["template__code", "template__name", "by__username"]
    list_select_related = ["template", "version__template", "by"]
    date_hierarchy = "at"
    readonly_fields = ["template", "version", "action", "by", "at", "detail"]

    def scope_q(self, user) -> Q:
        return super().scope_q(user) | Q(template__isnull=False, template__org_unit__isnull=True)

    def has_delete_permission(self, request, obj=None):
        return False
