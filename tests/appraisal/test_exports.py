"""Scorecards and the team table as Excel workbooks: the same selectors as the pages (so the
same scope), numbers as numbers, names never written as formulas."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ..conftest import login
from .scorecards import TECHNICIAN_ITEMS, english, line, scorecard, technician_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    return english(client)


@pytest.fixture
def cards(network):
    version = technician_version()
    return {
        "T1": scorecard(network.tech, version, final=88.0, grade="A", adjustment=-1.0, base=89.0),
        "T2": scorecard(
            network.tech_colleague,
            version,
            final=None,
            grade="",
            insufficient=True,
            items=[line("FTFR", no_data=True, weight=60.0)],
        ),
        "T3": scorecard(network.tech_other_team, version, final=72.5, grade="", provisional=True),
        "T4": scorecard(network.tech_sc2, version, final=91.0, grade="A"),
    }


def workbook_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def scorecard_export(client, employee_no="T1", period="2026-10"):
    return client.get(reverse("kpi:scorecard_export", args=[employee_no, period]))


def team_export(client, **params):
    return client.get(reverse("kpi:team_export"), params)


def header_value(rows, label):
    return next(row[1] for row in rows if row[0] == label)


def item_table(rows):
    start = next(i for i, row in enumerate(rows) if row[0] == "Item")
    header = rows[start]
    return [dict(zip(header, row, strict=True)) for row in rows[start + 1 :] if row[0]]


def test_a_technician_exports_his_own_scorecard_with_its_header(client, network, cards):
    login(client, network.tech)
    rows = workbook_rows(scorecard_export(client))
    assert header_value(rows, "Employee") == "员工T1"
    assert header_value(rows, "Period") == "2026-10"
    assert header_value(rows, "Scheme").startswith("技师考核方案")
    assert header_value(rows, "Final score") == 88.0
    assert header_value(rows, "Grade") == "A"
    assert header_value(rows, "Provisional") == "No"
    assert header_value(rows, "Insufficient data") == "No"


def test_the_scorecard_export_lists_every_item_with_its_working(client, network, cards):
    login(client, network.tech)
    items = item_table(workbook_rows(scorecard_export(client)))
    assert [item["Code"] for item in items] == [stored["indicator"] for stored in TECHNICIAN_ITEMS]
    ftfr = items[0]
    assert (ftfr["Value"], ftfr["Target"], ftfr["Points"], ftfr["Weight (%)"], ftfr["Contribution"]) == (
        80.0,
        90.0,
        66.67,
        60.0,
        66.67,
    )
    assert ftfr["No data"] == "No" and items[1]["No data"] == "Yes"
    assert items[3]["Bonus or deduction"] == -5.0


def test_an_insufficient_data_scorecard_says_so_in_its_header(client, network, cards):
    login(client, network.hr)
    rows = workbook_rows(scorecard_export(client, "T2"))
    assert header_value(rows, "Insufficient data") == "Yes"
    assert header_value(rows, "Final score") is None


def test_a_technician_cannot_export_a_colleagues_scorecard(client, network, cards):
    login(client, network.tech)
    assert scorecard_export(client, "T2").status_code == 404


def test_a_scorecard_export_with_a_malformed_period_is_refused_with_a_message(client, network, cards):
    login(client, network.tech)
    response = scorecard_export(client, period="2026-13")
    assert response.status_code == 400 and "2026-13" in response.content.decode()


def test_a_period_without_a_scorecard_has_nothing_to_export(client, network, cards):
    login(client, network.tech)
    assert scorecard_export(client, period="2026-08").status_code == 404


def test_a_formula_looking_scheme_name_is_written_as_text(client, network, cards):
    template = cards["T1"].version.template
    template.name = '=HYPERLINK("http://x","y")'
    template.save()
    login(client, network.tech)
    rows = workbook_rows(scorecard_export(client))
    assert header_value(rows, "Scheme").startswith("'=HYPERLINK")


def test_the_scorecard_page_has_an_export_button(client, network, cards):
    login(client, network.tech)
    html = client.get(reverse("kpi:scorecard", args=["T1", "2026-10"])).content.decode()
    assert reverse("kpi:scorecard_export", args=["T1", "2026-10"]) in html


def team_rows(response) -> list[dict]:
    rows = workbook_rows(response)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_a_foremans_team_export_has_only_his_team(client, network, cards):
    login(client, network.foreman)
    assert sorted(row["Employee no."] for row in team_rows(team_export(client))) == ["T1", "T2"]


def test_the_team_export_has_score_grade_flags_and_each_items_points(client, network, cards):
    login(client, network.manager)
    rows = {row["Employee no."]: row for row in team_rows(team_export(client, period="2026-10"))}
    assert set(rows) == {"T1", "T2", "T3"}
    assert (rows["T1"]["Final score"], rows["T1"]["Grade"], rows["T1"]["Provisional"]) == (88.0, "A", "No")
    assert rows["T2"]["Insufficient data"] == "Yes" and rows["T3"]["Provisional"] == "Yes"
    ftfr = next(name for name in rows["T1"] if name.endswith("(FTFR)"))
    assert rows["T1"][ftfr] == 66.67 and rows["T2"][ftfr] is None


def test_the_team_export_is_404_for_an_org_unit_out_of_scope(client, network, cards):
    login(client, network.foreman)
    assert team_export(client, org_unit=network.sc2.pk).status_code == 404


def test_self_only_roles_cannot_export_the_team(client, network, cards):
    login(client, network.tech)
    assert team_export(client).status_code == 404


def test_the_team_export_with_a_malformed_period_is_refused_with_a_message(client, network, cards):
    login(client, network.manager)
    assert team_export(client, period="nope").status_code == 400


def test_the_team_export_costs_the_same_queries_however_many_people(
    client, network, cards, django_assert_max_num_queries
):
    login(client, network.hr)
    with django_assert_max_num_queries(12):
        assert len(team_rows(team_export(client))) == 4


def test_the_team_page_has_an_export_button_keeping_the_filters(client, network, cards):
    login(client, network.manager)
    html = client.get(reverse("kpi:team_scores"), {"period": "2026-10"}).content.decode()
    assert f"{reverse('kpi:team_export')}?period=2026-10" in html


def test_the_team_export_keeps_the_pages_grade_filter(client, network, cards):
    login(client, network.hr)
    assert [row["Employee no."] for row in team_rows(team_export(client, grade="A"))] == ["T4", "T1"]
