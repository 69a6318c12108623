"""What a module-scoped demo build leaves outside its tables, removed when the module ends."""

from django.db import connection

from servicescore.core.models import AuditEntry


def forget_audit_entries_after(last_id: int) -> None:
    """Remove the audit entries a build wrote (ids above `last_id`). The trail is
    append-only — a trigger refuses DELETE on PostgreSQL, the model refuses it everywhere —
    so a fixture that outlives its tests' transactions would otherwise leave entries that
    later tests count (e.g. "the only entry is the one just written"). TRUNCATE, which the
    trigger does not see, when the trail held nothing before the build."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and last_id == 0:
            cursor.execute(f"TRUNCATE {table}")
        elif connection.vendor != "postgresql":
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [last_id])


def last_audit_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
