"""`SecondConnection`: reads on a second connection only where that connection sees what this one
does; otherwise at once, here, with the same result."""

import threading

import pytest
from django.db import connection, transaction

from servicescore.core.second_connection import SecondConnection
from servicescore.org.models import OrgUnit

from ..factories import OrgUnitFactory


def backend_and_units():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        else:
            pid = None
    return pid, threading.current_thread(), OrgUnit.objects.count()


def fails():
    raise ValueError("the read failed")


@pytest.mark.django_db
def test_inside_a_larger_transaction_it_reads_at_once_on_this_connection():
    OrgUnitFactory()  # uncommitted: inside the test's transaction
    with transaction.atomic(), SecondConnection() as aside:
        assert not aside.parallel
        pid, thread, units = aside.submit(backend_and_units).result()
        assert (pid, thread, units) == backend_and_units()
        assert units == 1
        with pytest.raises(ValueError, match="the read failed"):
            aside.submit(fails).result()


@pytest.mark.django_db(transaction=True)
def test_outermost_on_postgresql_it_reads_on_a_second_connection(settings):
    if connection.vendor != "postgresql":
        with transaction.atomic(), SecondConnection() as aside:
            assert not aside.parallel  # SQLite: one connection
        return
    OrgUnitFactory()  # committed
    with transaction.atomic(), SecondConnection() as aside:
        assert aside.parallel
        pid, thread, units = aside.submit(backend_and_units).result()
        mine = backend_and_units()
        assert pid != mine[0] and thread is not mine[1]
        assert units == mine[2] == 1
        with pytest.raises(ValueError, match="the read failed"):
            aside.submit(fails).result()
    # and not when turned off
    settings.KPI_SECOND_CONNECTION = False
    with transaction.atomic(), SecondConnection() as aside:
        assert not aside.parallel


@pytest.mark.django_db(transaction=True)
def test_without_a_second_connection_it_reads_in_turn(monkeypatch, caplog):
    from django.db import OperationalError

    from servicescore.core import second_connection as module

    if connection.vendor != "postgresql":
        pytest.skip("SQLite never opens a second connection")

    def refused(alias):
        raise OperationalError("FATAL:  sorry, too many clients already")

    monkeypatch.setattr(module, "_open", refused)
    OrgUnitFactory()
    with transaction.atomic(), SecondConnection() as aside:
        assert not aside.parallel
        pid, thread, units = aside.submit(backend_and_units).result()
        assert (pid, thread, units) == backend_and_units()
    assert "too many clients" in caplog.text
