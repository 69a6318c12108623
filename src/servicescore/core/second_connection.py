"""Reads on a second database connection while this one writes.

PostgreSQL runs each connection's statements on one core, one at a time. A KPI recompute
spends most of its time waiting for its own connection to write, while the machine's other
core is idle. Reads of data the writing transaction does not change (records committed
before it began, other days' stored components, other people's results) can run meanwhile
on a second connection, on that other core.

They only may when the second connection sees what the first one does: on PostgreSQL, and
when the calling transaction is the outermost one (an enclosing transaction could hold
uncommitted changes the second connection cannot see). Otherwise (SQLite, a recompute
called inside a larger transaction, most tests) `submit` runs the read at once, on this
connection, with the same result.

The caller guarantees that nothing else writes what the reads read meanwhile (the KPI
recompute holds its advisory lock).
"""

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import DatabaseError, connections, transaction

logger = logging.getLogger(__name__)


# These run on the worker thread, whose `connections[alias]` is its own.
def _open(alias: str) -> None:
    connections[alias].ensure_connection()


def _run(alias: str, function, args, kwargs):
    with transaction.atomic(using=alias):
        return function(*args, **kwargs)


def _close(alias: str) -> None:
    connections[alias].close()


class SecondConnection:
    """`with SecondConnection() as aside: future = aside.submit(function, *args)` — `function` runs on
    a second connection (in a thread, each call in a transaction of its own) when that is
    safe, else at once; `future.result()` gives its result or raises its exception.
    Leaving the block waits for what is still running and closes the second connection.
    `parallel` says which it is. When the second connection cannot be opened (e.g. the
    server's connection limit), the reads run in turn here, with a warning in the log."""

    def __init__(self, alias: str = "default"):
        self.alias = alias
        own = connections[alias]
        self.parallel = (
            settings.KPI_SECOND_CONNECTION and own.vendor == "postgresql" and len(own.atomic_blocks) <= 1
        )
        self._pool = None
        if self.parallel:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aside")
            try:
                self._pool.submit(_open, alias).result()
            except DatabaseError as error:
                logger.warning("no second database connection, reading in turn: %s", error)
                self.close()
                self.parallel = False

    def submit(self, function, *args, **kwargs) -> Future:
        if self._pool is not None:
            return self._pool.submit(_run, self.alias, function, args, kwargs)
        future: Future = Future()
        try:
            future.set_result(function(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - handed to whoever asks for the result
            future.set_exception(error)
        return future

    def close(self) -> None:
        if self._pool is not None:
            self._pool.submit(_close, self.alias)
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
