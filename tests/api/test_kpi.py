"""/api/kpi: the indicator catalogue, stored results and scorecards through the data scope,
with their bad input, paging and query counts; and metric facts through /api/import."""

import pytest

from servicescore.appraisal.models import Scorecard
from servicescore.kpi.models import DerivedIndicator, EmployeeResults, MetricFact
from servicescore.kpi.registry import INDICATORS

from ..factories import (
    EmployeeFactory,
    IndicatorResultFactory,
    ScorecardFactory,
    TemplateFactory,
    TemplateVersionFactory,
    employee_result,
)

pytestmark = pytest.mark.django_db

ITEMS = [
    {
        "item": 1,
        "indicator": "FTFR",
        "label": "首次修复率",
        "kind": "scored",
        "rule": "linear",
        "unit": "%",
        "direction": "up",
        "value": 88.5,
        "raw_value": 92.0,
        "numerator": 23,
        "denominator": 25,
        "sample": 25,
        "shrunk": True,
        "prior": 85.0,
        "k": 10,
        "target": 95,
        "threshold": 70,
        "cap": 100,
        "no_data": False,
        "no_data_policy": "reweight",
        "points": 74.0,
        "weight": 60,
        "effective_weight": 100,
        "contribution": 74.0,
        "adjustment": None,
        "vetoed": False,
        "note": "",
    },
    {
        "item": 2,
        "indicator": "CSAT",
        "label": "客户满意度",
        "kind": "scored",
        "rule": "linear",
        "unit": "%",
        "direction": "up",
        "value": None,
        "raw_value": None,
        "numerator": 0,
        "denominator": 0,
        "sample": 0,
        "shrunk": False,
        "prior": None,
        "k": None,
        "target": 95,
        "threshold": 80,
        "cap": 100,
        "no_data": True,
        "no_data_policy": "reweight",
        "points": None,
        "weight": 40,
        "effective_weight": 0,
        "contribution": 0,
        "adjustment": None,
        "vetoed": False,
        "note": "no survey responses; weight given to the other items",
    },
    {
        "item": 3,
        "indicator": "PRAISE_COUNT",
        "label": "表扬加分",
        "kind": "bonus",
        "rule": "",
        "unit": "count",
        "direction": "up",
        "value": 2,
        "points": 4.0,
        "adjustment": 4.0,
        "basis": "value",  # a key the API does not know yet passes through
    },
]


def items_of(response):
    assert response.status_code == 200, response.content
    return response.json()["items"]


def subjects(response):
    return sorted((item["employee_no"] or item["org_unit"], item["indicator"]) for item in items_of(response))


def employee_nos(response):
    return sorted(item["employee_no"] for item in items_of(response))


# --- the catalogue -----------------------------------------------------------------------


def test_catalogue_lists_built_in_fact_derived_and_manual_indicators(network, token_for):
    DerivedIndicator.objects.create(
        code="SERVICE_INDEX",
        name_zh="服务指数",
        name_en="Service index",
        unit="points",
        direction="up",
        formula="0.5 * CSAT + 0.5 * FTFR",
    )
    response = token_for(network.tech, scopes=("read",)).get("/api/kpi/indicators")
    assert response.status_code == 200, response.content
    by_code = {item["code"]: item for item in response.json()}
    assert by_code["FTFR"] == {
        "code": "FTFR",
        "name_zh": "首次修复率",
        "name_en": "First-time fix rate",
        "unit": "%",
        "direction": "up",
        "family": "work_orders",
        "shape": "rate",
        "formula": INDICATORS["FTFR"].formula,
        "population": "the work order's lead technician",
        "value_when_missing": None,
    }
    assert "fixed in one visit" in by_code["FTFR"]["formula"]
    assert by_code["WO_COMPLETED"]["value_when_missing"] == 0
    assert by_code["PRAISE_COUNT"]["value_when_missing"] == 0
    assert by_code["STOCKOUT_RATE"]["family"] == "facts" and by_code["STOCKOUT_RATE"]["direction"] == "down"
    assert by_code["SERVICE_INDEX"]["formula"] == "= 0.5 * CSAT + 0.5 * FTFR"
    assert by_code["SERVICE_INDEX"]["family"] == "derived"
    assert by_code["TEAMWORK"]["shape"] == "manual"


