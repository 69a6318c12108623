"""A real Celery worker on Redis for the tests that need one (scripts/services-up.sh redis
starts Redis; without it the test is skipped)."""

import logging
import socket
from contextlib import contextmanager

import pytest

from servicescore.celery import app


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def _reset_connections():
    # Earlier tests may have built the app's connection pools for the default broker.
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@contextmanager
def worker_on_redis(redis_url: str, *, purge: bool = False):
    """A solo worker with `redis_url` as broker and result backend, for the block. The app's
    settings and the root logger are put back afterwards: the worker sets the root logger's
    level to ERROR, which would hide later tests' warnings from caplog."""
    if not redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (bash scripts/services-up.sh redis)")
    from celery.contrib.testing.worker import start_worker

    root = logging.getLogger()
    saved_logging = (root.level, list(root.handlers))
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    _reset_connections()
    if purge:
        # Tasks left by an interrupted run name records of another test database.
        app.control.purge()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        app.conf.update(saved)
        _reset_connections()
        root.setLevel(saved_logging[0])
        root.handlers[:] = saved_logging[1]
