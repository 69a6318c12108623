"""The scheme services refuse with core.errors: the kind gives the status (invalid 422,
refused 403, not found 404, conflict 409), each problem keeps a stable code and the
field to blame, and the sentences are the ones the pages always showed."""

from decimal import Decimal

import pytest
from django.utils import translation

from servicescore.appraisal.models import Template, TemplateItem, TemplateVersion
from servicescore.appraisal.services import schemes
from servicescore.core.errors import Conflict, Invalid, NotFound, Refused, status_of

pytestmark = pytest.mark.django_db

ITEM = {"indicator": "CSAT", "weight": Decimal(100), "target": Decimal(95), "threshold": Decimal(70)}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def template(db):
    """A company-wide technician scheme: active version 1 and draft version 2 (CSAT 100 %)."""
    template = Template.objects.create(code="TECH", name="技师方案", position="technician")
    for number, status in ((1, "active"), (2, "draft")):
        version = TemplateVersion.objects.create(template=template, number=number, status=status)
        TemplateItem.objects.create(version=version, **ITEM)
    return template


def codes(error):
    return [(item["code"], item["field"]) for item in error.items()]


def test_weights_off_100_are_invalid_with_the_code_weight_sum(network, template):
    draft = template.versions.get(status="draft")
    with pytest.raises(Invalid) as refused:
        schemes.save_and_activate(
            draft, items=[{**ITEM, "weight": Decimal("99.5")}], grade_bands=draft.grade_bands
        )
    assert status_of(refused.value) == 422
    assert codes(refused.value) == [("weight_sum", "weight")]
    assert refused.value.message_text == "The weights sum to 99.5; they must sum to exactly 100."


def test_a_bad_item_names_its_row_and_field(network, template):
    draft = template.versions.get(status="draft")
    with pytest.raises(Invalid) as refused:
        schemes.save_draft(
            draft,
            items=[ITEM, {**ITEM, "indicator": "FTFR", "target": 60, "threshold": 90}],
            grade_bands=draft.grade_bands,
        )
    assert codes(refused.value) == [("threshold_wrong_side", "items.1.threshold")]
    assert refused.value.problems[0].item == 1


def test_a_manager_changing_a_company_wide_scheme_is_refused(network, template):
    with pytest.raises(Refused) as refused:
        schemes.change_settings(template, name="改名", rationale="", by=network.manager.user)
    assert status_of(refused.value) == 403
    assert codes(refused.value) == [("company_wide_scheme", "org_unit")]


def test_a_draft_saved_meanwhile_is_a_conflict(network, template):
    draft = template.versions.get(status="draft")
    with pytest.raises(Conflict) as refused:
        schemes.save_draft(draft, items=[ITEM], grade_bands=draft.grade_bands, expected_stamp="then")
    assert status_of(refused.value) == 409
    assert codes(refused.value) == [("draft_changed", "version")]


def test_editing_an_active_version_is_a_conflict(network, template):
    active = template.versions.get(status="active")
    with pytest.raises(Conflict) as refused:
        schemes.add_item(active, **ITEM)
    assert codes(refused.value) == [("version_not_draft", "status")]
    assert "only drafts can be edited" in refused.value.message_text


def test_retiring_a_draft_is_a_conflict(network, template):
    with pytest.raises(Conflict) as refused:
        schemes.retire(template.versions.get(status="draft"), by=network.hr.user)
    assert codes(refused.value) == [("version_not_active", "status")]


def test_removing_an_item_of_another_version_is_not_found(network, template):
    draft, active = template.versions.get(status="draft"), template.versions.get(status="active")
    with pytest.raises(NotFound) as refused:
        schemes.remove_item(draft, active.items.get().pk)
    assert (status_of(refused.value), codes(refused.value)) == (404, [("item_not_found", "item")])
