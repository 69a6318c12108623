"""Writing the demo's rows: wiping the previous demo, three writers, index handling.

Rows arrive as plain tuples in the column order of `COLUMNS[model]`, with explicit ids,
timestamps as integer epoch seconds, dates as ISO text and decimals as text. A writer turns
them into whatever its database path wants:

- OrmWriter: model instances through bulk_create (small demo),
- SqliteWriter: executemany of tuples inside one transaction (large demo on SQLite),
- PostgresWriter: COPY … FROM STDIN through psycopg 3 (large demo on PostgreSQL).
"""

import datetime
import json
from abc import ABC, abstractmethod
from collections import defaultdict

from django.apps import apps
from django.core.management.color import no_style
from django.db import OperationalError, connection, models

from .config import DAY, UTC, StampFormat

# Tables the demo fills, in an order that satisfies their foreign keys.
DEMO_MODELS = [
    "org.OrgUnit",
    "org.Skill",
    "org.Employee",
    "org.Certificate",
    "org.TrainingRecord",
    "org.RewardPenalty",
    "org.EmployeeSkill",
    "customers.Customer",
    "customers.Asset",
    "workorders.WorkOrder",
    "workorders.WorkOrderEvent",
    "workorders.LabourLine",
    "workorders.PartsLine",
    "voice.SurveyResponse",
    "voice.SurveyInvitation",
    "voice.Complaint",
    "voice.ComplaintPerson",
    "voice.ComplaintEvent",
    "voice.FollowUpTask",
    "voice.FollowUp",
    "voice.Praise",
    "kpi.MetricFact",
    "kpi.ManualRating",
]
# Seed rows written by migrations; the demo keeps them.
KEEP_MODELS = {"workorders.SLAPolicy", "kpi.FactIndicator"}
# Tables the demo fills through the ORM that point at none of DEMO_MODELS: wiped with them
# (the customer-voice settings: the demo sets its sampling and call centre; a wipe leaves
# the defaults).
ALSO_WIPED = ["voice.SurveyTemplate", "voice.VoicePolicy"]
# Big tables whose secondary indexes and foreign keys are dropped during a raw bulk load.
HEAVY_MODELS = [
    "customers.Customer",
    "customers.Asset",
    "workorders.WorkOrder",
    "workorders.WorkOrderEvent",
    "workorders.LabourLine",
    "workorders.PartsLine",
    "voice.SurveyResponse",
    "voice.SurveyInvitation",
    "voice.FollowUpTask",
    "voice.FollowUp",
]

