"""Company-wide appraisal templates are changed only by company-wide roles (HR and
administrators): every template service refuses a centre manager — rename, a new draft,
saving items, activating, retiring, discarding, installing the defaults — and the pages
show him such a template read-only and answer 403 to a write. A template that applies
within his own centre stays his to edit."""

import pytest
from django.urls import reverse
from django.utils import translation

from servicescore.appraisal.models import Template, TemplateChange, TemplateItem, TemplateVersion
from servicescore.appraisal.services import schemes
from servicescore.core.errors import DomainError

from ..conftest import login

pytestmark = pytest.mark.django_db

ITEM = {"indicator": "CSAT", "weight": 100, "target": 95, "threshold": 70}


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def company_template(db):
    """A company-wide technician template: version 1 active, version 2 a draft."""
    template = Template.objects.create(code="TECH", name="技师方案", position="technician")
    active = TemplateVersion.objects.create(template=template, number=1, status="active")
    TemplateItem.objects.create(version=active, indicator="CSAT", weight=100, target=95, threshold=70)
    draft = TemplateVersion.objects.create(template=template, number=2)
    TemplateItem.objects.create(version=draft, indicator="CSAT", weight=100, target=95, threshold=70)
    return template


def active(template):
    return template.versions.get(status="active")


def draft(template):
    return template.versions.get(status="draft")


def refused(call):
    """The call raises DomainError naming the whole company, and writes no history."""
    before = TemplateChange.objects.count()
    with pytest.raises(DomainError) as error:
        call()
    assert "whole company" in str(error.value)
    assert TemplateChange.objects.count() == before


def test_manager_cannot_rename_a_company_wide_template(network, company_template):
    manager = network.manager.user
    refused(lambda: schemes.change_settings(company_template, name="改名", rationale="", by=manager))
    company_template.refresh_from_db()
    assert company_template.name == "技师方案"


def test_manager_cannot_start_a_draft_of_a_company_wide_template(network, company_template):
    draft(company_template).delete()
    refused(lambda: schemes.start_draft(company_template, by=network.manager.user))
    assert not company_template.versions.filter(status="draft").exists()


def test_manager_cannot_save_a_company_wide_draft(network, company_template):
    version = draft(company_template)
    refused(
        lambda: schemes.save_draft(
            version, items=[ITEM], grade_bands=version.grade_bands, by=network.manager.user
        )
    )


def test_manager_cannot_add_or_remove_items_of_a_company_wide_draft(network, company_template):
    version = draft(company_template)
    manager = network.manager.user
    refused(lambda: schemes.add_item(version, by=manager, **{**ITEM, "indicator": "FTFR"}))
    refused(lambda: schemes.remove_item(version, version.items.get().pk, by=manager))
    assert version.items.count() == 1


def test_manager_cannot_activate_a_company_wide_draft(network, company_template):
    version = draft(company_template)
    refused(lambda: schemes.activate(version, by=network.manager.user))
    refused(
        lambda: schemes.save_and_activate(
            version, items=[ITEM], grade_bands=version.grade_bands, by=network.manager.user
        )
    )
    assert active(company_template).number == 1


def test_manager_cannot_retire_the_company_wide_active_version(network, company_template):
    refused(lambda: schemes.retire(active(company_template), by=network.manager.user))
    assert active(company_template).number == 1


def test_manager_cannot_discard_a_company_wide_draft(network, company_template):
    version = draft(company_template)
    refused(lambda: schemes.discard_draft(version, by=network.manager.user))
    assert TemplateVersion.objects.filter(pk=version.pk).exists()


def test_manager_cannot_install_the_default_templates(network):
    refused(lambda: schemes.install_defaults(by=network.manager.user))
    assert not Template.objects.exists()


def test_manager_cannot_create_a_company_wide_template_through_the_service(network):
    refused(
        lambda: schemes.create_template(code="X", name="x", position="technician", by=network.manager.user)
    )
    assert not Template.objects.exists()


def test_hr_acts_on_company_wide_templates(network, company_template):
    hr = network.hr.user
    schemes.change_settings(company_template, name="技师方案 2027", rationale="", by=hr)
    version = draft(company_template)
    version = schemes.save_draft(version, items=[ITEM], grade_bands=version.grade_bands, by=hr)
    schemes.activate(version, by=hr)
    assert active(company_template).number == 2
    schemes.retire(active(company_template), by=hr)
    assert not company_template.versions.filter(status="active").exists()
    assert schemes.install_defaults(by=hr)


def test_manager_still_edits_a_template_of_his_centre(network):
    template = Template.objects.create(
        code="SC1-TECH", name="浦东技师", position="technician", org_unit=network.sc1
    )
    manager = network.manager.user
    version = schemes.start_draft(template, by=manager)
    version = schemes.save_draft(version, items=[ITEM], grade_bands=version.grade_bands, by=manager)
    schemes.activate(version, by=manager)
    schemes.retire(active(template), by=manager)
    assert template.versions.get().status == "retired"


# --- the pages -------------------------------------------------------------------------------


def test_manager_gets_403_on_every_page_that_writes_a_company_wide_template(
    client, network, company_template
):
    login(client, network.manager)
    version, current = draft(company_template), active(company_template)
    writes = [
        reverse("kpi_templates:template", args=[company_template.pk]),
        reverse("kpi_templates:draft", args=[company_template.pk]),
        reverse("kpi_templates:version", args=[version.pk]),
        reverse("kpi_templates:discard", args=[version.pk]),
        reverse("kpi_templates:retire", args=[current.pk]),
        reverse("kpi_templates:install_defaults"),
    ]
    for url in writes:
        assert client.post(url, {"name": "改名", "rationale": ""}).status_code == 403, url
    company_template.refresh_from_db()
    assert company_template.name == "技师方案"
    assert (active(company_template).pk, draft(company_template).pk) == (current.pk, version.pk)
    assert Template.objects.count() == 1


def test_manager_sees_a_company_wide_template_read_only(client, network, company_template):
    login(client, network.manager)
    page = client.get(reverse("kpi_templates:template", args=[company_template.pk])).content.decode()
    assert "data-read-only" in page and "only HR and administrators" in page
    assert "data-settings-form" not in page and 'data-action="retire"' not in page
    assert 'data-action="edit"' not in page
    editor = client.get(reverse("kpi_templates:version", args=[draft(company_template).pk])).content.decode()
    assert "items-TOTAL_FORMS" not in editor


def test_manager_is_not_offered_the_defaults_nor_edit_buttons_of_company_wide_templates(
    client, network, company_template
):
    login(client, network.manager)
    page = client.get(reverse("kpi_templates:list")).content.decode()
    assert "data-missing-defaults" not in page
    assert 'data-action="edit"' not in page
    assert 'data-action="new-template"' in page  # he may still create one for his centre


def test_hr_is_offered_the_defaults_and_the_edit_buttons(client, network, company_template):
    login(client, network.hr)
    page = client.get(reverse("kpi_templates:list")).content.decode()
    assert "data-missing-defaults" in page and 'data-action="edit"' in page
    detail = client.get(reverse("kpi_templates:template", args=[company_template.pk])).content.decode()
    assert "data-settings-form" in detail and 'data-action="retire"' in detail