def test_catalogue_filters_by_family_and_names_a_bad_one(network, token_for):
    api = token_for(network.manager)
    voice = api.get("/api/kpi/indicators", {"family": "voice"}).json()
    assert voice and {item["family"] for item in voice} == {"voice"}
    assert "CSAT" in [item["code"] for item in voice]
    response = api.get("/api/kpi/indicators", {"family": "astrology"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "family"


# --- stored results ----------------------------------------------------------------------


@pytest.fixture
def results(network):
    """October values for people in SC1 and SC2, and for units at every level."""
    for person in (network.tech, network.tech_colleague, network.tech_other_team, network.tech_sc2):
        employee_result(employee=person, indicator="FTFR")
    employee_result(
        employee=network.tech, indicator="WO_COMPLETED", value=12, numerator=12, denominator=None, sample=12
    )
    for unit in (network.sc1, network.t11, network.sc2, network.region):
        IndicatorResultFactory(
            org_unit=unit, indicator="FTFR", value=80.0, numerator=40, denominator=50, sample=50
        )
    employee_result(employee=network.tech, period="2026-09", indicator="FTFR")
    employee_result(employee=network.tech, period="2026-Q4", indicator="FTFR")


def test_manager_sees_the_results_of_his_centres_people_and_units(network, token_for, results):
    response = token_for(network.manager).get("/api/kpi/results", {"period": "2026-10"})
    assert subjects(response) == [
        ("SC1", "FTFR"),
        ("SC1-T1", "FTFR"),
        ("T1", "FTFR"),
        ("T1", "WO_COMPLETED"),
        ("T2", "FTFR"),
        ("T3", "FTFR"),
    ]
    by_subject = {
        (item["subject"], item["employee_no"] or item["org_unit"], item["indicator"]): item
        for item in items_of(response)
    }
    person = by_subject[("employee", "T1", "FTFR")]
    assert {key: person[key] for key in person if key != "computed_at"} == {
        "subject": "employee",
        "employee_no": "T1",
        "employee_name": "员工T1",
        "org_unit": "SC1-T1",
        "indicator": "FTFR",
        "period": "2026-10",
        "value": 90.0,
        "numerator": 9.0,
        "denominator": 10.0,
        "sample": 10,
        "note": "",
        "provisional": False,
    }
    unit = by_subject[("org_unit", "SC1", "FTFR")]
    assert unit["employee_no"] is None and unit["employee_name"] is None and unit["value"] == 80.0


def test_technician_sees_only_his_own_results(network, token_for, results):
    api = token_for(network.tech, scopes=("read",))
    assert subjects(api.get("/api/kpi/results", {"period": "2026-10"})) == [
        ("T1", "FTFR"),
        ("T1", "WO_COMPLETED"),
    ]
    assert subjects(api.get("/api/kpi/results", {"period": "2026-Q4"})) == [("T1", "FTFR")]
    # a colleague or a unit is unknown to him, exactly like an employee no. that does not exist
    for params, field, message in (
        ({"employee_no": "T2"}, "employee_no", "unknown employee_no T2"),
        ({"employee_no": "NOBODY"}, "employee_no", "unknown employee_no NOBODY"),
        ({"org_unit": "SC1-T1"}, "org_unit", "unknown org unit code SC1-T1"),
    ):
        response = api.get("/api/kpi/results", {"period": "2026-10", **params})
        assert response.status_code == 422, response.content
        assert response.json()["errors"] == [{"code": "invalid", "field": field, "message": message}]


def test_an_auditor_sees_the_whole_company(network, token_for, results):
    response = token_for(network.auditor, scopes=("read",)).get("/api/kpi/results", {"period": "2026-10"})
    assert len(items_of(response)) == 9
    assert ("EAST", "FTFR") in subjects(response) and ("T4", "FTFR") in subjects(response)


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"employee_no": "T1"}, [("T1", "FTFR"), ("T1", "WO_COMPLETED")]),
        ({"indicator": "WO_COMPLETED"}, [("T1", "WO_COMPLETED")]),
        ({"indicator": ["WO_COMPLETED", "CSAT"], "employee_no": "T1"}, [("T1", "WO_COMPLETED")]),
        ({"org_unit": "SC1-T1", "indicator": "FTFR"}, [("SC1-T1", "FTFR"), ("T1", "FTFR"), ("T2", "FTFR")]),
        ({"org_unit": "SC1-T2"}, [("T3", "FTFR")]),
        ({"subject": "org_unit"}, [("SC1", "FTFR"), ("SC1-T1", "FTFR")]),
        ({"subject": "employee", "indicator": "FTFR"}, [("T1", "FTFR"), ("T2", "FTFR"), ("T3", "FTFR")]),
        ({"subject": "org_unit", "employee_no": "T1"}, []),
        ({"indicator": "TEAMWORK"}, []),  # a known code with nothing stored
    ],
)
def test_result_filters(network, token_for, results, params, expected):
    response = token_for(network.manager).get("/api/kpi/results", {"period": "2026-10", **params})
    assert subjects(response) == expected


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"period": "2026-13"}, "period", "'2026-13' is not a period"),
        ({"period": "october"}, "period", "use YYYY-MM"),
        ({}, "period", ""),
        ({"period": "2026-10", "indicator": "NOPE"}, "indicator", "unknown indicator NOPE"),
        ({"period": "2026-10", "indicator": ["FTFR", "ftfr"]}, "indicator", "unknown indicator ftfr"),
        ({"period": "2026-10", "employee_no": "T4"}, "employee_no", "unknown employee_no T4"),  # SC2
        ({"period": "2026-10", "org_unit": "SC2"}, "org_unit", "unknown org unit code SC2"),
        ({"period": "2026-10", "subject": "robot"}, "subject", ""),
        ({"period": "2026-10", "cursor": "!!notbase64"}, "cursor", "cursor is not valid"),
        ({"period": "2026-10", "limit": 0}, "limit", "limit must be between"),
        ({"period": "2026-10", "limit": 501}, "limit", "limit must be between"),
    ],
)
def test_results_bad_input_names_the_field(network, token_for, params, field, message):
    response = token_for(network.manager).get("/api/kpi/results", params)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == [field], errors
    assert message in errors[0]["message"], errors


