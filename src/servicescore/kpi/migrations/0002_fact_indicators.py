from django.db import migrations

# kpi-library.md, "Facts from other systems".
FACTS = [
    ("AVAILABLE_HOURS", "出勤可用工时", "Available hours", "hours"),
    ("ATTENDANCE_RATE", "出勤率", "Attendance rate", "%"),
    ("TRAINING_SCORE", "培训成绩", "Training score", "points"),
    ("TRAINING_HOURS", "培训学时", "Training hours", "hours"),
    ("INVENTORY_TURNOVER", "库存周转率", "Inventory turnover", "times"),
    ("STOCKOUT_RATE", "缺货率", "Stock-out rate", "%"),
    ("INVENTORY_ACCURACY", "库存准确率", "Inventory accuracy", "%"),
    ("TEAM_ATTRITION", "团队流失率", "Team attrition", "%"),
]


def add_facts(apps, schema_editor):
    FactIndicator = apps.get_model("kpi", "FactIndicator")
    for code, zh, en, unit in FACTS:
        FactIndicator.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "unit": unit}
        )


def remove_facts(apps, schema_editor):
    apps.get_model("kpi", "FactIndicator").objects.filter(code__in=[f[0] for f in FACTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("kpi", "0001_initial")]
    operations = [migrations.RunPython(add_facts, remove_facts)]
