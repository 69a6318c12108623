"""DocumentJSONField: JSON written and read whole, stored as PostgreSQL `json`."""

import datetime

import pytest
from django.db import connection, models

from servicescore.appraisal.default_schemes import install_default_templates
from servicescore.appraisal.models import Scorecard, TemplateVersion

ITEMS = [{"indicator": "CSAT", "value": 82.5, "label": '满意度 "quoted"', "no_data": False, "k": None}]


@pytest.mark.django_db
def test_a_document_saved_by_the_orm_reads_back_equal(network):
    install_default_templates()
    version = TemplateVersion.objects.filter(status=TemplateVersion.Status.ACTIVE).first()
    card = Scorecard.objects.create(
        employee=network.tech,
        period="2026-10",
        version=version,
        items=ITEMS,
        computed_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )
    card.refresh_from_db()
    assert card.items == ITEMS
    assert Scorecard.objects.values_list("items", flat=True).get(pk=card.pk) == ITEMS
    Scorecard.objects.filter(pk=card.pk).update(items=[])
    card.refresh_from_db()
    assert card.items == []


@pytest.mark.django_db
def test_scorecard_items_are_plain_json_on_postgresql_and_jsonfield_text_elsewhere():
    field = Scorecard._meta.get_field("items")
    if connection.vendor != "postgresql":
        # SQLite stores every JSONField as text: the same column as a plain JSONField's.
        assert field.db_type(connection) == models.JSONField().db_type(connection)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT atttypid::regtype::text, attcompression FROM pg_attribute "
            "WHERE attrelid = 'kpi_scorecard'::regclass AND attname = 'items'"
        )
        kind, compression = cursor.fetchone()
    assert kind == field.db_type(connection) == "json"
    assert compression in ("l", "p")  # lz4 where the server has it (kpi 0009, appraisal 0004)