def page_through(api, path, params, limit, key):
    """Follow next_cursor to the end: (key(row) of every row, how many pages)."""
    seen, cursor, pages = [], None, 0
    while True:
        body = api.get(path, {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}).json()
        seen += [key(item) for item in body["items"]]
        cursor, pages = body["next_cursor"], pages + 1
        if cursor is None:
            return seen, pages


def result_key(item):
    return item["employee_no"] or item["org_unit"], item["indicator"]


def test_results_cursor_pages_through_people_then_units_once(network, token_for):
    # rows of people and units interleave by id; pages give people first, then units
    for n in (3, 1, 0, 2):
        IndicatorResultFactory(org_unit=network.sc1, indicator=f"K{n}")
        employee_result(employee=network.tech, indicator=f"K{n}")
    employee_result(employee=network.tech_colleague, indicator="K0")
    api = token_for(network.manager)
    expected = [
        ("T1", "K0"),
        ("T1", "K1"),
        ("T1", "K2"),
        ("T1", "K3"),
        ("T2", "K0"),
        ("SC1", "K0"),
        ("SC1", "K1"),
        ("SC1", "K2"),
        ("SC1", "K3"),
    ]
    for limit in (1, 2, 3, 4, 5, 9, 10):
        seen, pages = page_through(api, "/api/kpi/results", {"period": "2026-10"}, limit, result_key)
        assert seen == expected, limit
        assert pages == -(-9 // limit), limit  # no empty last page


def test_an_indicator_filter_pages_over_people_who_lack_it(network, token_for, django_assert_max_num_queries):
    """Each person's results are one document: a filter picks its indicators out of each,
    and people without them give no row and no empty page."""
    people = [network.tech, network.tech_colleague, network.tech_other_team]
    for n, person in enumerate(people):
        employee_result(employee=person, indicator="CSAT", value=90.0)
        if n != 1:
            employee_result(employee=person, indicator="FTFR", value=80.0 + n)
            employee_result(employee=person, indicator="NPS", value=10.0)
    api = token_for(network.manager)
    params = {"period": "2026-10", "subject": "employee", "indicator": ["FTFR", "NPS"]}
    for limit in (1, 2, 3, 4, 5):
        seen, pages = page_through(api, "/api/kpi/results", params, limit, result_key)
        assert seen == [("T1", "FTFR"), ("T1", "NPS"), ("T3", "FTFR"), ("T3", "NPS")], limit
        assert pages == -(-4 // limit), limit
    with django_assert_max_num_queries(11):  # token, catalog, scope, request log: one for the results
        body = api.get("/api/kpi/results", params | {"limit": 1}).json()
    assert body["items"][0] | {"computed_at": None} == {
        "subject": "employee", "employee_no": "T1", "employee_name": network.tech.name, "org_unit": network.tech.org_unit.code,
        "indicator": "FTFR", "period": "2026-10", "value": 80.0, "numerator": 9.0, "denominator": 10.0,
        "sample": 10, "note": "", "computed_at": None, "provisional": False,
    }  # fmt: skip


def test_results_paging_survives_a_recompute_that_rewrites_the_rows(network, token_for):
    """The engine deletes and re-inserts a period's documents (new ids); a client in the
    middle of paging must still see every value exactly once."""
    for person in (network.tech, network.tech_colleague, network.tech_other_team):
        for code in ("CSAT", "FTFR"):
            employee_result(employee=person, indicator=code)
    api = token_for(network.manager)
    first = api.get("/api/kpi/results", {"period": "2026-10", "limit": 3}).json()
    rows = [(doc.employee_id, code) for doc in EmployeeResults.objects.all() for code in doc.figures]
    EmployeeResults.objects.all().delete()
    for employee_id, code in reversed(rows):
        employee_result(employee_id=employee_id, indicator=code, value=50.0)
    rest = api.get(
        "/api/kpi/results", {"period": "2026-10", "limit": 3, "cursor": first["next_cursor"]}
    ).json()
    seen = [(item["employee_no"], item["indicator"]) for item in first["items"] + rest["items"]]
    assert seen == [(no, code) for no in ("T1", "T2", "T3") for code in ("CSAT", "FTFR")]
    assert rest["next_cursor"] is None and {item["value"] for item in rest["items"]} == {50.0}


def test_results_query_count_does_not_grow_with_rows(network, token_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = token_for(network.manager)

    def make(count, start):
        for n in range(start, start + count):
            person = EmployeeFactory(org_unit=network.t12 if n % 2 else network.t11)
            employee_result(employee=person, indicator="FTFR")
            IndicatorResultFactory(org_unit=network.t12 if n % 2 else network.t11, indicator=f"K{n}")

    def queries(limit):
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/api/kpi/results", {"period": "2026-10", "limit": limit})
        assert response.status_code == 200, response.content
        return len(ctx.captured_queries), len(response.json()["items"])

    make(5, 0)
    both_kinds = queries(100)
    assert both_kinds[1] == 10
    make(30, 5)
    assert queries(100) == (both_kinds[0], 70)
    # a page that people's rows fill does not read the units' rows at all
    assert queries(5) == (both_kinds[0] - 1, 5)


# --- scorecards --------------------------------------------------------------------------


@pytest.fixture
def scorecards(network):
    """October scorecards for technicians of both centres, an advisor and HR; T1 also has
    September's, scored with an older template version."""
    template = TemplateFactory(code="TECH", name="技师考核方案", position="technician")
    old = TemplateVersionFactory(template=template, number=1, status="retired")
    current = TemplateVersionFactory(template=template, number=2)
    advisor_version = TemplateVersionFactory(template__code="ADVISOR", template__position="service_advisor")
    cards = {}
    for person in (network.tech, network.tech_colleague, network.tech_other_team, network.tech_sc2):
        cards[person.employee_no] = ScorecardFactory(employee=person, version=current, items=ITEMS)
    cards["A1"] = ScorecardFactory(
        employee=network.advisor,
        version=advisor_version,
        final_score=72.5,
        base_score=70.5,
        adjustment=2.0,
        grade="B",
    )
    cards["H1"] = ScorecardFactory(employee=network.hr, version=advisor_version)
    cards["T1-09"] = ScorecardFactory(
        employee=network.tech, version=old, period="2026-09", grade="C", vetoed=True, final_score=41.0
    )
    return cards


def cards_of(response):
    return sorted((item["employee_no"], item["period"]) for item in items_of(response))


def test_manager_lists_his_centres_scorecards(network, token_for, scorecards):
    api = token_for(network.manager)
    assert cards_of(api.get("/api/kpi/scorecards")) == [
        ("A1", "2026-10"),
        ("T1", "2026-09"),
        ("T1", "2026-10"),
        ("T2", "2026-10"),
        ("T3", "2026-10"),
    ]
    rows = items_of(api.get("/api/kpi/scorecards", {"period": "2026-10"}))
    by_no = {row["employee_no"]: row for row in rows}
    assert set(by_no) == {"A1", "T1", "T2", "T3"}
    assert {key: by_no["T1"][key] for key in by_no["T1"] if key != "computed_at"} == {
        "employee_no": "T1",
        "employee_name": "员工T1",
        "position": "technician",
        "org_unit": "SC1-T1",
        "service_center": "SC1",
        "period": "2026-10",
        "template": "TECH",
        "template_version": 2,
        "base_score": 88.0,
        "adjustment": 0.0,
        "final_score": 88.0,
        "grade": "A",
        "vetoed": False,
        "provisional": False,
        "insufficient_data": False,
    }
    assert by_no["A1"]["service_center"] == "SC1" and by_no["A1"]["org_unit"] == "SC1"
    assert (by_no["A1"]["base_score"], by_no["A1"]["adjustment"], by_no["A1"]["final_score"]) == (
        70.5,
        2.0,
        72.5,
    )
    assert by_no["A1"]["template"] == "ADVISOR" and "items" not in by_no["A1"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"org_unit": "SC1-T2"}, [("T3", "2026-10")]),
        ({"org_unit": "SC1-T1", "period": "2026-09"}, [("T1", "2026-09")]),
        ({"position": "service_advisor"}, [("A1", "2026-10")]),
        ({"period": "2026-Q4"}, []),
    ],
)
def test_scorecard_filters(network, token_for, scorecards, params, expected):
    assert cards_of(token_for(network.manager).get("/api/kpi/scorecards", params)) == expected


