"""`field__anyof=ids`: membership in a long list of ids as one query parameter.

`field__in` spells every id out as its own parameter; at thousands of ids Django and
psycopg spend longer building and splitting the SQL than PostgreSQL spends running it.
On PostgreSQL this sends `field = ANY(%s)` with the ids as one array; elsewhere it is the
plain IN list. Registered on every field (and foreign key) by `CoreConfig.ready`.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Lookup


class AnyOf(Lookup):
    lookup_name = "anyof"
    prepare_rhs = False

    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression"):
            raise TypeError("__anyof takes a collection of ids; use __in for a queryset")
        return [value.pk if hasattr(value, "pk") else value for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = list(self.rhs)
        if not ids:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, ids]
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*lhs_params, *ids]
