"""Each evaluation keeps its KPI part as 0–100 points and that part's standard error, set
whenever it is scored (services/evaluations.py `rescore`), so that the calibration view
reads two numbers per person instead of every person's scored lines. Evaluations scored
before are filled in from their stored lines."""

from django.db import migrations, models


def fill_in(apps, schema_editor):
    from servicescore.appraisal.selectors.calibration import kpi_points, kpi_standard_error
    from servicescore.kpi.registry import INDICATORS, MANUAL_RATINGS

    Evaluation = apps.get_model("appraisal", "Evaluation")
    # The built-in indicators: the rate items the standard error rests on are all built in
    # (imported facts and formulas have no binomial sample).
    indicators = INDICATORS | MANUAL_RATINGS
    scored = Evaluation.objects.exclude(items=[]).only("pk", "items", "kpi_score")
    changed = []
    for evaluation in scored.iterator(chunk_size=2000):
        evaluation.kpi_points = kpi_points(evaluation.items, evaluation.kpi_score)
        evaluation.kpi_error = kpi_standard_error(evaluation.items, indicators)
        changed.append(evaluation)
    Evaluation.objects.bulk_update(changed, ["kpi_points", "kpi_error"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0005_cycles"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="kpi_error",
            field=models.FloatField(default=0, verbose_name="KPI standard error"),
        ),
        migrations.AddField(
            model_name="evaluation",
            name="kpi_points",
            field=models.FloatField(blank=True, null=True, verbose_name="KPI points"),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
    ]
