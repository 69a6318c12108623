"""The blank templates: the columns, an example row that imports once its references exist,
and a second sheet with every allowed value and the accepted date spellings."""

import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from servicescore.exchange import cells
from servicescore.exchange.blank import EXAMPLES
from servicescore.exchange.kinds import KINDS
from servicescore.workorders.models import WorkOrder

from ..conftest import login

# The demo company's references the example rows use (centre SC001, E000009, …).
DEMO_ORG = """code,name,kind,parent_code
NEV,新能源汽车售后服务有限公司,company,
EAST,华东大区,region,NEV
CSC,客户服务中心,service_center,NEV
SC001,上海浦东服务中心,service_center,EAST
SC001-JD,上海浦东机电组,team,SC001
"""
DEMO_PEOPLE = """employee_no,name,position,org_unit,manager_employee_no
E000004,吴兰英,cs_agent,CSC,
E000007,张春梅,service_manager,SC001,
E000008,王玉梅,foreman,SC001-JD,E000007
E000009,姜琳,technician,SC001-JD,E000008
E000013,范伟,service_advisor,SC001,E000007
"""
DEMO_CATALOGUE = "code,name,standard_hours\nMNT-01,常规保养（含检查）,1.00\n"


def download(client, kind, fmt):
    response = client.get(reverse("exchange:template", args=[kind, fmt]))
    assert response.status_code == 200
    return response


def workbook_of(response):
    return load_workbook(io.BytesIO(response.content))


@pytest.fixture
def hr_client(client, network):
    login(client, network.hr)
    return client


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_xlsx_template_has_the_columns_and_an_example_row(hr_client, kind):
    book = workbook_of(download(hr_client, kind, "xlsx"))
    sheet = book.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == KINDS[kind]().header
    assert len(rows) == 2
    assert any(rows[1]), "row 2 holds the example"


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_second_sheet_lists_every_allowed_value_with_both_labels(hr_client, kind):
    hr_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    book = workbook_of(download(hr_client, kind, "xlsx"))
    assert book.sheetnames[1] == "Allowed values"
    listed = {tuple(row) for row in book.worksheets[1].iter_rows(values_only=True)}
    for column in KINDS[kind]().columns:
        if column.choices is not None:
            for code, english, chinese in cells.choice_labels(column.choices):
                assert (column.name, code, english, chinese) in listed
    text = " ".join(str(v) for row in listed for v in row if v)
    assert "2026/10/03 09:15" in text and "2026-10-03 09:15" in text
    assert "Row 2 of the first sheet is an example" in text


def test_no_template_cell_is_a_formula(hr_client):
    for kind in KINDS:
        book = workbook_of(download(hr_client, kind, "xlsx"))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (kind, sheet.title, cell.coordinate)


def test_the_csv_template_has_the_columns_and_the_example_row(hr_client):
    text = download(hr_client, "work_orders", "csv").content.decode("utf-8-sig")
    header, example = text.strip().splitlines()
    assert header.split(",") == KINDS["work_orders"]().header
    assert example.startswith("EXAMPLE-0001,SC001,maintenance,")


def test_only_importers_may_download_a_template(client, network):
    login(client, network.tech)
    assert client.get(reverse("exchange:template", args=["work_orders", "xlsx"])).status_code == 404
    login(client, network.hr)
    assert client.get(reverse("exchange:template", args=["work_orders", "pdf"])).status_code == 404


def test_every_example_row_imports_into_the_demo_company_from_the_downloaded_template(hr_client, runner):
    for kind, text in (
        ("org_units", DEMO_ORG),
        ("employees", DEMO_PEOPLE),
        ("labour_operations", DEMO_CATALOGUE),
    ):
        code, report = runner.run(kind, runner.file(f"demo-{kind}.csv", text))
        assert code == 0, report["errors"]
    for kind in KINDS:  # in dependency order: the work order comes before its survey
        path = runner.tmp_path / f"{kind}-template.xlsx"
        path.write_bytes(download(hr_client, kind, "xlsx").content)
        code, report = runner.run(kind, path)
        assert code == 0, (kind, report["errors"])
        assert report["created"] + report["updated"] == 1, kind
    order = WorkOrder.objects.get(external_id="EXAMPLE-0001")
    assert (order.type, order.state, order.technician.employee_no) == ("maintenance", "closed", "E000009")


def test_the_check_says_when_a_file_still_holds_the_example_row(hr_client, network):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = download(hr_client, "work_orders", "xlsx").content  # in Chinese: 可选值
    hr_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # checked in English
    response = hr_client.post(
        reverse("exchange:upload"),
        {"kind": "work_orders", "file": SimpleUploadedFile("orders.xlsx", content)},
    )
    notices = response.context["report"].notices
    assert any("template's example row" in notice and "EXAMPLE-0001" in notice for notice in notices)
    assert not any("sheets" in notice for notice in notices), "the allowed-values sheet is expected"


def test_every_kind_has_an_example():
    assert set(EXAMPLES) == set(KINDS)
    for name, kind in KINDS.items():
        assert set(EXAMPLES[name]) <= set(kind().header), name
