"""What the scheme pages call things: each indicator by its name in the reader's language
with its code as small secondary text (one tag, `{% indicator_name %}`, on every page), each
scheme by its name in the reader's language (`Template.display_name`), the settings and
new-template forms that edit both names, and the API's `template_name`."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.api.models import ApiToken
from servicescore.appraisal.models import Scorecard, Template, TemplateChange, TemplateItem, TemplateVersion
from servicescore.appraisal.services import schemes
from servicescore.core.errors import Invalid
from servicescore.kpi.models import FactIndicator

from ..conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def technician_template(db):
    """A company-wide technician scheme named in both languages, active version 1: CSAT 60 %,
    FTFR 40 %."""
    template = Template.objects.create(
        code="TECH",
        name="技师方案",
        name_en="Technician scheme",
        position="technician",
        rationale="满意度优先",
        rationale_en="Satisfaction first",
    )
    version = TemplateVersion.objects.create(template=template, number=1, status="active")
    TemplateItem.objects.create(
        version=version, order=0, indicator="CSAT", weight=60, target=95, threshold=70
    )
    TemplateItem.objects.create(
        version=version, order=1, indicator="FTFR", weight=40, target=95, threshold=70
    )
    return template


def read(client, url, language):
    client.cookies["django_language"] = language
    with translation.override(language):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def version_url(template):
    return reverse("kpi_templates:version", args=[template.versions.get(number=1).pk])


def settings_post(client, template, **changes):
    data = {
        "name": template.name,
        "name_en": template.name_en,
        "rationale": template.rationale,
        "rationale_en": template.rationale_en,
        "org_unit": template.org_unit_id or "",
        **changes,
    }
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        return client.post(reverse("kpi_templates:template", args=[template.pk]), data)


def indicator_cell(page, code):
    match = re.search(rf'<span class="ss-indicator" data-indicator="{code}">(.*?)</span>', page, re.S)
    assert match, code
    return match.group(1)


def test_the_version_page_names_each_indicator_with_its_code_as_secondary_text(
    client, network, technician_template
):
    login(client, network.hr)
    page = read(client, version_url(technician_template), "en")
    assert (
        indicator_cell(page, "CSAT")
        == 'Customer satisfaction <small class="text-secondary fw-normal ss-code">CSAT</small>'
    )


def test_the_chinese_version_page_names_indicators_in_chinese(client, network, technician_template):
    login(client, network.hr)
    page = read(client, version_url(technician_template), "zh-hans")
    assert (
        indicator_cell(page, "FTFR")
        == '首次修复率 <small class="text-secondary fw-normal ss-code">FTFR</small>'
    )


def test_a_fact_indicator_is_named_as_the_company_named_it(client, network, technician_template):
    FactIndicator.objects.create(code="WASH_RATE", name_zh="洗车率", name_en="Car-wash rate", unit="%")
    TemplateItem.objects.create(version=technician_template.versions.get(), order=2, indicator="WASH_RATE")
    login(client, network.hr)
    assert indicator_cell(read(client, version_url(technician_template), "zh-hans"), "WASH_RATE").startswith(
        "洗车率 "
    )


def test_an_items_own_label_names_it(client, network, technician_template):
    TemplateItem.objects.filter(indicator="CSAT").update(label="客户打分")
    login(client, network.hr)
    assert indicator_cell(read(client, version_url(technician_template), "en"), "CSAT").startswith(
        "客户打分 "
    )


def test_an_indicator_the_catalogue_no_longer_knows_shows_its_code(client, network, technician_template):
    TemplateItem.objects.filter(indicator="FTFR").update(indicator="GONE_RATE")
    login(client, network.hr)
    assert indicator_cell(read(client, version_url(technician_template), "en"), "GONE_RATE") == "GONE_RATE"


def test_the_version_page_reads_the_catalogue_once_however_many_items(client, network, technician_template):
    login(client, network.hr)
    url = version_url(technician_template)
    client.cookies["django_language"] = "en"
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    version = technician_template.versions.get()
    for n, code in enumerate(["ON_TIME_RATE", "REWORK_RATE", "NPS", "PRAISE_COUNT", "TEAMWORK"], start=2):
        TemplateItem.objects.create(version=version, order=n, indicator=code, weight=0)
    with CaptureQueriesContext(connection) as seven:
        client.get(url)
    assert len(seven) == len(two)


def test_the_template_list_shows_english_names_to_english_readers(client, network, technician_template):
    login(client, network.hr)
    page = read(client, reverse("kpi_templates:list"), "en")
    assert ">Technician scheme</a>" in page and "技师方案" not in page


def test_the_template_list_shows_the_companys_name_to_chinese_readers(client, network, technician_template):
    login(client, network.hr)
    page = read(client, reverse("kpi_templates:list"), "zh-hans")
    assert ">技师方案</a>" in page and "Technician scheme" not in page


def test_the_template_list_takes_the_same_queries_for_many_schemes(
    client, network, technician_template, django_assert_max_num_queries
):
    for n in range(8):
        template = Template.objects.create(
            code=f"S{n}", name=f"方案{n}", name_en=f"Scheme {n}", position="hr"
        )
        TemplateVersion.objects.create(template=template, number=1)
    login(client, network.hr)
    with django_assert_max_num_queries(8):
        read(client, reverse("kpi_templates:list"), "en")


def test_the_template_page_shows_the_rationale_in_the_readers_language(client, network, technician_template):
    TemplateVersion.objects.filter(template=technician_template).update(status="draft")
    login(client, network.hr)
    draft = technician_template.versions.get()
    page = read(client, reverse("kpi_templates:version", args=[draft.pk]), "en")
    assert "Satisfaction first" in page and "满意度优先" not in page


def test_the_coverage_page_names_schemes_in_the_readers_language(client, network, technician_template):
    login(client, network.hr)
    page = read(client, reverse("kpi_templates:coverage"), "en")
    assert ">Technician scheme</a>" in page


def test_the_settings_form_saves_the_english_name_and_rationale(client, network, technician_template):
    login(client, network.hr)
    response = settings_post(client, technician_template, name_en="Workshop technician", rationale_en="Why")
    assert response.status_code == 302
    technician_template.refresh_from_db()
    assert (technician_template.name_en, technician_template.rationale_en) == ("Workshop technician", "Why")
    assert technician_template.name == "技师方案"


def test_the_history_tells_the_english_name_changed(client, network, technician_template):
    login(client, network.hr)
    settings_post(client, technician_template, name_en="Workshop technician")
    page = read(client, reverse("kpi_templates:template", args=[technician_template.pk]), "en")
    assert "English name: “Technician scheme” → “Workshop technician”." in page


def test_a_too_long_english_name_is_refused_and_nothing_is_written(client, network, technician_template):
    login(client, network.hr)
    response = settings_post(client, technician_template, name_en="x" * 201)
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    technician_template.refresh_from_db()
    assert technician_template.name_en == "Technician scheme"
    assert not TemplateChange.objects.filter(template=technician_template).exists()


def test_a_settings_post_without_the_english_fields_keeps_them(client, network, technician_template):
    login(client, network.hr)
    data = {"name": "技师方案 2027", "rationale": "满意度优先", "org_unit": ""}
    client.cookies["django_language"] = "en"
    client.post(reverse("kpi_templates:template", args=[technician_template.pk]), data)
    technician_template.refresh_from_db()
    assert (technician_template.name, technician_template.name_en) == ("技师方案 2027", "Technician scheme")


def test_the_settings_service_refuses_a_too_long_english_name(network, technician_template):
    with pytest.raises(Invalid) as refused:
        schemes.change_settings(
            technician_template, name="技师方案", rationale="", name_en="x" * 201, by=network.hr.user
        )
    assert [(item["code"], item["field"]) for item in refused.value.items()] == [("name_too_long", "name_en")]
    technician_template.refresh_from_db()
    assert technician_template.name_en == "Technician scheme"


def test_a_new_scheme_is_created_with_its_english_name(client, network):
    login(client, network.hr)
    data = {
        "code": "NEW",
        "name": "新方案",
        "name_en": "New scheme",
        "position": "dispatcher",
        "org_unit": network.sc1.pk,
        "rationale": "",
        "rationale_en": "",
    }
    client.cookies["django_language"] = "en"
    response = client.post(reverse("kpi_templates:create"), data)
    assert response.status_code == 302, response.content.decode()
    assert Template.objects.get(code="NEW").name_en == "New scheme"


def test_the_editor_offers_each_indicator_by_its_name_first(client, network, technician_template):
    login(client, network.hr)
    draft = schemes.start_draft(technician_template, by=network.hr.user)
    page = read(client, reverse("kpi_templates:version", args=[draft.pk]), "zh-hans")
    assert re.search(r'<option value="CSAT"[^>]*>客户满意度 · CSAT</option>', page)


def test_the_settings_form_does_not_call_the_name_a_persons_name(client, network, technician_template):
    login(client, network.hr)
    page = read(client, reverse("kpi_templates:template", args=[technician_template.pk]), "zh-hans")
    assert 'for="id_name">' in page and 'for="id_name">姓名</label>' not in page


def test_the_read_only_settings_call_the_name_a_schemes_name(client, network, technician_template):
    login(client, network.auditor)
    page = read(client, reverse("kpi_templates:template", args=[technician_template.pk]), "en")
    assert "<dt>Name</dt><dd>技师方案</dd>" in page
    assert "<dt>English name</dt>" in page


def test_a_technician_cannot_read_the_version_page(client, network, technician_template):
    login(client, network.tech)
    assert client.get(version_url(technician_template)).status_code == 403


def test_the_api_names_the_scorecards_scheme_in_the_readers_language(network, technician_template):
    Scorecard.objects.create(
        employee=network.tech,
        period="2026-10",
        version=technician_template.versions.get(),
        final_score=88.0,
        grade="A",
        computed_at=timezone.now() - datetime.timedelta(days=1),
    )
    _token, raw = ApiToken.issue(user=network.manager.user, name="test", scopes=("read",))
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        "/api/kpi/scorecards/T1/2026-10", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(
        "/api/kpi/scorecards/T1/2026-10", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert english.json()["template_name"] == "Technician scheme"
    assert chinese.json()["template_name"] == "技师方案"
