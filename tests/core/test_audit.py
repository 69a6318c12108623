"""The audit trail: append-only, with the request id and channel of what made the change."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from servicescore.core.audit import audit_context, audit_record, diff, history_of, snapshot
from servicescore.core.models import AuditEntry
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_it_records_who_what_and_old_to_new(network):
    customer = CustomerFactory(name="张三", phone="13800001111")
    before = snapshot(customer, ["name", "phone"])
    customer.name = "张四"
    entry = audit_record(
        actor=network.hr.user,
        action="update",
        obj=customer,
        changes=diff(before, snapshot(customer, ["name", "phone"])),
        reason="typo",
    )
    assert entry.actor_name == network.hr.user.username
    assert entry.changes == {"name": ["张三", "张四"]}
    assert list(history_of(customer)) == [entry]


def test_it_carries_the_request_id_and_channel_of_the_context(network):
    customer = CustomerFactory()
    with audit_context(request_id="req-12345678", channel="import"):
        entry = audit_record(actor=None, action="create", obj=customer)
    assert (entry.request_id, entry.channel, entry.actor_id) == ("req-12345678", "import", None)


def test_an_entry_cannot_be_changed_or_deleted(network):
    entry = audit_record(actor=network.hr.user, action="create", obj=CustomerFactory())
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_rewrite_an_entry(network):
    entry = audit_record(actor=network.hr.user, action="create", obj=CustomerFactory())
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_auditentry SET reason = 'x' WHERE id = %s", [entry.pk])


def test_every_response_carries_a_request_id(client, network):
    response = client.get("/login/")
    assert len(response["X-Request-ID"]) == 32
    forwarded = client.get("/login/", HTTP_X_REQUEST_ID="nginx-abcdef123456")
    assert forwarded["X-Request-ID"] == "nginx-abcdef123456"
    garbage = client.get("/login/", HTTP_X_REQUEST_ID="<script>")
    assert garbage["X-Request-ID"] != "<script>"
