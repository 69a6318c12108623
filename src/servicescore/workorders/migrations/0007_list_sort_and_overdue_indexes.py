"""The work-order list's slow paths on a national network (docs/performance.md, pages):

- the whole company sorted by priority read a page from an index on the sort expression
  (selectors' PRIORITY_RANK) instead of sorting 2.7 million rows;
- the overdue filter's count read from a partial index holding only open and
  late-completed orders, with the columns the filter compares (an index-only scan);
- a manager's list: PostgreSQL keeps the frequency of every service centre
  (statistics target 1000 on service_center_id, above the number of centres), so it knows
  that a subtree's team units hold no orders and counts a centre's orders right, and reads
  them by the centre instead of walking every order by date (deep pages took seconds).
"""

from django.db import migrations, models

TABLE = "workorders_workorder"


def more_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN service_center_id SET STATISTICS 1000")
        schema_editor.execute(f"ANALYZE {TABLE} (service_center_id)")


def default_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN service_center_id SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0006_labour_operations"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                models.Case(
                    models.When(priority="urgent", then=models.Value(0)),
                    models.When(priority="high", then=models.Value(1)),
                    models.When(priority="normal", then=models.Value(2)),
                    default=models.Value(3),
                    output_field=models.IntegerField(),
                ),
                models.F("id"),
                name="wo_priority_rank_id",
            ),
        ),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=models.Q(
                    ("state__in", ["new", "dispatched", "accepted", "in_progress"]),
                    ("completed_at__gt", models.F("due_at")),
                    _connector="OR",
                ),
                fields=["created_at"],
                include=("due_at", "state", "completed_at"),
                name="wo_open_or_late_created",
            ),
        ),
        migrations.RunPython(more_statistics, default_statistics, elidable=True),
    ]
