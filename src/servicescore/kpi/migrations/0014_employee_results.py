"""The employees' indicator results move to one row per person and period
(EmployeeResults, a `json` document of every indicator's figures); IndicatorResult keeps
the org units'. The stored rows are carried over, not recomputed: each person's rows of a
period become one document, in batches, so a large database needs no more memory than a
batch."""

import django.db.models.deletion
from django.db import migrations, models

import servicescore.core.fields

BATCH = 5_000


def entry(value, numerator, denominator, sample, note):
    # kpi.results.entry, frozen here: a migration does not import the code it migrates.
    figure = [value, numerator, denominator, sample]
    return figure + [note] if note else figure


def to_documents(apps, schema_editor):
    IndicatorResult = apps.get_model("kpi", "IndicatorResult")
    EmployeeResults = apps.get_model("kpi", "EmployeeResults")
    rows = (
        IndicatorResult.objects.filter(employee__isnull=False)
        .order_by("period", "employee_id", "indicator")
        .values_list(
            "period", "employee_id", "indicator", "value", "numerator", "denominator", "sample", "note",
            "computed_at",
        )
    )  # fmt: skip
    batch, current = [], None
    for period, employee, code, value, numerator, denominator, sample, note, computed_at in rows.iterator(
        chunk_size=BATCH
    ):
        if current is None or (current.period, current.employee_id) != (period, employee):
            if len(batch) >= BATCH:
                EmployeeResults.objects.bulk_create(batch)
                batch = []
            current = EmployeeResults(period=period, employee_id=employee, figures={}, computed_at=computed_at)
            batch.append(current)
        current.figures[code] = entry(value, numerator, denominator, sample, note)
        current.computed_at = max(current.computed_at, computed_at)
    EmployeeResults.objects.bulk_create(batch)
    IndicatorResult.objects.filter(employee__isnull=False).delete()


def to_rows(apps, schema_editor):
    IndicatorResult = apps.get_model("kpi", "IndicatorResult")
    EmployeeResults = apps.get_model("kpi", "EmployeeResults")
    batch = []
    for doc in EmployeeResults.objects.order_by("pk").iterator(chunk_size=BATCH):
        for code, figure in doc.figures.items():
            value, numerator, denominator, sample, *note = figure
            batch.append(
                IndicatorResult(
                    period=doc.period, employee_id=doc.employee_id, indicator=code, value=value,
                    numerator=numerator, denominator=denominator, sample=sample,
                    note=note[0] if note else "", computed_at=doc.computed_at,
                )
            )  # fmt: skip
        if len(batch) >= BATCH:
            IndicatorResult.objects.bulk_create(batch)
            batch = []
    IndicatorResult.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ("kpi", "0013_component_prefix"),
        ("org", "0003_unit_channels"),
    ]

    operations = [
        migrations.CreateModel(
            name="EmployeeResults",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("period", models.CharField(max_length=7, verbose_name="period")),
                (
                    "figures",
                    servicescore.core.fields.DocumentJSONField(default=dict, verbose_name="indicator results"),
                ),
                ("computed_at", models.DateTimeField(verbose_name="computed at")),
                (
                    "employee",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="org.employee",
                        verbose_name="employee",
                    ),
                ),
            ],
            options={
                "verbose_name": "employee results",
                "verbose_name_plural": "employee results",
                "constraints": [
                    models.UniqueConstraint(fields=("period", "employee"), name="one_result_row_per_employee")
                ],
            },
        ),
        migrations.RunPython(to_documents, to_rows),
        migrations.RemoveConstraint(model_name="indicatorresult", name="one_result_per_employee"),
        migrations.RemoveConstraint(model_name="indicatorresult", name="one_result_per_org_unit"),
        migrations.RemoveField(model_name="indicatorresult", name="employee"),
        migrations.AlterField(
            model_name="indicatorresult",
            name="org_unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="org.orgunit",
                verbose_name="org unit",
            ),
        ),
        migrations.AlterModelOptions(
            name="indicatorresult",
            options={"verbose_name": "org unit result", "verbose_name_plural": "org unit results"},
        ),
        migrations.AddConstraint(
            model_name="indicatorresult",
            constraint=models.UniqueConstraint(fields=("period", "org_unit", "indicator"), name="one_result_per_org_unit"),
        ),
    ]
