from django.db import migrations

# Facts that are rates or scores average over months and are not pooled over people;
# hours add up. Stock-outs and attrition are better when lower.
MEAN = [
    "ATTENDANCE_RATE",
    "TRAINING_SCORE",
    "INVENTORY_TURNOVER",
    "STOCKOUT_RATE",
    "INVENTORY_ACCURACY",
    "TEAM_ATTRITION",
]
DOWN = ["STOCKOUT_RATE", "TEAM_ATTRITION"]


def configure(apps, schema_editor):
    FactIndicator = apps.get_model("kpi", "FactIndicator")
    FactIndicator.objects.filter(code__in=MEAN).update(aggregation="mean")
    FactIndicator.objects.filter(code__in=DOWN).update(direction="down")


def unconfigure(apps, schema_editor):
    FactIndicator = apps.get_model("kpi", "FactIndicator")
    FactIndicator.objects.filter(code__in=MEAN + DOWN).update(aggregation="sum", direction="up")


class Migration(migrations.Migration):
    dependencies = [("kpi", "0003_results_templates_scorecards")]
    operations = [migrations.RunPython(configure, unconfigure)]
