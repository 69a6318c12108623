"""The audit trail cannot be changed or deleted through the product: not in the admin (by an
auditor, HR or a superuser), not on the audit page, not through the API, not by the ORM, and on
PostgreSQL not even by SQL. (tests/core/test_audit.py proves that save(), delete(), update()
and the delete of a queryset refuse, and that PostgreSQL refuses an UPDATE.)"""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.urls import reverse

from servicescore.core.audit import audit_record
from servicescore.core.models import AuditEntry

from ..conftest import login
from ..factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")


@pytest.fixture
def audit_entry(network):
    return audit_record(actor=network.hr.user, action="update", obj=CustomerFactory(), reason="原因")


@pytest.fixture(params=["auditor", "hr", "superuser"])
def staff(request, network):
    """Each kind of user who reads the trail, with access to the admin."""
    if request.param == "superuser":
        return UserFactory(username="root", is_superuser=True, is_staff=True)
    user = getattr(network, request.param)
    user = getattr(user, "user", user)
    user.is_staff = True
    user.save()
    return user


def unchanged(entry) -> bool:
    stored = AuditEntry.objects.get(pk=entry.pk)
    return (stored.reason, stored.action, stored.object_repr) == (
        entry.reason,
        entry.action,
        entry.object_repr,
    )


def test_the_admin_change_page_refuses_a_post(client, staff, audit_entry):
    login(client, staff)
    url = reverse("admin:core_auditentry_change", args=[audit_entry.pk])
    assert client.get(url).status_code == 200  # readable...
    response = client.post(url, {"reason": "改写", "action": "create", "object_repr": "x"})
    assert response.status_code == 403  # ...not writable
    assert unchanged(audit_entry)


def test_the_admin_delete_page_is_refused(client, staff, audit_entry):
    login(client, staff)
    url = reverse("admin:core_auditentry_delete", args=[audit_entry.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=audit_entry.pk).exists()


def test_the_admin_list_offers_no_bulk_delete_and_ignores_a_forged_one(client, staff, audit_entry):
    login(client, staff)
    url = reverse("admin:core_auditentry_changelist")
    assert 'name="action"' not in client.get(url).content.decode()
    response = client.post(
        url,
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [audit_entry.pk], "post": "yes", "index": "0"},
    )
    assert response.status_code in (200, 403)
    assert AuditEntry.objects.filter(pk=audit_entry.pk).exists()


def test_the_admin_add_page_is_refused(client, staff, network):
    login(client, staff)
    url = reverse("admin:core_auditentry_add")
    before = AuditEntry.objects.count()
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "create", "object_repr": "伪造"}).status_code == 403
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("method", WRITE_METHODS)
@pytest.mark.parametrize("page", ["audit:list", "audit:export"])
def test_the_audit_pages_answer_no_write_method(client, staff, audit_entry, method, page):
    login(client, staff)
    response = getattr(client, method)(reverse(page), {"reason": "改写"})
    assert response.status_code == 405
    assert unchanged(audit_entry)


def test_no_api_route_writes_the_trail(network):
    schema = Client().get("/api/openapi.json").json()
    writes = [
        (path, method)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in WRITE_METHODS
    ]
    assert writes, "the API has write routes: the walk below must have something to check"
    for path, method in writes:
        operation = schema["paths"][path][method]
        named = f"{path} {operation.get('operationId', '')} {operation.get('requestBody', '')}".lower()
        assert "audit" not in named, f"{method.upper()} {path} writes the audit trail"


def test_bulk_update_cannot_rewrite_entries(audit_entry):
    audit_entry.reason = "改写"
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEntry.objects.bulk_update([audit_entry], ["reason"])
    audit_entry.reason = "原因"
    assert unchanged(audit_entry)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_delete_an_entry(audit_entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [audit_entry.pk])
    assert AuditEntry.objects.filter(pk=audit_entry.pk).exists()
