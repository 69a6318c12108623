"""Scheme names and rationales per language: `Template.name` in the company's language,
`name_en` / `rationale_en` for English readers, shown through one accessor
(`display_name`, `display_rationale`) with a fallback; the shipped schemes written in both
languages; the migration that splits the old "中文 / English" names (idempotent and
reversible); `install-templates` on a database that has them; the name field's label."""

import importlib
import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from servicescore.appraisal.default_schemes import DEFAULT_NOTE, TEMPLATES, install_default_templates
from servicescore.appraisal.forms import NewTemplateForm, TemplateSettingsForm
from servicescore.appraisal.models import Template, TemplateItem, TemplateVersion

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("servicescore.appraisal.migrations.0003_template_names_per_language")
CJK = re.compile(r"[\u4e00-\u9fff]")


def old_default(code="TECH-NEV", *, note="default", item_note="satisfaction 30 %"):
    """A default scheme as the install wrote it before names were stored per language."""
    zh, en, _why_zh, why_en = MIGRATION.SCHEMES[code]
    template = Template.objects.create(
        code=code, name=f"{zh} / {en}", position="technician", rationale=why_en
    )
    version = TemplateVersion.objects.create(template=template, number=1, status="active", note=note)
    TemplateItem.objects.create(version=version, indicator="CSAT", weight=100, rationale=item_note)
    return template


def test_english_readers_see_the_english_name():
    template = Template(name="新能源车间技师", name_en="NEV workshop technician")
    with translation.override("en"):
        assert template.display_name == "NEV workshop technician"


def test_chinese_readers_see_the_name_in_the_companys_language():
    template = Template(name="新能源车间技师", name_en="NEV workshop technician")
    with translation.override("zh-hans"):
        assert template.display_name == "新能源车间技师"


def test_english_readers_see_the_name_when_there_is_no_english_one():
    with translation.override("en"):
        assert Template(name="上门技师").display_name == "上门技师"


def test_the_rationale_follows_the_readers_language_with_the_same_fallback():
    template = Template(rationale="满意度优先", rationale_en="Satisfaction first")
    with translation.override("en"):
        assert template.display_rationale == "Satisfaction first"
        assert Template(rationale="满意度优先").display_rationale == "满意度优先"


def test_a_scheme_prints_as_its_name_in_the_readers_language():
    with translation.override("en"):
        assert str(Template(name="服务顾问", name_en="Service advisor")) == "Service advisor"


def test_every_shipped_text_is_given_in_chinese_and_in_english():
    texts = [scheme.name for scheme in TEMPLATES] + [scheme.rationale for scheme in TEMPLATES]
    texts += [item["rationale"] for scheme in TEMPLATES for item in scheme.items if item.get("rationale")]
    texts.append(DEFAULT_NOTE)
    for text in texts:
        assert CJK.search(text.zh), text
        assert text.en and not CJK.search(text.en), text
        assert " / " not in text.zh and " / " not in text.en


def test_the_default_schemes_install_with_names_per_language():
    install_default_templates()
    template = Template.objects.get(code="TECH-NEV")
    assert (template.name, template.name_en) == ("新能源车间技师", "NEV workshop technician")
    assert CJK.search(template.rationale) and template.rationale_en.startswith("Customer satisfaction")
    assert not Template.objects.filter(name__contains=" / ").exists()
    assert not Template.objects.filter(name_en="").exists()


def test_the_default_schemes_notes_are_written_in_the_companys_language():
    install_default_templates()
    version = Template.objects.get(code="TECH-NEV").versions.get()
    assert version.note == "默认方案"
    assert version.items.get(indicator="CSAT").rationale == "满意度占 30%"
    assert not TemplateItem.objects.filter(rationale__regex=r"^[ -~−]+$").exclude(rationale="").exists()


def test_an_english_company_gets_its_default_schemes_in_english(settings):
    settings.LANGUAGE_CODE = "en"
    install_default_templates()
    template = Template.objects.get(code="ADVISOR")
    assert (template.name, template.name_en) == ("Service advisor", "")
    assert template.versions.get().note == "Default scheme"


