"""The work-order list's Excel export never hands Excel a live formula: text that starts
like one is a string cell with a leading apostrophe; numbers stay numeric cells."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ..conftest import login
from ..factories import CustomerFactory, WorkOrderFactory
from .exports import export_workbook

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def order(network):
    return WorkOrderFactory(
        external_id="WO-LINK",
        service_center=network.sc1,
        technician=network.tech,
        customer=CustomerFactory(name=LINK, phone="13912345678"),
        description="@SUM(A1)",
        difficulty=Decimal("1.5"),
        state="in_progress",
        due_at=timezone.now() - datetime.timedelta(hours=3),
    )


def _row(client):
    _response, content, _job = export_workbook(client)
    sheet = load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    return {name: cell for name, cell in zip(header, sheet[2], strict=True)}


def test_it_writes_a_formula_looking_customer_name_as_text_with_an_apostrophe(client, network, order):
    login(client, network.manager)
    cell = _row(client)["Customer"]
    assert (cell.data_type, cell.value) == ("s", "'" + LINK)


def test_it_writes_a_formula_looking_description_as_text_with_an_apostrophe(client, network, order):
    login(client, network.manager)
    cell = _row(client)["Description"]
    assert (cell.data_type, cell.value) == ("s", "'@SUM(A1)")


def test_it_keeps_the_number_columns_numeric(client, network, order):
    login(client, network.manager)
    row = _row(client)
    assert (row["Difficulty coefficient"].data_type, row["Difficulty coefficient"].value) == ("n", 1.5)
    assert row["Late by (hours)"].data_type == "n" and row["Late by (hours)"].value >= 3
