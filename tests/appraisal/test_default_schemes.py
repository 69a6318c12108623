"""The default schemes: every position the product knows has an active one, ready to use
(weights sum to 100, nothing the editor would refuse); team leads and service managers are
scored on their unit's results; installing adds the missing ones to an existing database."""

import pytest

from servicescore.appraisal.default_schemes import TEMPLATES, install_default_templates
from servicescore.appraisal.models import Template, TemplateVersion
from servicescore.appraisal.scoring import problems
from servicescore.appraisal.services import schemes
from servicescore.kpi.catalog import catalog
from servicescore.org.models import Position

pytestmark = pytest.mark.django_db


def test_every_position_has_an_active_company_wide_default_scheme():
    install_default_templates()
    active = TemplateVersion.objects.filter(status="active", template__org_unit=None)
    assert sorted(active.values_list("template__position", flat=True)) == sorted(Position.values)


def test_every_default_scheme_weighs_100_and_has_no_problems():
    install_default_templates()
    indicators = catalog()
    for version in TemplateVersion.objects.select_related("template").prefetch_related("items"):
        items = list(version.items.all())
        assert version.weight_sum == 100, version.template.code
        assert problems(items, version.grade_bands, indicators) == [], version.template.code


def test_team_leads_and_service_managers_are_scored_on_their_unit():
    install_default_templates()
    subjects = dict(Template.objects.values_list("position", "subject").filter(versions__status="active"))
    assert subjects["foreman"] == subjects["service_manager"] == "unit"
    assert subjects["hr"] == subjects["technician"] == "own"


def test_unit_schemes_do_not_shrink():
    install_default_templates()
    shrunk = TemplateVersion.objects.filter(template__subject="unit", items__shrink_k__isnull=False)
    assert not shrunk.exists()


def test_installing_adds_only_the_missing_schemes_to_an_existing_database():
    install_default_templates()
    Template.objects.filter(code__in=["TEAM-LEAD", "HR"]).delete()
    created = schemes.install_defaults(by=None)
    assert sorted(t.code for t in created) == ["HR", "TEAM-LEAD"]
    assert Template.objects.count() == len(TEMPLATES)
    assert Template.objects.get(code="TEAM-LEAD").versions.get().status == "active"
    assert schemes.install_defaults(by=None) == []


def test_a_new_default_does_not_displace_a_scheme_the_company_made_for_the_position():
    own = Template.objects.create(code="MY-HR", name="人事", position="hr")
    TemplateVersion.objects.create(template=own, number=1, status="active")
    install_default_templates()
    assert Template.objects.get(code="HR").versions.get().status == "draft"


def test_the_technicians_scheme_has_a_manual_item_for_the_cycles_reviews():
    install_default_templates()
    version = Template.objects.get(code="TECH-NEV").versions.get()
    items = {item.indicator: item for item in version.items.all()}
    assert (items["COMPLIANCE"].rule, items["COMPLIANCE"].weight) == ("manual", 10)
    assert "取自工时利用率" in items["COMPLIANCE"].rationale  # where its 10 % came from, and why
    assert "PRODUCTIVITY" not in items


def test_installing_again_leaves_a_technicians_scheme_installed_before_the_change_alone():
    install_default_templates()
    version = Template.objects.get(code="TECH-NEV").versions.get()
    version.items.filter(indicator="COMPLIANCE").update(indicator="PRODUCTIVITY", rule="linear", target=85)
    schemes.install_defaults(by=None)
    versions = list(Template.objects.get(code="TECH-NEV").versions.all())
    assert versions == [version]
    assert "COMPLIANCE" not in set(version.items.values_list("indicator", flat=True))