def test_technician_and_foreman_see_only_their_scope(network, token_for, scorecards):
    tech = token_for(network.tech, scopes=("read",))
    assert cards_of(tech.get("/api/kpi/scorecards")) == [("T1", "2026-09"), ("T1", "2026-10")]
    assert tech.get("/api/kpi/scorecards/T1/2026-10").status_code == 200
    for number in ("T2", "T4", "M1"):
        response = tech.get(f"/api/kpi/scorecards/{number}/2026-10")
        assert response.status_code == 404 and response.json()["detail"] == "Not found."
    foreman = token_for(network.foreman, scopes=("read",))
    assert employee_nos(foreman.get("/api/kpi/scorecards", {"period": "2026-10"})) == ["T1", "T2"]
    hr = token_for(network.hr, scopes=("read",))
    rows = items_of(hr.get("/api/kpi/scorecards", {"period": "2026-10"}))
    assert len(rows) == 6
    assert [row["service_center"] for row in rows if row["employee_no"] == "H1"] == [None]


def test_scorecard_detail_has_every_item_with_its_working(network, token_for, scorecards):
    response = token_for(network.manager).get("/api/kpi/scorecards/T1/2026-10")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["employee_no"] == "T1" and body["template"] == "TECH" and body["template_version"] == 2
    assert body["template_name"] == "技师考核方案" and body["grade"] == "A"
    scored, missing, bonus = body["items"]
    assert scored == ITEMS[0]
    assert missing["no_data"] is True and missing["value"] is None and missing["note"] == ITEMS[1]["note"]
    assert bonus["kind"] == "bonus" and bonus["adjustment"] == 4.0 and bonus["basis"] == "value"
    assert bonus["target"] is None  # a key the scoring left out reads as null
    september = token_for(network.manager).get("/api/kpi/scorecards/T1/2026-09").json()
    assert september["vetoed"] is True and september["grade"] == "C" and september["template_version"] == 1


