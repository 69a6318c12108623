"""Admin of appraisal: the stored scorecards (read-only, the recompute writes them), the
read-only history of scheme changes, and the appraisal cycles with their evaluations,
changes, appeals and exclusions — view-only: the cycle services change them (each write
audited, with its EvaluationChange), and nobody, a superuser included, adds, edits or
deletes them here. The 360° ratings are not in the admin (their anonymity is the
feedback pages' rule)."""

from django.contrib import admin
from django.db.models import Q

from servicescore.core.hooks import ask
from servicescore.kpi.admin import ReadOnlyResultAdmin

from .models import (
    Appeal,
    Cycle,
    CycleVersion,
    Evaluation,
    EvaluationChange,
    Exclusion,
    Scorecard,
    TemplateChange,
)


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


# --- appraisal cycles (models/cycles.py): read, never written here ---------------------------------
class CycleHistoryAdmin(ReadOnlyResultAdmin):
    """View-only for everyone: no add, change or delete permission, whatever the role or
    the model permissions (a delete would take the cycle's history with it)."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields]


class CycleVersionInline(admin.TabularInline):
    model = CycleVersion
    extra = 0
    can_delete = False
    fields = readonly_fields = ["position", "version"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Cycle)
class CycleAdmin(CycleHistoryAdmin):
    """A cycle is visible to a staff reader with at least one of its people in scope."""

    list_display = ["name", "period", "kind", "stage", "opened_at", "published_at", "closed_at"]
    list_filter = ["stage", "kind"]
    search_fields = ["name", "period"]
    date_hierarchy = "created"
    inlines = [CycleVersionInline]
    scope_rules = (("employee", "employee__"),)

    def scope_q(self, user) -> Q:
        people = Evaluation.objects.filter(ask("scope.employees_q", user, "employee__"))
        return Q(pk__in=people.values("cycle"))


@admin.register(Evaluation)
class EvaluationAdmin(CycleHistoryAdmin):
    scope_rules = (("employee", "employee__"),)
    list_display = ["cycle", "employee", "position", "state", "final_score", "grade", "calibrated_grade"]
    list_filter = ["state", ("cycle", admin.RelatedOnlyFieldListFilter), "position", "grade"]
    search_fields = ["employee__employee_no", "employee__name", "cycle__name"]
    list_select_related = ["cycle", "employee"]


@admin.register(EvaluationChange)
class EvaluationChangeAdmin(CycleHistoryAdmin):
    """The cycles' history (who, when, old → new, why): append-only."""

    scope_rules = (("employee", "evaluation__employee__"),)
    list_display = ["at", "evaluation", "kind", "field", "old", "new", "by", "reason"]
    list_filter = ["kind", ("evaluation__cycle", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "evaluation__employee__employee_no",
        "evaluation__employee__name",
        "by__username",
        "reason",
    ]
    list_select_related = ["evaluation__employee", "by"]
    date_hierarchy = "at"


@admin.register(Appeal)
class AppealAdmin(CycleHistoryAdmin):
    scope_rules = (("employee", "evaluation__employee__"),)
    list_display = ["evaluation", "state", "by", "due_at", "escalated_at", "decided_by", "decided_at"]
    list_filter = ["state", ("evaluation__cycle", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["evaluation__employee__employee_no", "evaluation__employee__name", "reason"]
    list_select_related = ["evaluation__employee", "by", "decided_by"]
    date_hierarchy = "created"


@admin.register(Exclusion)
class ExclusionAdmin(CycleHistoryAdmin):
    scope_rules = (("employee", "evaluation__employee__"),)
    list_display = ["at", "evaluation", "indicator", "work_order", "by", "reason"]
    list_filter = ["indicator", ("evaluation__cycle", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "evaluation__employee__employee_no",
        "evaluation__employee__name",
        "work_order__external_id",
    ]
    list_select_related = ["evaluation__employee", "work_order", "by"]
    date_hierarchy = "at"
