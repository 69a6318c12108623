"""metric_facts' evidence columns (import-formats.md): `note` and `reference` are imported,
exported, compared for "unchanged", audited and length-checked; a formula-looking note is
escaped in the export and comes back as it was."""

import csv
import io

import pytest

from servicescore.core.models import AuditEntry
from servicescore.kpi.models import FactIndicator, MetricFact

HEADER = "indicator,period,value,employee,org_unit,note,reference\n"
FACTS = (
    HEADER + "SAFETY_VIOLATIONS,2026-10,1,T1,,未断电作业 高压部件,INC-2026-0117\n"
    "AVAILABLE_HOURS,2026-10,1200,,SC1,,\n"
)


@pytest.fixture(autouse=True)
def safety_violations(db):
    FactIndicator.objects.create(
        code="SAFETY_VIOLATIONS", name_zh="安全违规次数", name_en="Safety violations", unit="count"
    )


def _load(runner, text=FACTS, name="facts.csv"):
    runner.load("org_units", "employees")
    return runner.run("metric_facts", runner.file(name, text))


def test_an_imported_fact_keeps_its_note_and_reference(runner):
    code, report = _load(runner)
    assert code == 0, report["errors"]
    fact = MetricFact.objects.get(indicator="SAFETY_VIOLATIONS")
    assert (fact.note, fact.reference) == ("未断电作业 高压部件", "INC-2026-0117")


def test_an_export_with_notes_and_references_imported_again_is_unchanged(runner):
    _load(runner)
    exported = runner.export("metric_facts")
    assert exported.splitlines()[0] == HEADER.strip()
    assert "INC-2026-0117" in exported
    code, report = runner.run("metric_facts", runner.file("again.csv", exported))
    assert code == 0, report["errors"]
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)


def test_a_changed_reference_alone_updates_the_fact_and_is_audited(runner):
    _load(runner)
    code, report = runner.run(
        "metric_facts", runner.file("fixed.csv", FACTS.replace("INC-2026-0117", "INC-2026-0118"))
    )
    assert (code, report["created"], report["updated"], report["unchanged"]) == (0, 0, 1, 1)
    fact = MetricFact.objects.get(indicator="SAFETY_VIOLATIONS")
    assert fact.reference == "INC-2026-0118"
    entry = AuditEntry.objects.filter(object_id=str(fact.pk), action="update").get()
    assert entry.changes == {"reference": ["INC-2026-0117", "INC-2026-0118"]}


def test_a_too_long_reference_is_rejected_at_its_row_and_column_and_nothing_is_written(runner):
    text = FACTS.replace("INC-2026-0117", "R" * 101)
    code, report = _load(runner, text)
    assert code == 1
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "reference")]
    assert "at most 100" in report["errors"][0]["message"]
    assert not MetricFact.objects.exists()


def test_a_too_long_note_is_rejected_at_its_row_and_column(runner):
    text = FACTS.replace("未断电作业 高压部件", "长" * 301)
    code, report = _load(runner, text)
    assert code == 1
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "note")]
    assert not MetricFact.objects.exists()


def test_a_formula_looking_note_is_escaped_in_the_export_and_comes_back_as_it_was(runner):
    link = '=HYPERLINK("http://x","y")'
    _load(runner, FACTS.replace("未断电作业 高压部件", link.replace('"', '""').join('""')))
    assert MetricFact.objects.get(indicator="SAFETY_VIOLATIONS").note == link
    exported = runner.export("metric_facts")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["note"] for row in rows if row["indicator"] == "SAFETY_VIOLATIONS"] == ["'" + link]
    code, report = runner.run("metric_facts", runner.file("again.csv", exported))
    assert (code, report["unchanged"]) == (0, 2)


def test_a_file_without_the_evidence_columns_keeps_the_stored_note_and_reference(runner):
    _load(runner)
    without = "indicator,period,value,employee\nSAFETY_VIOLATIONS,2026-10,2,T1\n"
    code, report = runner.run("metric_facts", runner.file("plain.csv", without))
    assert (code, report["updated"]) == (0, 1), report["errors"]
    fact = MetricFact.objects.get(indicator="SAFETY_VIOLATIONS")
    assert (fact.value, fact.note, fact.reference) == (2, "未断电作业 高压部件", "INC-2026-0117")


def test_an_empty_note_cell_in_a_file_with_the_column_clears_it(runner):
    _load(runner)
    code, _report = _load(runner, FACTS.replace("未断电作业 高压部件", ""))
    assert code == 0
    assert MetricFact.objects.get(indicator="SAFETY_VIOLATIONS").note == ""