def test_scorecard_detail_is_404_out_of_scope_or_missing_and_422_for_a_bad_period(
    network, token_for, scorecards
):
    api = token_for(network.manager)
    assert api.get("/api/kpi/scorecards/T4/2026-10").status_code == 404  # SC2
    assert api.get("/api/kpi/scorecards/H1/2026-10").status_code == 404  # company level
    assert api.get("/api/kpi/scorecards/T1/2026-08").status_code == 404  # no scorecard
    assert api.get("/api/kpi/scorecards/NOBODY/2026-10").status_code == 404
    response = api.get("/api/kpi/scorecards/T1/2026-13")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "code": "invalid_period",
            "field": "period",
            "message": "'2026-13' is not a period: use YYYY-MM (e.g. 2026-10) or YYYY-Qn (e.g. 2026-Q4).",
        }
    ]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"period": "2026-13"}, "period"),
        ({"position": "astronaut"}, "position"),
        ({"org_unit": "SC2"}, "org_unit"),  # outside the manager's scope: unknown
        ({"org_unit": "NOPE"}, "org_unit"),
        ({"cursor": "!!notbase64"}, "cursor"),
        ({"limit": 0}, "limit"),
    ],
)
def test_scorecards_bad_input_names_the_field(network, token_for, params, field):
    response = token_for(network.manager).get("/api/kpi/scorecards", params)
    assert response.status_code == 422, response.content
    assert [error["field"] for error in response.json()["errors"]] == [field]


def scorecard_key(item):
    return item["employee_no"], item["period"]