def test_the_migration_splits_a_default_schemes_bilingual_name():
    template = old_default()
    MIGRATION.split_names(apps, None)
    template.refresh_from_db()
    assert (template.name, template.name_en) == ("新能源车间技师", "NEV workshop technician")
    assert template.rationale.startswith("客户满意度") and template.rationale_en.startswith("Customer")


def test_the_migration_writes_the_default_notes_in_the_companys_language():
    template = old_default()
    MIGRATION.split_names(apps, None)
    version = template.versions.get()
    assert version.note == "默认方案"
    assert version.items.get().rationale == "满意度占 30%"


def test_the_migration_changes_nothing_when_run_again():
    template = old_default()
    MIGRATION.split_names(apps, None)
    MIGRATION.split_names(apps, None)
    template.refresh_from_db()
    assert (template.name, template.name_en) == ("新能源车间技师", "NEV workshop technician")


def test_the_migration_leaves_renamed_schemes_and_rewritten_notes_alone():
    template = old_default(note="2027 weights", item_note="our own note")
    Template.objects.filter(pk=template.pk).update(name="技师方案 / 2027")
    other = Template.objects.create(code="MINE", name="保养 / Service", position="dispatcher")
    MIGRATION.split_names(apps, None)
    template.refresh_from_db()
    other.refresh_from_db()
    assert (template.name, template.name_en) == ("技师方案 / 2027", "")
    assert (other.name, other.name_en) == ("保养 / Service", "")
    assert template.versions.get().note == "2027 weights"
    assert template.versions.get().items.get().rationale == "our own note"


def test_reversing_the_migration_joins_the_names_and_restores_the_notes():
    template = old_default()
    mine = Template.objects.create(
        code="MINE", name="上门技师", name_en="Field technician", position="dispatcher"
    )
    MIGRATION.split_names(apps, None)
    MIGRATION.join_names(apps, None)
    template.refresh_from_db()
    mine.refresh_from_db()
    assert template.name == "新能源车间技师 / NEV workshop technician"
    assert mine.name == "上门技师 / Field technician"
    assert template.versions.get().note == "default"
    assert template.versions.get().items.get().rationale == "satisfaction 30 %"


@pytest.mark.django_db(transaction=True)
def test_the_migration_runs_backwards_and_forwards_on_the_database():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("appraisal", "0002_provisional_minimum_data_subject")])
        old = executor.loader.project_state(("appraisal", "0002_provisional_minimum_data_subject")).apps
        old.get_model("appraisal", "Template").objects.create(
            code="ADVISOR", name="服务顾问 / Service advisor", position="service_advisor"
        )
        executor = MigrationExecutor(connection)
        executor.migrate([("appraisal", "0003_template_names_per_language")])
        template = Template.objects.get(code="ADVISOR")
        assert (template.name, template.name_en) == ("服务顾问", "Service advisor")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_install_templates_adds_the_missing_schemes_beside_old_bilingual_names():
    old = old_default()
    out = io.StringIO()
    call_command("appraisal", "install-templates", stdout=out)
    old.refresh_from_db()
    assert old.name == "新能源车间技师 / NEV workshop technician"  # the migration's job, not the command's
    assert Template.objects.count() == len(TEMPLATES)
    assert Template.objects.get(code="ADVISOR").name == "服务顾问"


def test_the_name_field_is_labelled_as_a_schemes_name_not_a_persons(network):
    with translation.override("zh-hans"):
        labels = [
            str(NewTemplateForm(user=network.hr.user).fields["name"].label),
            str(TemplateSettingsForm(template=Template(name="x"), user=network.hr.user).fields["name"].label),
            str(Template._meta.get_field("name").verbose_name),
        ]
    assert "姓名" not in labels


def test_the_forms_offer_the_english_name_and_rationale(network):
    with translation.override("en"):
        form = TemplateSettingsForm(template=Template(name="x"), user=network.hr.user)
        assert str(form.fields["name_en"].label) == "English name"
        assert str(form.fields["rationale_en"].label) == "Rationale in English"
        assert {"name_en", "rationale_en"} <= set(NewTemplateForm(user=network.hr.user).fields)