COLUMNS = {
    "org.OrgUnit": ("id", "code", "name", "kind", "parent_id", "path", "created", "modified"),
    "org.Skill": ("id", "name"),
    "org.Employee": (
        "id",
        "employee_no",
        "name",
        "position",
        "org_unit_id",
        "manager_id",
        "hire_date",
        "phone",
        "email",
        "status",
        "user_id",
        "created",
        "modified",
    ),
    "org.Certificate": (
        "id",
        "employee_id",
        "cert_type",
        "number",
        "issuer",
        "valid_from",
        "valid_until",
        "scan",
        "created",
        "modified",
    ),
    "org.TrainingRecord": ("id", "employee_id", "course", "date", "hours", "score", "created", "modified"),
    "org.RewardPenalty": (
        "id",
        "employee_id",
        "date",
        "kind",
        "points",
        "reason",
        "evidence",
        "created",
        "modified",
    ),
    "org.EmployeeSkill": ("id", "employee_id", "skill_id", "level"),
    "customers.Customer": (
        "id",
        "external_id",
        "name",
        "phone",
        "address",
        "created",
        "modified",
        "email",
        "language",
    ),
    "customers.Asset": (
        "id",
        "external_id",
        "kind",
        "model",
        "customer_id",
        "plate",
        "is_nev",
        "battery_type",
        "created",
        "modified",
    ),
    "workorders.WorkOrder": (
        "id",
        "external_id",
        "service_center_id",
        "type",
        "priority",
        "channel",
        "customer_id",
        "asset_id",
        "description",
        "state",
        "created_at",
        "first_response_at",
        "dispatched_at",
        "accepted_at",
        "started_at",
        "completed_at",
        "closed_at",
        "cancelled_at",
        "cancel_reason",
        "due_at",
        "response_due_at",
        "technician_id",
        "advisor_id",
        "dispatcher_id",
        "difficulty",
        "labor_amount",
        "parts_cost",
        "travel_cost",
        "resolution",
        "visits",
        "rework_of_id",
        "created",
        "modified",
    ),
    "workorders.WorkOrderEvent": (
        "id",
        "work_order_id",
        "action",
        "from_state",
        "to_state",
        "actor_id",
        "at",
        "latitude",
        "longitude",
        "note",
    ),
    "workorders.LabourLine": ("id", "work_order_id", "technician_id", "standard_hours", "clocked_hours"),
    "workorders.PartsLine": ("id", "work_order_id", "part_no", "name", "quantity", "unit_price"),
    "voice.SurveyResponse": (
        "id",
        "external_id",
        "work_order_id",
        "submitted_at",
        "overall",
        "attitude",
        "quality",
        "speed",
        "nps",
        "comment",
        "channel",
        "created",
        "modified",
        "answers",
        "language",
        "ip",
        "user_agent",
        "device",
        "opened_at",
        "flags",
        "review",
        "reviewed_by_id",
        "reviewed_at",
        "review_reason",
        "template_id",
    ),
    "voice.SurveyInvitation": (
        "id",
        "work_order_id",
        "sent_at",
        "channel",
        "response_id",
        "created",
        "modified",
        "template_id",
        "token",
        "state",
        "send_after",
        "expires_at",
        "opened_at",
        "reminded_at",
        "language",
        "recipient",
    ),
    "voice.FollowUpTask": (
        "id",
        "work_order_id",
        "reason",
        "state",
        "due_at",
        "next_try_at",
        "attempts",
        "assigned_to_id",
        "closed_at",
        "created",
        "modified",
    ),
    "voice.FollowUp": (
        "id",
        "external_id",
        "work_order_id",
        "agent_id",
        "called_at",
        "reached",
        "satisfied",
        "note",
        "created",
        "modified",
        "task_id",
        "issues",
        "complaint_id",
    ),
    "voice.Complaint": (
        "id",
        "external_id",
        "received_at",
        "work_order_id",
        "employee_id",
        "handler_id",
        "severity",
        "valid",
        "resolved_at",
        "satisfied_after",
        "created",
        "modified",
        "state",
        "source",
        "summary",
        "description",
        "due_at",
        "escalated_at",
        "escalation_level",
        "decision_reason",
        "resolution",
        "registered_by_id",
    ),
    "voice.ComplaintPerson": ("id", "complaint_id", "employee_id", "responsible"),
    "voice.ComplaintEvent": ("id", "complaint_id", "at", "by_id", "kind", "from_state", "to_state", "note"),
    "voice.Praise": (
        "id",
        "employee_id",
        "work_order_id",
        "kind",
        "received_at",
        "note",
        "created",
        "modified",
        "source",
        "recorded_by_id",
    ),
    "kpi.ManualRating": (
        "id",
        "employee_id",
        "period",
        "indicator",
        "reviewer_id",
        "rating",
        "comment",
        "created",
        "modified",
    ),
    "kpi.MetricFact": (
        "id",
        "indicator",
        "period",
        "value",
        "employee_id",
        "org_unit_id",
        "created",
        "modified",
        "note",
        "reference",
        "attachment",
    ),
}
# Trailing columns of COLUMNS that the generator leaves out: the writers append these
# values to every row (the fields' defaults; raw loads do not apply them).
CONSTANT_TAILS = {"kpi.MetricFact": ("", "", "")}


def model_of(label: str) -> type[models.Model]:
    return apps.get_model(label)


def _timestamp_positions(label: str) -> list[int]:
    model = model_of(label)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return [i for i, col in enumerate(COLUMNS[label]) if isinstance(fields[col], models.DateTimeField)]


def _json_positions(label: str) -> list[int]:
    """Columns of JSON fields: rows carry them as JSON text, which raw loads store as is."""
    fields = {f.attname: f for f in model_of(label)._meta.concrete_fields}
    return [i for i, col in enumerate(COLUMNS[label]) if isinstance(fields[col], models.JSONField)]


# --- wiping -------------------------------------------------------------------------------


