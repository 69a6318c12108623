"""The evidence behind a fact and a veto: a veto that applies shows the fact's reference and
note on the scorecard and links to the evidence page, which lists the fact with its note,
reference, attachment, who recorded it and the import it came from."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from servicescore.exchange.importer import run_import
from servicescore.exchange.tables import Table
from servicescore.kpi.models import FactIndicator, MetricFact

from ..appraisal.scorecards import english, line, scorecard, technician_version
from ..conftest import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def client(client):
    return english(client)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def safety_violations(db):
    return FactIndicator.objects.create(
        code="SAFETY_VIOLATIONS", name_zh="安全违规次数", name_en="Safety violations", unit="count"
    )


def violation(employee=None, org_unit=None, **fields):
    fields = {"note": "未断电作业 高压部件", "reference": "INC-2026-0117", **fields}
    return MetricFact.objects.create(
        indicator="SAFETY_VIOLATIONS",
        period="2026-10",
        value=Decimal("1"),
        employee=employee,
        org_unit=org_unit,
        **fields,
    )


def vetoed_card(employee, **fields):
    items = [line("SAFETY_VIOLATIONS", kind="veto", unit="count", value=1, vetoed=True, **fields)]
    return scorecard(employee, technician_version(), items=items, grade="D", vetoed=True, final=93.0)


def scorecard_html(client, employee):
    return client.get(reverse("kpi:scorecard", args=[employee.employee_no, "2026-10"])).content.decode()


def evidence_html(client, employee, code="SAFETY_VIOLATIONS"):
    return client.get(reverse("kpi:evidence", args=[employee.employee_no, "2026-10", code])).content.decode()


def test_an_applied_veto_shows_the_facts_reference_and_note_and_links_to_the_evidence(client, network):
    stored = violation(network.tech)
    vetoed_card(network.tech)
    login(client, network.tech)
    html = scorecard_html(client, network.tech)
    assert f'data-veto-fact="{stored.pk}"' in html
    assert "INC-2026-0117" in html and "未断电作业 高压部件" in html
    evidence = reverse("kpi:evidence", args=["T1", "2026-10", "SAFETY_VIOLATIONS"])
    assert f'href="{evidence}" class="small" data-veto-evidence="SAFETY_VIOLATIONS"' in html


def test_an_applied_veto_links_its_attachment(client, network):
    stored = violation(network.tech, attachment=SimpleUploadedFile("x.pdf", PDF))
    vetoed_card(network.tech)
    login(client, network.foreman)
    html = scorecard_html(client, network.tech)
    assert reverse("indicators:fact_attachment", args=[stored.pk]) in html


def test_a_veto_that_does_not_apply_shows_no_fact(client, network):
    MetricFact.objects.create(
        indicator="SAFETY_VIOLATIONS", period="2026-10", value=0, employee=network.tech, reference="NONE-0"
    )
    items = [line("SAFETY_VIOLATIONS", kind="veto", unit="count", value=0)]
    scorecard(network.tech, technician_version(), items=items)
    login(client, network.tech)
    html = scorecard_html(client, network.tech)
    assert "NONE-0" not in html and "data-veto-evidence" not in html


def test_a_veto_scored_on_the_unit_shows_the_units_fact(client, network):
    violation(org_unit=network.t11, reference="UNIT-INC-9")
    violation(network.foreman, reference="OWN-INC-1")
    vetoed_card(network.foreman, source="unit")
    login(client, network.manager)
    html = scorecard_html(client, network.foreman)
    assert "UNIT-INC-9" in html and "OWN-INC-1" not in html


def test_the_evidence_page_shows_the_fact_with_its_note_reference_and_recorder(client, network):
    stored = violation(network.tech, recorded_by=network.hr.user, attachment=SimpleUploadedFile("x.pdf", PDF))
    vetoed_card(network.tech)
    login(client, network.tech)
    html = evidence_html(client, network.tech)
    assert 'data-section="facts"' in html and f'data-fact="{stored.pk}"' in html
    assert "未断电作业 高压部件" in html and "INC-2026-0117" in html
    assert "Recorded by h1" in html
    assert reverse("indicators:fact_attachment", args=[stored.pk]) in html


def test_the_evidence_page_names_the_import_a_fact_came_from(client, network):
    report = run_import(
        "metric_facts",
        Table(
            ["indicator", "period", "value", "employee", "note", "reference"],
            [(2, ["SAFETY_VIOLATIONS", "2026-10", "1", "T1", "漏检", "INC-7"])],
        ),
        user=network.hr.user,
        source_label="safety-october.csv",
    )
    assert report.ok, report.errors
    login(client, network.tech)
    html = evidence_html(client, network.tech)
    assert "Imported from safety-october.csv" in html and "漏检" in html and "INC-7" in html


def test_the_evidence_page_of_a_fact_without_a_row_says_there_is_no_data(client, network):
    login(client, network.tech)
    html = evidence_html(client, network.tech)
    assert "data-no-facts" in html


def test_a_technician_cannot_open_a_colleagues_fact_evidence(client, network):
    violation(network.tech_colleague)
    login(client, network.tech)
    response = client.get(reverse("kpi:evidence", args=["T2", "2026-10", "SAFETY_VIOLATIONS"]))
    assert response.status_code == 404
