from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0008_evaluation_appeal_adjustment")]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="months",
            field=models.JSONField(blank=True, default=list, verbose_name="monthly results"),
        ),
    ]