def models_to_wipe() -> list[type[models.Model]]:
    """The demo's tables plus every project table that points at one of them (so nothing
    is left dangling), minus the migrations' seed tables and the user table."""
    wiped = {model_of(label) for label in DEMO_MODELS + ALSO_WIPED}
    project = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m.__module__.startswith("servicescore.")
        and m._meta.app_label not in ("core", "demo")
        and m._meta.label not in KEEP_MODELS
    ]
    grew = True
    while grew:
        grew = False
        for model in project:
            if model in wiped:
                continue
            if any(f.is_relation and f.related_model in wiped for f in model._meta.concrete_fields):
                wiped.add(model)
                grew = True
    return sorted(wiped, key=lambda m: m._meta.db_table)


def wipe(demo_usernames) -> dict:
    """Delete every row of the demo's tables and the demo's users. Returns rows deleted per table."""
    from servicescore.core.models import User

    employee_model = model_of("org.Employee")
    user_ids = set(employee_model.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    user_ids |= set(User.objects.filter(username__in=list(demo_usernames)).values_list("id", flat=True))
    targets = models_to_wipe()
    deleted = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in targets)
            # TRUNCATE refuses tables with deferred checks pending in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        else:
            for model in targets:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
                deleted[model._meta.label] = cursor.rowcount
    if user_ids:
        ids = sorted(user_ids)
        for start in range(0, len(ids), 500):
            User.objects.filter(pk__in=ids[start : start + 500]).delete()
    return deleted


def reset_sequences():
    """After explicit ids, let PostgreSQL's sequences continue above them."""
    if connection.vendor != "postgresql":
        return
    statements = connection.ops.sequence_reset_sql(no_style(), [model_of(label) for label in DEMO_MODELS])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


# --- writers ------------------------------------------------------------------------------


class Writer(ABC):
    """Counts what it writes; subclasses know how."""

    def __init__(self):
        self.counts: dict[str, int] = defaultdict(int)
        self._ts = {label: _timestamp_positions(label) for label in COLUMNS}

    def write(self, label: str, rows: list[tuple]):
        if rows:
            tail = CONSTANT_TAILS.get(label)
            if tail:
                rows = [row + tail for row in rows]
            self._write(label, rows)
            self.counts[label] += len(rows)

    def write_all(self, batch: dict[str, list[tuple]]):
        for label in DEMO_MODELS:
            rows = batch.get(label)
            if rows:
                self.write(label, rows)

    @abstractmethod
    def _write(self, label, rows):
        """Write one batch of rows of the model `label`."""

    def before_transaction(self):  # noqa: B027 - an optional hook; most writers need nothing here
        pass

    def begin(self):  # noqa: B027 - an optional hook; most writers need nothing here
        pass

    def finish(self):  # noqa: B027 - an optional hook; most writers need nothing here
        pass

    def after_transaction(self):  # noqa: B027 - an optional hook; most writers need nothing here
        pass


class OrmWriter(Writer):
    """bulk_create of model instances: the ordinary path for a small demo."""

    BATCH_SIZE = 1_000

    def __init__(self):
        super().__init__()
        self._json: dict[str, list[int]] = {}

    def _write(self, label, rows):
        model = model_of(label)
        columns = COLUMNS[label]
        positions = self._ts[label]
        texts = self._json.setdefault(label, _json_positions(label))
        objs = []
        for row in rows:
            if positions or texts:
                row = list(row)
                for i in positions:
                    if row[i] is not None:
                        row[i] = datetime.datetime.fromtimestamp(row[i], UTC)
                for i in texts:
                    row[i] = json.loads(row[i])
            objs.append(model(**dict(zip(columns, row, strict=True))))
        model.objects.bulk_create(objs, batch_size=self.BATCH_SIZE)


class _RawWriter(Writer):
    SUFFIX = ""

    def __init__(self):
        super().__init__()
        self.stamp = StampFormat(self.SUFFIX)

    def _convert(self, label, rows):
        positions = self._ts[label]
        if not positions:
            return rows
        # StampFormat inlined: this loop runs for every row of a large build.
        stamp = self.stamp
        days, times, prefix = stamp.days, stamp.times, stamp.prefix
        out = []
        for row in rows:
            row = list(row)
            for i in positions:
                ts = row[i]
                if ts is not None:
                    day, second = divmod(ts, DAY)
                    row[i] = (days.get(day) or prefix(day)) + times[second]
            out.append(row)
        return out


