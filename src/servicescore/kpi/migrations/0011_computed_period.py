"""One row per period whose results are stored, the object a recompute's audit entry
points at."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('kpi', '0010_appraisal_moved_out'),
    ]

    operations = [
        migrations.CreateModel(
            name='ComputedPeriod',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.CharField(max_length=7, unique=True, verbose_name='period')),
                ('computed_at', models.DateTimeField(verbose_name='computed at')),
                ('people', models.PositiveIntegerField(default=0, verbose_name='people recomputed')),
                ('results', models.PositiveIntegerField(default=0, verbose_name='results stored')),
                ('org_unit_results', models.PositiveIntegerField(default=0, verbose_name='org-unit results stored')),
            ],
            options={
                'verbose_name': 'computed period',
                'verbose_name_plural': 'computed periods',
                'ordering': ['-period'],
            },
        ),
    ]
