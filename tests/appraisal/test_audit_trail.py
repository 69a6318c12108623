"""Every scheme service that changes a score-relevant record writes one audit entry in its
transaction (core/audit.py), beside the scheme's own timeline (TemplateChange); a refused
change writes neither."""

from decimal import Decimal

import pytest

from servicescore.appraisal.default_schemes import TEMPLATES
from servicescore.appraisal.models import Template, TemplateChange, TemplateItem, TemplateVersion
from servicescore.appraisal.services import schemes
from servicescore.core.errors import DomainError
from servicescore.core.models import AuditEntry

pytestmark = pytest.mark.django_db

ITEM = {"indicator": "CSAT", "weight": Decimal(100), "target": Decimal(95), "threshold": Decimal(70)}


@pytest.fixture
def hr(network):
    return network.hr.user


@pytest.fixture
def template(db):
    """A company-wide technician scheme, active version 1 (CSAT 100 %), and draft version 2."""
    template = Template.objects.create(code="TECH", name="技师方案", position="technician")
    for number, status in ((1, "active"), (2, "draft")):
        version = TemplateVersion.objects.create(template=template, number=number, status=status)
        TemplateItem.objects.create(version=version, **ITEM)
    return template


def draft(template):
    return template.versions.get(status="draft")


def the_entry(obj=None):
    """The one audit entry written (of `obj` when given)."""
    entries = list(AuditEntry.objects.all())
    assert len(entries) == 1, [(e.action, e.object_repr) for e in entries]
    entry = entries[0]
    if obj is not None:
        assert (entry.content_type.model_class(), entry.object_id) == (type(obj), str(obj.pk))
    return entry


def test_creating_a_scheme_is_audited_with_its_settings(network, hr):
    version = schemes.create_template(code="NEW", name="新方案", position="dispatcher", by=hr)
    entry = the_entry(version.template)
    assert (entry.action, entry.actor) == ("create", hr)
    assert entry.changes["code"] == [None, "NEW"] and entry.changes["position"] == [None, "dispatcher"]


def test_changing_settings_is_audited_old_to_new(network, hr, template):
    schemes.change_settings(template, name="技师方案 2027", rationale="why", by=hr)
    entry = the_entry(template)
    assert entry.action == "update"
    assert entry.changes == {"name": ["技师方案", "技师方案 2027"], "rationale": ["", "why"]}


def test_starting_a_draft_is_audited_on_the_new_version(network, hr, template):
    draft(template).delete()
    new = schemes.start_draft(template, by=hr)
    entry = the_entry(new)
    assert entry.action == "start_draft"
    assert entry.changes == {"number": [None, 2], "copied_from": [None, 1]}


def test_saving_a_draft_is_audited_with_the_items_before_and_after(network, hr, template):
    version = draft(template)
    items = [{**ITEM, "weight": Decimal(60)}, {**ITEM, "indicator": "FTFR", "weight": Decimal(40)}]
    schemes.save_draft(version, items=items, grade_bands=version.grade_bands, note="split", by=hr)
    entry = the_entry(version)
    assert entry.action == "save_draft"
    before, after = entry.changes["items"]
    assert [(i["indicator"], i["weight"]) for i in before] == [("CSAT", 100)]
    assert [(i["indicator"], i["weight"]) for i in after] == [("CSAT", 60), ("FTFR", 40)]
    assert entry.changes["note"] == ["", "split"] and "grade_bands" not in entry.changes


def test_adding_an_item_is_audited(network, hr, template):
    version = draft(template)
    item = schemes.add_item(version, by=hr, indicator="PRAISE_COUNT", kind="bonus", points_per_unit=2)
    entry = the_entry(version)
    assert entry.action == "add_item"
    assert entry.changes["item"][0] is None and entry.changes["item"][1]["id"] == item.pk


def test_removing_an_item_is_audited(network, hr, template):
    version = draft(template)
    item = version.items.get()
    schemes.remove_item(version, item.pk, by=hr)
    entry = the_entry(version)
    assert entry.action == "remove_item"
    assert entry.changes["item"][0]["indicator"] == "CSAT" and entry.changes["item"][1] is None


def test_activating_is_audited_with_the_version_it_replaces(network, hr, template):
    version = draft(template)
    schemes.activate(version, by=hr)
    entry = the_entry(version)
    assert entry.action == "activate"
    assert entry.changes == {"status": ["draft", "active"], "replaced_version": [1, None]}


def test_retiring_is_audited(network, hr, template):
    active = template.versions.get(status="active")
    schemes.retire(active, by=hr)
    entry = the_entry(active)
    assert (entry.action, entry.changes) == ("retire", {"status": ["active", "retired"]})


def test_discarding_a_draft_is_audited_and_outlives_it(network, hr, template):
    version = draft(template)
    pk = version.pk
    schemes.discard_draft(version, by=hr)
    entry = the_entry()
    assert (entry.action, entry.object_id) == ("discard", str(pk))
    assert entry.changes == {"status": ["draft", None], "number": [2, None]}


def test_installing_the_defaults_audits_each_scheme_created(network, hr):
    created = schemes.install_defaults(by=hr)
    entries = AuditEntry.objects.filter(action="install_default")
    assert len(created) == len(TEMPLATES) == entries.count() == AuditEntry.objects.count()
    assert {entry.object_id for entry in entries} == {str(t.pk) for t in created}


def test_a_refused_change_writes_no_audit_entry_and_no_timeline_row(network, template):
    with pytest.raises(DomainError):
        schemes.change_settings(template, name="改名", rationale="", by=network.manager.user)
    with pytest.raises(DomainError):
        schemes.save_and_activate(
            draft(template),
            items=[{**ITEM, "weight": Decimal("99.5")}],
            grade_bands=draft(template).grade_bands,
        )
    assert not AuditEntry.objects.exists()
    assert not TemplateChange.objects.exists()
