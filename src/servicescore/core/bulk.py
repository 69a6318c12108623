"""Bulk writers: many rows into one table without building model objects, with COPY on
PostgreSQL (binary where every column's type allows) and executemany on SQLite. Used by the
importer, the KPI engine and the audit trail."""

import datetime
import itertools
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import JSONField, Model
from django.utils import timezone


def fast_insert(model: type[Model], rows: list[dict]) -> None:
    """INSERT many rows given as {attname: value} dicts, skipping model instances.

    Building a model object and letting the ORM prepare every value costs more than the
    database's own work at a million rows, so this adapts values once per type and sends
    them with COPY (PostgreSQL) or executemany (SQLite). Unset fields take their model
    default; `created`/`modified` take now. Only for plain fields (no file uploads).
    """
    if not rows:
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        else:
            defaults[f.attname] = None if f.null else ("" if f.empty_strings_allowed else None)
    copy_rows(model, names, ([row[n] if n in row else defaults[n] for n in names] for row in rows))


def json_dumps(encoder=None) -> Callable[[Any], bytes | str]:
    """What `json.dumps(value, cls=encoder)` gives, through orjson (several times faster on
    a month of scorecards): types orjson does not know, and datetimes, go to the encoder's
    `default` as they would with json; what orjson refuses (e.g. non-string keys) falls
    back to json.dumps."""
    import orjson

    fallback = (encoder or json.JSONEncoder)().default
    options = orjson.OPT_PASSTHROUGH_DATETIME

    def dumps(value):
        try:
            return orjson.dumps(value, default=fallback, option=options)
        except orjson.JSONEncodeError:
            return json.dumps(value, cls=encoder)

    return dumps


def copy_rows(model: type[Model], names: list[str], rows: Iterable) -> int:
    """INSERT rows given as sequences of the fields named (attnames), in that order; the
    columns left out take their database default. `rows` may be a generator: on
    PostgreSQL each row goes into the COPY stream as it comes, so the database stores
    while the caller is still producing rows. Returns the number of rows."""
    from django.db import connection

    by_name = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_name[n] for n in names]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    if connection.vendor == "postgresql":
        from psycopg.types.json import Json, Jsonb

        json_columns = [
            (index, json_dumps(f.encoder), Json if f.db_type(connection) == "json" else Jsonb)
            for index, f in enumerate(fields)
            if isinstance(f, JSONField)
        ]
        types = _binary_types(fields, connection)
        binary = " (FORMAT BINARY)" if types else ""
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN{binary}") as copy:
                if types:
                    copy.set_types(types)
                for row in rows:
                    if json_columns:
                        row = list(row)
                        for index, dumps, wrapper in json_columns:
                            if row[index] is not None:
                                row[index] = wrapper(row[index], dumps)
                    copy.write_row(row)
                    count += 1
        return count
    adapters = [_sqlite_adapter(f) for f in fields]
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        rows = iter(rows)
        while batch := list(itertools.islice(rows, 20_000)):
            values = [[adapt(v) for v, adapt in zip(row, adapters, strict=True)] for row in batch]
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values)
            count += len(values)
    return count


# Column types as PostgreSQL names them → the binary COPY type psycopg dumps them as.
BINARY_TYPES = {
    "varchar": "text",
    "text": "text",
    "integer": "int4",
    "bigint": "int8",
    "smallint": "int2",
    "double precision": "float8",
    "numeric": "numeric",
    "timestamp with time zone": "timestamptz",
    "date": "date",
    "boolean": "bool",
    "jsonb": "jsonb",
    "json": "json",
}


def _binary_types(fields, connection) -> list[str] | None:
    """The binary COPY types of these columns, or None (then COPY sends text) when one has
    a type not listed. Binary skips text escaping: about three times faster to send."""
    types = []
    for f in fields:
        db_type = (f.db_type(connection) or "").split("(")[0].strip()
        if db_type not in BINARY_TYPES:
            return None
        types.append(BINARY_TYPES[db_type])
    return types


def _sqlite_adapter(field):
    """How Django's SQLite backend stores a value of this field, without the ORM."""
    from django.db import models

    if isinstance(field, models.DateTimeField):

        def adapt(value):
            if value is None:
                return None
            return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(sep=" ")

        return adapt
    if isinstance(field, models.DateField):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(field, models.DecimalField):
        return lambda value: None if value is None else str(value)
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else json.dumps(value, cls=field.encoder)
    return lambda value: value
