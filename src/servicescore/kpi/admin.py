"""Admin for imported facts (a fact is visible through its employee or its org unit),
stored results, the computed periods and manual ratings. Every save and delete here is
audited (core.admin.ScopedModelAdmin)."""

from django.contrib import admin

from servicescore.core.admin import ScopedModelAdmin

from .models import (
    ComputedPeriod,
    DerivedIndicator,
    EmployeeResults,
    FactIndicator,
    IndicatorResult,
    KpiSettings,
    ManualRating,
    MetricFact,
)


@admin.register(FactIndicator)
class FactIndicatorAdmin(ScopedModelAdmin):
    list_display = ["code", "name_zh", "name_en", "unit"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(MetricFact)
class MetricFactAdmin(ScopedModelAdmin):
    """The facts page (/indicators/facts/) is where people record facts; here the evidence
    (note, reference, attachment: served by kpi.fact_views.fact_attachment) shows too, and
    whoever saves a fact becomes its recorder."""

    scope_rules = (("employee", "employee__"), ("org_unit", "org_unit__"))
    list_display = ["indicator", "period", "value", "employee", "org_unit", "reference", "recorded_by"]
    list_filter = ["indicator", "period"]
    search_fields = [
        "indicator",
        "reference",
        "employee__name",
        "employee__employee_no",
        "org_unit__code",
        "org_unit__name",
    ]
    list_select_related = ["employee", "org_unit", "recorded_by"]
    raw_id_fields = ["employee", "org_unit"]
    fields = [
        "indicator",
        "period",
        "value",
        "employee",
        "org_unit",
        "note",
        "reference",
        "attachment",
        "recorded_by",
    ]
    readonly_fields = ["recorded_by"]

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(DerivedIndicator)
class DerivedIndicatorAdmin(ScopedModelAdmin):
    """Company configuration; `DerivedIndicator.clean` refuses syntax errors, unknown codes,
    forbidden names and cycles before anything is saved."""

    list_display = ["code", "name_zh", "name_en", "unit", "direction", "formula"]
    search_fields = ["code", "name_zh", "name_en", "formula"]


@admin.register(KpiSettings)
class KpiSettingsAdmin(ScopedModelAdmin):
    list_display = ["__str__", "comeback_window_days"]

    def has_add_permission(self, request, *args):
        return not KpiSettings.objects.exists() and super().has_add_permission(request, *args)


class ReadOnlyResultAdmin(ScopedModelAdmin):
    """Computed rows: visible in scope, never edited by hand (the engine writes them)."""

    company_admin_actions = frozenset({"view"})

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IndicatorResult)
class IndicatorResultAdmin(ReadOnlyResultAdmin):
    scope_rules = (("org_unit", "org_unit__"),)
    list_display = ["period", "indicator", "org_unit", "value", "numerator", "denominator", "sample"]
    list_filter = ["period", "indicator"]
    search_fields = ["indicator", "org_unit__code", "org_unit__name"]
    list_select_related = ["org_unit"]


@admin.register(EmployeeResults)
class EmployeeResultsAdmin(ReadOnlyResultAdmin):
    """A person's indicator results for a period, one document (kpi.results reads it)."""

    scope_rules = (("employee", "employee__"),)
    list_display = ["period", "employee", "computed_at"]
    list_filter = ["period"]
    search_fields = ["employee__employee_no", "employee__name"]
    list_select_related = ["employee"]


@admin.register(ManualRating)
class ManualRatingAdmin(ScopedModelAdmin):
    scope_rules = (("employee", "employee__"),)
    list_display = ["period", "employee", "indicator", "rating", "reviewer"]
    list_filter = ["period", "indicator"]
    search_fields = ["employee__employee_no", "employee__name"]
    list_select_related = ["employee", "reviewer"]
    raw_id_fields = ["employee", "reviewer"]


@admin.register(ComputedPeriod)
class ComputedPeriodAdmin(ReadOnlyResultAdmin):
    """When each period was last recomputed; its history lists the recomputes."""

    list_display = ["period", "computed_at", "people", "results", "org_unit_results"]
    search_fields = ["period"]

    def has_delete_permission(self, request, obj=None):
        return False
