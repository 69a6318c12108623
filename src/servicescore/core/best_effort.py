"""Writes a request can do without (an API log row, a token's last-used time): they must
never fail or stall the request they describe."""

import logging
from collections.abc import Callable
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger("servicescore")

# How long such a write waits for SQLite's write lock (ms); the connection otherwise waits
# its full timeout (20 s) behind an import that holds the lock for its whole transaction.
SQLITE_LOCK_WAIT_MS = 200


def best_effort_write(what: str, write: Callable[[], object], log: logging.Logger = logger) -> bool:
    """Run `write` in its own transaction (a savepoint inside the caller's), and on a database
    error (SQLite "database is locked", a full disk) log a warning and go on; True if written."""
    try:
        with _brief_sqlite_lock_wait(), transaction.atomic():
            write()
    except DatabaseError as error:
        log.warning("%s not written: %s", what, error)
        return False
    return True


@contextmanager
def _brief_sqlite_lock_wait():
    # Inside a transaction that already writes, the lock is ours: nothing to wait for.
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    full_wait_ms = int(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5) * 1000)
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_LOCK_WAIT_MS}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {full_wait_ms}")
