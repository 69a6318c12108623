"""`servicescore kpi compute --format csv` writes an employee_no that looks like a formula
as text a spreadsheet will not run."""

import csv
import io

import pytest
from django.core.management import call_command

from ..factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def test_it_escapes_an_employee_no_that_starts_like_a_formula(network):
    EmployeeFactory(employee_no="=1+1", org_unit=network.t11)
    out = io.StringIO()
    call_command(
        "kpi", "compute", "--period", "2026-10", "--indicator", "WO_COMPLETED", "--format", "csv", stdout=out
    )
    numbers = {row[0] for row in csv.reader(io.StringIO(out.getvalue()))}
    assert "'=1+1" in numbers and "=1+1" not in numbers