def test_scorecards_cursor_pages_by_employee_and_period(network, token_for, scorecards):
    api = token_for(network.manager)
    expected = [("T1", "2026-09"), ("T1", "2026-10"), ("T2", "2026-10"), ("T3", "2026-10"), ("A1", "2026-10")]
    for limit in (1, 2, 5, 6):
        assert page_through(api, "/api/kpi/scorecards", {}, limit, scorecard_key) == (
            expected,
            -(-5 // limit),
        )


def test_scorecard_paging_survives_a_recompute_that_replaces_the_cards(network, token_for, scorecards):
    api = token_for(network.manager)
    first = api.get("/api/kpi/scorecards", {"limit": 2}).json()
    for card in Scorecard.objects.filter(period="2026-10"):
        version, employee = card.version, card.employee
        card.delete()
        ScorecardFactory(employee=employee, version=version, final_score=60.0)
    rest = api.get("/api/kpi/scorecards", {"limit": 10, "cursor": first["next_cursor"]}).json()
    assert [scorecard_key(item) for item in first["items"] + rest["items"]] == [
        ("T1", "2026-09"),
        ("T1", "2026-10"),
        ("T2", "2026-10"),
        ("T3", "2026-10"),
        ("A1", "2026-10"),
    ]


def test_scorecards_query_count_does_not_grow_with_rows(network, token_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = token_for(network.manager)

    def make(count):
        for n in range(count):
            person = EmployeeFactory(org_unit=(network.t11, network.t12, network.sc1)[n % 3])
            ScorecardFactory(employee=person, items=ITEMS)  # each with its own template and version

    def queries(limit):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/kpi/scorecards", {"limit": limit, "org_unit": "SC1"}).status_code == 200
        return len(ctx.captured_queries)

    make(5)
    small = queries(5)
    make(30)
    assert queries(5) == small and queries(35) == small


def test_every_kpi_endpoint_needs_the_read_scope(network, token_for, scorecards):
    api = token_for(network.manager, scopes=("import",))
    for path in (
        "/api/kpi/indicators",
        "/api/kpi/results?period=2026-10",
        "/api/kpi/scorecards",
        "/api/kpi/scorecards/T1/2026-10",
    ):
        response = api.get(path)
        assert response.status_code == 403 and "'read' scope" in response.json()["detail"], path


# --- metric facts through the generic import ---------------------------------------------


def test_metric_facts_import_for_people_and_units(network, token_for):
    rows = [
        {"indicator": "AVAILABLE_HOURS", "period": "2026-10", "value": 168, "employee": "T1"},
        {"indicator": "AVAILABLE_HOURS", "period": "2026-10", "value": "160.5", "employee": "T2"},
        {"indicator": "TEAM_ATTRITION", "period": "2026-10", "value": 2.5, "org_unit": "SC1"},
    ]
    api = token_for(network.manager)
    response = api.post("/api/import/metric_facts", {"rows": rows})
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 3 and response.json()["errors"] == []
    stored = {
        (f.indicator, f.employee.employee_no if f.employee else f.org_unit.code): float(f.value)
        for f in MetricFact.objects.select_related("employee", "org_unit")
    }
    assert stored == {
        ("AVAILABLE_HOURS", "T1"): 168.0,
        ("AVAILABLE_HOURS", "T2"): 160.5,
        ("TEAM_ATTRITION", "SC1"): 2.5,
    }
    again = api.post("/api/import/metric_facts", {"rows": rows}).json()
    assert again["unchanged"] == 3 and again["created"] == 0


@pytest.mark.parametrize(
    "bad_row, column, message",
    [
        ({"employee": "E404"}, "employee", "unknown employee_no E404"),
        ({"employee": "T4"}, "employee", "unknown employee_no T4"),  # SC2: outside the manager's scope
        ({"indicator": "NOT_A_FACT"}, "indicator", "unknown indicator NOT_A_FACT"),
        ({"period": "2026-13"}, "period", ""),
    ],
)
def test_a_bad_metric_fact_rejects_every_row_with_row_and_column(
    network, token_for, bad_row, column, message
):
    good = {"indicator": "AVAILABLE_HOURS", "period": "2026-10", "value": 168, "employee": "T1"}
    rows = [good, {**good, "employee": "T2", **bad_row}]
    response = token_for(network.manager).post("/api/import/metric_facts", {"rows": rows})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["created"] == 0 and len(body["errors"]) == 1, body
    assert body["errors"][0]["row"] == 3 and body["errors"][0]["column"] == column
    assert message in body["errors"][0]["message"]
    assert not MetricFact.objects.exists()
