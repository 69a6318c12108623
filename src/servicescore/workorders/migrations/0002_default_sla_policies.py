from decimal import Decimal

from django.db import migrations

# Hours to complete at normal priority, by type; a starting point each company edits.
RESOLUTION_HOURS = {
    "maintenance": 24, "repair": 48, "diagnosis": 24, "inspection": 24,
    "consultation": 4, "warranty": 72, "installation": 48,
}
PRIORITY = {  # (first-response minutes, factor on the resolution hours)
    "low": (120, Decimal("1.5")), "normal": (60, Decimal("1")),
    "high": (30, Decimal("0.5")), "urgent": (15, Decimal("0.25")),
}


def add_policies(apps, schema_editor):
    SLAPolicy = apps.get_model("workorders", "SLAPolicy")
    for type_, hours in RESOLUTION_HOURS.items():
        for priority, (minutes, factor) in PRIORITY.items():
            SLAPolicy.objects.get_or_create(
                type=type_, priority=priority,
                defaults={"response_minutes": minutes, "resolution_hours": hours * factor},
            )


def remove_policies(apps, schema_editor):
    apps.get_model("workorders", "SLAPolicy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]
    operations = [migrations.RunPython(add_policies, remove_policies)]
