"""A trigram index on the plate key, so that a plate typed without its province's
character ("F00373" for 粤A·F00373) is found by its end without scanning the assets
(customers/search.py). PostgreSQL only; SQLite scans."""

from django.db import migrations

PLATE_TRIGRAMS = "customers_asset_plate_key_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {PLATE_TRIGRAMS} ON customers_asset USING gin (plate_key gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {PLATE_TRIGRAMS}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_search_keys")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
