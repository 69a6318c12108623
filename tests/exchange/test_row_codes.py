"""An import reports each bad row with a code: the code of the rule a service would refuse
it with (core.errors), at the row and the column of the field, keeping the sentence;
`invalid_row` for any other problem."""

import pytest

from servicescore.core.errors import Refused
from servicescore.exchange.importer import run_import
from servicescore.exchange.kinds import KINDS
from servicescore.exchange.kinds.base import Column, Kind
from servicescore.exchange.tables import Table

pytestmark = pytest.mark.django_db


def table(header: str, *lines: str) -> Table:
    return Table(
        header=header.split(","), rows=iter((number, line.split(",")) for number, line in enumerate(lines, 2))
    )


def problems(report) -> list[tuple]:
    return [(error.row, error.column, error.code, error.message) for error in report.errors]


def test_a_unit_under_a_team_is_reported_with_the_code_parent_kind(network):
    report = run_import("org_units", table("code,name,kind,parent_code", "SC9,新中心,service_center,SC1-T1"))
    assert problems(report) == [
        (2, "parent_code", "parent_kind", "a Service centre cannot be placed under a Team")
    ]


def test_a_position_that_would_hand_out_a_role_above_the_importers_is_reported_with_its_code(network):
    report = run_import(
        "employees",
        table("employee_no,name,position,org_unit", "T1,员工T1,hr,SC1-T1"),
        user=network.manager.user,
    )
    assert problems(report) == [
        (
            2,
            "position",
            "role_not_grantable",
            "the log-in t1 would get the role hr: You may hand out only your own role or one below it, not HR.",
        )
    ]


def test_a_cell_that_cannot_be_read_is_an_invalid_row(network):
    report = run_import("org_units", table("code,name,kind,parent_code", "SC9,新中心,castle,SC1"))
    assert [(error.column, error.code) for error in report.errors] == [("kind", "invalid_row")]


class Refusing(Kind):
    """A kind whose rows go through a service that refuses some of them."""

    name = "refusing"
    key_column = "code"
    columns = [Column("code", required=True), Column("name")]

    def check(self, rows, context):
        for row in rows:
            with context.refusals(row, column="code"):
                if row.get("name") == "bad":
                    raise Refused("Not that name.", code="name_refused", field="name")
                if row.get("name") == "worse":
                    raise Refused("Not at all.", code="row_refused")

    def write(self, rows, context):
        return len(rows), 0, 0

    def export(self, org_unit=None):
        return iter(())


@pytest.fixture
def refusing(monkeypatch):
    monkeypatch.setitem(KINDS, "refusing", Refusing)


def test_a_refusal_a_service_raises_for_a_row_is_reported_at_that_row_and_its_field(refusing):
    report = run_import("refusing", table("code,name", "A,good", "B,bad", "C,worse"))
    assert problems(report) == [
        (3, "name", "name_refused", "Not that name."),
        (4, "code", "row_refused", "Not at all."),
    ]
    assert (report.created, report.error_count) == (0, 2)


def test_the_report_as_json_carries_each_rows_code(refusing):
    report = run_import("refusing", table("code,name", "B,bad"))
    assert report.as_dict()["errors"] == [
        {"row": 2, "column": "name", "message": "Not that name.", "code": "name_refused"}
    ]
