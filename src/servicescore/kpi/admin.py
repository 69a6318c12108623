"""Admin for imported facts; a fact is visible through its employee or its org unit."""

from django.contrib import admin

from servicescore.core.admin import ScopedModelAdmin

from .models import FactIndicator, MetricFact


@admin.register(FactIndicator)
class FactIndicatorAdmin(ScopedModelAdmin):
    list_display = ["code", "name_zh", "name_en", "unit"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(MetricFact)
class MetricFactAdmin(ScopedModelAdmin):
    scope_rules = (("employee", "employee__"), ("org_unit", "org_unit__"))
    list_display = ["indicator", "period", "value", "employee", "org_unit"]
    list_filter = ["indicator", "period"]
    search_fields = [
        "indicator",
        "employee__name",
        "employee__employee_no",
        "org_unit__code",
        "org_unit__name",
    ]
    list_select_related = ["employee", "org_unit"]
    raw_id_fields = ["employee", "org_unit"]
