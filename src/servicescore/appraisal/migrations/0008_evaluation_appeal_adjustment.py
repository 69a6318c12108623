"""The points an appeal decision adds get their own field: they were added into the
calibration adjustment, so the results table and the change log could not tell an appeal
from a calibration. The points earlier appeals added are moved over, as their change
records tell them (kind "appeal", field "calibration_adjustment", old → new); the final
scores do not move, and the change records stay as written."""

from django.db import migrations, models


def move_appeal_points(apps, schema_editor):
    Evaluation = apps.get_model("appraisal", "Evaluation")
    EvaluationChange = apps.get_model("appraisal", "EvaluationChange")
    points: dict[int, float] = {}
    for evaluation_id, old, new in EvaluationChange.objects.filter(
        kind="appeal", field="calibration_adjustment"
    ).values_list("evaluation_id", "old", "new"):
        try:
            points[evaluation_id] = points.get(evaluation_id, 0.0) + float(new) - float(old or 0)
        except (TypeError, ValueError):
            continue
    for evaluation in Evaluation.objects.filter(pk__in=list(points)):
        moved = points[evaluation.pk]
        evaluation.appeal_adjustment = moved
        evaluation.calibration_adjustment -= moved
        evaluation.save(update_fields=["appeal_adjustment", "calibration_adjustment"])


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0007_evaluation_final_score_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="appeal_adjustment",
            field=models.FloatField(default=0, verbose_name="appeal adjustment"),
        ),
        migrations.RunPython(move_appeal_points, migrations.RunPython.noop),
    ]
