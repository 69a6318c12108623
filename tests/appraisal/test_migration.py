"""The appraisal models moved out of kpi without touching their tables (appraisal 0001, kpi
0010): a database holding schemes, scorecards, their history and audit entries before the
move reads the same after it, through the new models, with the content types (and so the
permissions and audit entries) pointing at appraisal — and back again when reversed."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from servicescore.appraisal.models import Scorecard, Template, TemplateChange, TemplateItem, TemplateVersion
from servicescore.core.audit import history_of

BEFORE = [("kpi", "0009_scorecard_items_lz4"), ("appraisal", None)]
MOVED = ["template", "templateversion", "templateitem", "templatechange", "scorecard"]


def migrate(targets):
    """Migrate to `targets`; the models of every app as they are then."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    applied = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in ("kpi", "appraisal")]
    applied += [(app, name) for app, name in targets if name is not None]
    return executor.loader.project_state(applied).apps


def leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before_the_move(transactional_db):
    """The database as kpi 0009 left it; migrated forward again whatever the test did."""
    old = migrate(BEFORE)
    try:
        yield old
    finally:
        migrate(leaves())
        ContentType.objects.clear_cache()


def write_old_rows(old, network):
    """A scheme, a version, an item, a change, a scorecard and an audit entry, written
    with the models as they were before the move."""
    at = datetime.datetime(2026, 10, 31, 12, tzinfo=datetime.UTC)
    template = old.get_model("kpi", "Template").objects.create(
        code="OLD", name="旧方案", position="technician"
    )
    version = old.get_model("kpi", "TemplateVersion").objects.create(
        template=template, number=1, status="active"
    )
    old.get_model("kpi", "TemplateItem").objects.create(
        version=version, indicator="CSAT", weight=Decimal(100), target=Decimal(95), threshold=Decimal(70)
    )
    old.get_model("kpi", "TemplateChange").objects.create(
        template=template, version=version, action="created"
    )
    old.get_model("kpi", "Scorecard").objects.create(
        employee_id=network.tech.pk,
        period="2026-10",
        version=version,
        final_score=88.5,
        grade="A",
        computed_at=at,
    )
    content_type = old.get_model("contenttypes", "ContentType").objects.get(app_label="kpi", model="template")
    old.get_model("core", "AuditEntry").objects.create(
        action="create", content_type=content_type, object_id=str(template.pk), object_repr="旧方案"
    )
    return template.pk, content_type.pk


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_read_the_same_through_the_appraisal_models(network, before_the_move):
    template_pk, content_type_pk = write_old_rows(before_the_move, network)
    migrate(leaves())
    ContentType.objects.clear_cache()
    template = Template.objects.get(pk=template_pk)
    version = TemplateVersion.objects.get(template=template)
    assert (template.code, version.number, version.status) == ("OLD", 1, "active")
    assert TemplateItem.objects.get(version=version).weight == Decimal(100)
    assert TemplateChange.objects.get(template=template).action == "created"
    card = Scorecard.objects.get(employee=network.tech, period="2026-10")
    assert (card.version, card.final_score, card.grade) == (version, 88.5, "A")
    assert ContentType.objects.get_for_model(Template).pk == content_type_pk
    assert [entry.object_repr for entry in history_of(template)] == ["旧方案"]


@pytest.mark.django_db(transaction=True)
def test_the_content_types_and_permissions_move_to_appraisal_and_back(network, before_the_move):
    old_ids = dict(ContentType.objects.filter(app_label="kpi", model__in=MOVED).values_list("model", "pk"))
    assert sorted(old_ids) == sorted(MOVED)
    migrate(leaves())
    moved = dict(
        ContentType.objects.filter(app_label="appraisal", model__in=MOVED).values_list("model", "pk")
    )
    assert moved == old_ids
    assert not ContentType.objects.filter(app_label="kpi", model__in=MOVED).exists()
    view = Permission.objects.get(codename="view_scorecard")
    assert view.content_type.app_label == "appraisal"
    migrate(BEFORE)
    back = dict(ContentType.objects.filter(app_label="kpi", model__in=MOVED).values_list("model", "pk"))
    assert back == old_ids
