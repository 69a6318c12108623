"""An import keeps SQLite's single write lock only while it writes: the file is read and
checked first, with reads only, so log-ins and saves go on meanwhile. Above
SQLITE_IMPORT_MAX_ROWS the upload page and the API refuse the file on SQLite, since even
its writing would keep everyone waiting. All or nothing still holds. (PostgreSQL locks
rows, not the database: there the rows are checked once, in the write transaction.)"""

import sqlite3
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from servicescore.exchange.importer import run_import
from servicescore.exchange.kinds.workorders import WorkOrders
from servicescore.exchange.tables import Table
from servicescore.org.models import OrgUnit
from servicescore.workorders.models import WorkOrder

from ..conftest import login

HEADER = ["external_id", "service_center", "type", "created_at"]


def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's database-wide write lock")


def may_write_now() -> bool:
    """Whether another connection gets the write lock within half a second."""
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0.5, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def orders(count: int, *, while_reading=None):
    """A table of `count` work orders; `while_reading()` runs after the first row is read."""

    def rows():
        for n in range(count):
            yield n + 2, [f"L-{n}", "SC1", "repair", "2026-10-05T10:00:00+08:00"]
            if n == 0 and while_reading:
                while_reading()

    return Table(list(HEADER), rows())


@pytest.mark.django_db(transaction=True)
def test_other_writers_are_not_kept_waiting_while_the_file_is_read_and_checked(network):
    sqlite_only()
    seen = []
    report = run_import("work_orders", orders(3, while_reading=lambda: seen.append(may_write_now())))
    assert report.ok, report.errors
    assert seen == [True]
    assert WorkOrder.objects.count() == 3


def test_a_bad_file_never_opens_a_write_transaction(network, monkeypatch):
    sqlite_only()  # PostgreSQL checks once, in the write transaction (it locks rows only)
    from django.db import transaction

    atomics = []
    real = transaction.atomic
    monkeypatch.setattr(transaction, "atomic", lambda *a, **k: atomics.append(1) or real(*a, **k))
    table = Table(list(HEADER), iter([(2, ["L-1", "SC1", "repair", "not-a-time"])]))
    report = run_import("work_orders", table)
    assert not report.ok and atomics == []


@pytest.mark.django_db(transaction=True)
def test_a_record_changed_after_the_file_was_checked_is_checked_again_before_writing(network, monkeypatch):
    sqlite_only()  # on PostgreSQL the only check is the one under the transaction

    # The file is checked without the lock; what it names is looked up again under the
    # lock, so a service centre renamed in between is reported, not written to.
    def rename_in_another_connection():
        def rename():
            OrgUnit.objects.filter(code="SC1").update(code="SC1-OLD")
            connection.close()

        thread = threading.Thread(target=rename)
        thread.start()
        thread.join()

    real_check = WorkOrders.check

    def check_then_rename(self, rows, context):
        real_check(self, rows, context)
        if not getattr(self, "renamed", False):
            self.renamed = True
            rename_in_another_connection()

    monkeypatch.setattr(WorkOrders, "check", check_then_rename)
    report = run_import("work_orders", orders(3))
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "service_center"),
        (3, "service_center"),
        (4, "service_center"),
    ]
    assert "unknown org unit code SC1" in report.errors[0].message
    assert not WorkOrder.objects.exists()


def post_orders(client, count):
    text = ",".join(HEADER) + "\n" + "".join(f"P-{n},SC1,repair,2026-10-05T10:00:00\n" for n in range(count))
    upload = SimpleUploadedFile("orders.csv", text.encode())
    return client.post(
        reverse("exchange:upload"), {"kind": "work_orders", "file": upload}, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_on_sqlite_the_upload_page_refuses_a_file_over_the_row_limit_with_advice(client, network, settings):
    sqlite_only()
    settings.SQLITE_IMPORT_MAX_ROWS = 3
    login(client, network.hr)
    report = post_orders(client, 5).context["report"]
    assert [(e.row, e.column) for e in report.errors] == [(5, "")]
    message = report.errors[0].message
    assert "more than 3 rows" in message and "PostgreSQL" in message
    assert not WorkOrder.objects.exists()


def test_a_file_at_the_row_limit_is_imported(client, network, settings):
    settings.SQLITE_IMPORT_MAX_ROWS = 3
    login(client, network.hr)
    assert post_orders(client, 3).context["report"].created == 3


def test_the_command_line_is_not_held_to_the_row_limit(runner, settings):
    settings.SQLITE_IMPORT_MAX_ROWS = 1
    code, report = runner.run(
        "org_units", runner.file("u.csv", "code,name,kind,parent_code\nA,A,company,\nB,B,region,A\n")
    )
    assert (code, report["created"]) == (0, 2)


def test_on_postgresql_the_row_limit_does_not_apply(client, network, settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL locks rows, not the database")
    settings.SQLITE_IMPORT_MAX_ROWS = 3
    login(client, network.hr)
    assert post_orders(client, 5).context["report"].created == 5
