"""Scorecard items (a few KB of JSON each, every one rewritten by a recompute) are
compressed with lz4 rather than PostgreSQL's default pglz: storing a month's scorecards
takes about half the time (docs/performance.md). PostgreSQL only; a server built without
lz4 keeps pglz."""

from django.db import migrations

LZ4 = """
DO $$
BEGIN
    EXECUTE 'ALTER TABLE kpi_scorecard ALTER COLUMN items SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'lz4 is not available: scorecard items stay compressed with pglz';
END
$$;
"""
PGLZ = "ALTER TABLE kpi_scorecard ALTER COLUMN items SET COMPRESSION pglz"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LZ4)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PGLZ)


class Migration(migrations.Migration):
    dependencies = [("kpi", "0008_template_change_retired")]

    operations = [migrations.RunPython(forwards, backwards)]