class SqliteWriter(_RawWriter):
    """executemany of tuples; secondary indexes are rebuilt once at the end.

    A transaction of millions of rows is slow in WAL mode (every page goes to the log, then
    again into the database), so the load runs with a rollback journal when no other
    connection holds the database, and WAL comes back afterwards.
    """

    journal_mode = None

    def before_transaction(self):
        if connection.in_atomic_block:  # inside a caller's transaction (tests): leave it be
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()[0]
            try:
                cursor.execute("PRAGMA journal_mode = DELETE")
            except OperationalError:  # another connection has the database open: stay in WAL
                return
            self.journal_mode = mode
            cursor.execute("PRAGMA synchronous = OFF")

    def after_transaction(self):
        if self.journal_mode is None:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA journal_mode = {self.journal_mode}")
            cursor.execute("PRAGMA synchronous = NORMAL")

    def begin(self):
        self.dropped = []
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
            for label in HEAVY_MODELS:
                table = model_of(label)._meta.db_table
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                    "AND sql IS NOT NULL",
                    [table],
                )
                for name, sql in cursor.fetchall():
                    self.dropped.append(sql)
                    cursor.execute(f'DROP INDEX "{name}"')

    def _write(self, label, rows):
        columns = COLUMNS[label]
        table = model_of(label)._meta.db_table
        sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
        # Django's cursor wrapper wants %s; the raw sqlite3 cursor takes ? and is faster.
        connection.connection.executemany(sql, self._convert(label, rows))

    def finish(self):
        with connection.cursor() as cursor:
            for sql in self.dropped:
                cursor.execute(sql)
            cursor.execute("PRAGMA cache_size = -2000")


class PostgresWriter(_RawWriter):
    """COPY … FROM STDIN; foreign keys, unique constraints and indexes are dropped for the
    load and recreated after it, which checks them once per table instead of once per row."""

    SUFFIX = "+00"

    def begin(self):
        self.constraints, self.indexes = [], []
        tables = [model_of(label)._meta.db_table for label in HEAVY_MODELS]
        with connection.cursor() as cursor:
            # Run the deferred checks of rows written earlier in this transaction, or ALTER
            # TABLE refuses to run ("pending trigger events").
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # Constraints of other tables pointing at the heavy ones first, so they can be dropped.
            cursor.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
                "FROM pg_constraint c WHERE c.contype IN ('f', 'u') AND "
                "(c.conrelid::regclass::text = ANY(%s) OR c.confrelid::regclass::text = ANY(%s)) "
                "ORDER BY c.contype",  # 'f' before 'u': foreign keys depend on unique indexes
                [tables, tables],
            )
            for table, name, definition in cursor.fetchall():
                self.constraints.append((table, name, definition))
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [tables],
            )
            for name, definition in cursor.fetchall():
                self.indexes.append(definition)
                cursor.execute(f"DROP INDEX {name}")

    def _write(self, label, rows):
        columns = COLUMNS[label]
        table = model_of(label)._meta.db_table
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                write_row = copy.write_row
                for row in self._convert(label, rows):
                    write_row(row)

    def finish(self):
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for definition in self.indexes:
                cursor.execute(definition)
            # Unique constraints before the foreign keys that need them.
            for table, name, definition in sorted(
                self.constraints, key=lambda c: not c[2].startswith("UNIQUE")
            ):
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            for label in HEAVY_MODELS:
                cursor.execute(f'ANALYZE "{model_of(label)._meta.db_table}"')

    def after_transaction(self):
        """VACUUM (outside the transaction) sets the visibility map of the freshly loaded
        tables, so index-only scans work at once instead of after autovacuum's first pass."""
        if connection.in_atomic_block:
            return  # inside a caller's transaction (tests): autovacuum will do it
        with connection.cursor() as cursor:
            for label in ("workorders.WorkOrder", "workorders.LabourLine"):
                cursor.execute(f'VACUUM (ANALYZE) "{model_of(label)._meta.db_table}"')


def writer_for(bulk: bool) -> Writer:
    if not bulk:
        return OrmWriter()
    if connection.vendor == "postgresql":
        return PostgresWriter()
    if connection.vendor == "sqlite":
        return SqliteWriter()
    return OrmWriter()
