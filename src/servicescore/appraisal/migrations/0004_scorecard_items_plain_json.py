"""Scorecard items become PostgreSQL `json` instead of `jsonb` (core/fields.py
DocumentJSONField): they are written whole and read whole, and `json` skips building the
binary form of ten thousand documents on every recompute. lz4 compression (kpi 0009) is
set again after the type change rewrote the column."""

from django.db import migrations

import servicescore.core.fields

LZ4 = """
DO $$
BEGIN
    EXECUTE 'ALTER TABLE kpi_scorecard ALTER COLUMN items SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'lz4 is not available: scorecard items stay compressed with pglz';
END
$$;
"""


def compress_with_lz4(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LZ4)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0003_template_names_per_language"),
    ]

    operations = [
        migrations.AlterField(
            model_name="scorecard",
            name="items",
            field=servicescore.core.fields.DocumentJSONField(default=list, verbose_name="items"),
        ),
        migrations.RunPython(compress_with_lz4, migrations.RunPython.noop),
    ]
