"""Model fields of our own."""

from django.db import models


class DocumentJSONField(models.JSONField):
    """A JSON document written whole and read whole, never queried inside: stored as
    PostgreSQL `json` (the text, syntax-checked) instead of `jsonb` (parsed into a binary
    tree on every write). A recompute rewrites ten thousand scorecards of a few KB each;
    `json` stores them in about half the server time (docs/performance.md). No `jsonb`
    lookups (`items__contains`…) on such a column. Elsewhere the same as JSONField."""

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        # psycopg parses `json` itself (Django has it hand over `jsonb` as text).
        if value is not None and not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor == "postgresql" and value is not None:
            from psycopg.types.json import Json

            from .bulk import json_dumps

            return Json(value, json_dumps(self.encoder))
        return super().get_db_prep_value(value, connection, prepared)
