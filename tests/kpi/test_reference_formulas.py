# ruff: noqa: B023, E731 - the reference reads closures inside the loop that defines them
"""End to end against an independent reading of kpi-library.md: random but seeded CSV
files in the import formats (with month-boundary timestamps, cancelled orders, comebacks
inside and outside the window, complaints naming an employee, invalid complaints, people
with no data) are imported through `servicescore import`, then `servicescore kpi compute
--format json` must give, for every employee and indicator, what a plain-Python
computation of the spec's formulas over the same rows gives."""

import csv
import datetime
import io
import json
import random
import zoneinfo
from collections import defaultdict

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db
ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
START = datetime.datetime(2026, 9, 20, tzinfo=ZONE)
WINDOW = datetime.timedelta(days=30)


def iso(moment):
    return moment.isoformat() if moment else ""


def in_month(moment, month="2026-10"):
    if moment is None:
        return False
    local = moment.astimezone(ZONE)
    return f"{local.year:04d}-{local.month:02d}" == month


def build(rng):
    """The company's rows, as dicts of Python values (timestamps aware)."""
    people = [
        ("TEC1", "technician", "SC1"),
        ("TEC2", "technician", "SC1"),
        ("TEC3", "technician", "SC2"),
        ("TEC4", "technician", "SC2"),
        ("ADV1", "service_advisor", "SC1"),
        ("ADV2", "service_advisor", "SC2"),
        ("AGT1", "cs_agent", "SC1"),
        ("IDLE", "technician", "SC2"),
    ]
    techs = ["TEC1", "TEC2", "TEC3", "TEC4"]
    orders = []
    for n in range(260):
        created = START + datetime.timedelta(minutes=rng.randrange(0, 46 * 24 * 60))
        if n == 0:
            created = datetime.datetime(2026, 10, 31, 23, 30, tzinfo=ZONE)  # October
        if n == 1:
            created = datetime.datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 November in Shanghai
        tech = rng.choice(techs)
        centre = "SC1" if tech in ("TEC1", "TEC2") else "SC2"
        o = {
            "external_id": f"WO{n:04d}",
            "service_center": centre,
            "type": "repair",
            "created_at": created,
            "technician": tech,
            "advisor": rng.choice(["ADV1", "ADV2", None]),
            "difficulty": rng.choice([1, 1.5, 2]),
            "visits": rng.choice([1, 1, 2]),
            "first_response_at": None,
            "started_at": None,
            "completed_at": None,
            "closed_at": None,
            "cancelled_at": None,
            "due_at": created + datetime.timedelta(hours=rng.choice([4, 24, 48])),
            "resolution": None,
            "standard_hours": None,
            "clocked_hours": None,
            "labor_amount": None,
            "parts_cost": None,
            "travel_cost": None,
            "rework_of": None,
        }
        if rng.random() < 0.8:
            o["first_response_at"] = created + datetime.timedelta(minutes=rng.choice([5, 29, 30, 31, 90]))
        fate = rng.random()
        if fate < 0.08:
            o["cancelled_at"] = created + datetime.timedelta(hours=1)
            o["first_response_at"] = None
        elif fate < 0.9:
            start = (o["first_response_at"] or created) + datetime.timedelta(minutes=rng.randrange(10, 600))
            o["started_at"] = start if rng.random() < 0.9 else None
            o["completed_at"] = start + datetime.timedelta(minutes=rng.randrange(30, 3000))
            o["resolution"] = rng.choice(["fixed", "fixed", "fixed", "not_fixed", "no_fault_found", None])
            o["standard_hours"] = round(rng.uniform(0.5, 4), 2)
            o["clocked_hours"] = round(rng.uniform(0.5, 5), 2)
            o["labor_amount"] = round(rng.uniform(100, 900), 2)
            o["parts_cost"] = round(rng.uniform(0, 2000), 2)
            o["travel_cost"] = round(rng.uniform(0, 80), 2)
            if rng.random() < 0.7:
                o["closed_at"] = o["completed_at"] + datetime.timedelta(hours=rng.randrange(1, 72))
        if n == 2:  # completed at 23:30 local on 31 October: October
            o.update(
                started_at=None,
                completed_at=datetime.datetime(2026, 10, 31, 23, 30, tzinfo=ZONE),
                created_at=datetime.datetime(2026, 10, 30, 9, 0, tzinfo=ZONE),
                cancelled_at=None,
                first_response_at=None,
                resolution="fixed",
                closed_at=None,
            )
            o["due_at"] = o["created_at"] + datetime.timedelta(hours=24)
        orders.append(o)
    # comebacks: originals completed in September or October, inside and outside the window
    done = [
        o
        for o in orders
        if o["completed_at"] and o["completed_at"] < datetime.datetime(2026, 10, 20, tzinfo=ZONE)
    ]
    for n, original in enumerate(rng.sample(done, 30)):
        gap = datetime.timedelta(days=rng.choice([1, 10, 29, 31, 45]))
        created = original["completed_at"] + gap
        orders.append(
            {
                **original,
                "external_id": f"CB{n:03d}",
                "created_at": created,
                "rework_of": original["external_id"],
                "first_response_at": None,
                "started_at": None,
                "completed_at": None,
                "closed_at": None,
                "cancelled_at": None,
                "resolution": None,
                "due_at": None,
                "standard_hours": None,
                "clocked_hours": None,
                "labor_amount": None,
                "parts_cost": None,
                "travel_cost": None,
                "technician": rng.choice(techs),
            }
        )
    # several technicians on some orders: labour_lines replace the single line
    labour = {}
    for o in rng.sample([o for o in orders if o["completed_at"]], 25):
        helper = rng.choice([t for t in techs if t != o["technician"]])
        labour[o["external_id"]] = [(o["technician"], 1.5, 2.0), (helper, 0.5, 0.75)]
    responses, followups, complaints = [], [], []
    for o in orders:
        if o["completed_at"] and rng.random() < 0.6:
            submitted = o["completed_at"] + datetime.timedelta(hours=rng.randrange(1, 24 * 12))
            responses.append(
                {
                    "external_id": f"R{o['external_id']}",
                    "work_order_external_id": o["external_id"],
                    "submitted_at": submitted,
                    "overall": rng.randint(1, 5),
                    "nps": rng.choice([None, 0, 5, 6, 7, 8, 9, 10]),
                }
            )
        if o["closed_at"] and rng.random() < 0.5:
            called = o["closed_at"] + datetime.timedelta(hours=rng.randrange(1, 24 * 10))
            followups.append(
                {
                    "external_id": f"F{o['external_id']}",
                    "work_order_external_id": o["external_id"],
                    "agent": "AGT1",
                    "called_at": called,
                    "reached": rng.random() < 0.7,
                }
            )
    for n in range(40):
        o = rng.choice([o for o in orders if o["completed_at"]])
        received = o["completed_at"] + datetime.timedelta(hours=rng.randrange(1, 24 * 20))
        resolved = (
            received + datetime.timedelta(hours=rng.choice([2, 47, 49, 100])) if rng.random() < 0.8 else None
        )
        complaints.append(
            {
                "external_id": f"C{n:03d}",
                "received_at": received,
                "work_order_external_id": o["external_id"] if rng.random() < 0.85 else None,
                "employee": rng.choice([None, None, "TEC1", "ADV1"]),
                "handler": rng.choice(["AGT1", "ADV2"]),
                "valid": rng.random() < 0.8,
                "resolved_at": resolved,
                "satisfied_after": (rng.random() < 0.6) if resolved else None,
            }
        )
    facts = [
        {"indicator": "AVAILABLE_HOURS", "period": "2026-10", "value": 168, "employee": t} for t in techs[:3]
    ]
    return people, orders, labour, responses, followups, complaints, facts


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                [
                    ""
                    if row.get(h) is None
                    else iso(row[h])
                    if isinstance(row[h], datetime.datetime)
                    else str(row[h]).lower()
                    if isinstance(row[h], bool)
                    else row[h]
                    for h in header
                ]
            )


def reference(people, orders, labour, responses, followups, complaints, facts, month="2026-10"):
    """kpi-library.md's formulas, read plainly."""
    by_id = {o["external_id"]: o for o in orders}
    live = [o for o in orders if not o["cancelled_at"]]
    lines = defaultdict(list)
    for o in live:
        if o["external_id"] in labour:
            lines[o["external_id"]] = labour[o["external_id"]]
        elif o["technician"] and o["standard_hours"] is not None:
            lines[o["external_id"]] = [(o["technician"], o["standard_hours"], o["clocked_hours"])]
    position = {no: pos for no, pos, _c in people}
    hours = lambda a, b: (a - b).total_seconds() / 3600
    out = {}
    for no, pos, _centre in people:
        role = "advisor" if pos == "service_advisor" else "technician"
        mine = lambda who: [o for o in live if o[who] == no]
        done_as = lambda who: [o for o in mine(who) if in_month(o["completed_at"], month)]
        made_as = lambda who: [o for o in mine(who) if in_month(o["created_at"], month)]
        done, done_lead, made = done_as(role), done_as("technician"), made_as(role)
        resolved = [o for o in done_lead if o["resolution"]]
        r = {}

        def rate(code, num, den, scale=100):
            r[code] = scale * num / den if den else None

        r["WO_COMPLETED"] = len(done)
        r["WORKLOAD"] = sum(o["difficulty"] for o in done_lead)
        answered = [o for o in made if o["first_response_at"]]
        rate(
            "RESPONSE_TIME_AVG",
            sum((o["first_response_at"] - o["created_at"]).total_seconds() / 60 for o in answered),
            len(answered),
            1,
        )
        rate(
            "RESPONSE_30MIN_RATE",
            sum(
                1
                for o in answered
                if o["first_response_at"] - o["created_at"] <= datetime.timedelta(minutes=30)
            ),
            len(made),
        )
        started = [o for o in done_lead if o["started_at"]]
        rate(
            "REPAIR_TIME_AVG",
            sum(hours(o["completed_at"], o["started_at"]) for o in started),
            len(started),
            1,
        )
        rate("TURNAROUND_AVG", sum(hours(o["completed_at"], o["created_at"]) for o in done), len(done), 1)
        due = [o for o in done if o["due_at"]]
        rate("ON_TIME_RATE", sum(1 for o in due if o["completed_at"] <= o["due_at"]), len(due))
        rate("REPAIR_SUCCESS_RATE", sum(1 for o in resolved if o["resolution"] == "fixed"), len(resolved))
        rate(
            "FTFR", sum(1 for o in resolved if o["resolution"] == "fixed" and o["visits"] == 1), len(resolved)
        )
        comebacks = [
            c
            for c in live
            if c["rework_of"]
            and in_month(c["created_at"], month)
            and by_id[c["rework_of"]]["technician"] == no
            and by_id[c["rework_of"]]["completed_at"]
            and c["created_at"] - by_id[c["rework_of"]]["completed_at"] <= WINDOW
        ]
        rate("REWORK_RATE", len(comebacks), len(done_lead))
        my_lines = [
            line
            for o in live
            if in_month(o["completed_at"], month)
            for line in lines[o["external_id"]]
            if line[0] == no
        ]
        standard, clocked = sum(line[1] for line in my_lines), sum(line[2] for line in my_lines)
        r["FLAGGED_HOURS"] = standard
        rate("EFFICIENCY", standard, clocked)
        available = sum(f["value"] for f in facts if f["employee"] == no and f["period"] == month)
        rate("PRODUCTIVITY", clocked, available)
        r["LABOR_REVENUE"] = sum(o["labor_amount"] or 0 for o in done)
        rate("PARTS_COST_PER_WO", sum(o["parts_cost"] or 0 for o in done_lead), len(done_lead), 1)
        rate(
            "TRAVEL_COST_PER_VISIT",
            sum(o["travel_cost"] or 0 for o in done_lead),
            sum(o["visits"] for o in done_lead),
            1,
        )

        def counts_for_me(ref):
            o = by_id.get(ref)
            return o is not None and not o["cancelled_at"] and no in (o["technician"], o["advisor"])

        rs = [
            x
            for x in responses
            if in_month(x["submitted_at"], month) and counts_for_me(x["work_order_external_id"])
        ]
        rate("CSAT", sum(1 for x in rs if x["overall"] >= 4), len(rs))
        rate("CSAT_AVG", sum(x["overall"] for x in rs), len(rs), 1)
        with_nps = [x for x in rs if x["nps"] is not None]
        rate(
            "NPS",
            sum(1 for x in with_nps if x["nps"] >= 9) - sum(1 for x in with_nps if x["nps"] <= 6),
            len(with_nps),
        )
        r["SURVEY_RESPONSE_RATE"] = None  # no invitations in the import formats
        closed = [
            o for o in live if in_month(o["closed_at"], month) and no in (o["technician"], o["advisor"])
        ]
        week = datetime.timedelta(days=7)

        def covered(o):
            return any(
                f["work_order_external_id"] == o["external_id"]
                and f["reached"]
                and o["closed_at"] <= f["called_at"] <= o["closed_at"] + week
                for f in followups
            ) or any(
                x["work_order_external_id"] == o["external_id"]
                and o["closed_at"] <= x["submitted_at"] <= o["closed_at"] + week
                for x in responses
            )

        rate("FOLLOWUP_COVERAGE", sum(1 for o in closed if covered(o)), len(closed))
        calls = [f for f in followups if f["agent"] == no and in_month(f["called_at"], month)]
        rate("FOLLOWUP_REACH_RATE", sum(1 for f in calls if f["reached"]), len(calls))
        mine_c = [
            c
            for c in complaints
            if c["valid"]
            and in_month(c["received_at"], month)
            and (
                c["employee"] == no
                if c["employee"]
                else c["work_order_external_id"] and counts_for_me(c["work_order_external_id"])
            )
        ]
        rate("COMPLAINT_RATE", len(mine_c), len(done))
        handled = [c for c in complaints if c["handler"] == no and in_month(c["received_at"], month)]
        rate(
            "COMPLAINT_ON_TIME_RATE",
            sum(
                1
                for c in handled
                if c["resolved_at"] and c["resolved_at"] - c["received_at"] <= datetime.timedelta(hours=48)
            ),
            len(handled),
        )
        solved = [c for c in complaints if c["handler"] == no and in_month(c["resolved_at"], month)]
        rate("COMPLAINT_RECOVERY_RATE", sum(1 for c in solved if c["satisfied_after"]), len(solved))
        r["PRAISE_COUNT"] = 0
        out[no] = r
    assert position
    return out


def test_kpi_compute_matches_the_formulas_on_imported_files(network, tmp_path):
    rng = random.Random(20261023)
    people, orders, labour, responses, followups, complaints, facts = build(rng)
    write_csv(
        tmp_path / "org_units.csv",
        ["code", "name", "kind", "parent_code"],
        [
            {"code": "SC1", "name": "One", "kind": "service_center", "parent_code": "ACME"},
            {"code": "SC2", "name": "Two", "kind": "service_center", "parent_code": "ACME"},
        ],
    )
    write_csv(
        tmp_path / "employees.csv",
        ["employee_no", "name", "position", "org_unit"],
        [{"employee_no": no, "name": no, "position": pos, "org_unit": centre} for no, pos, centre in people],
    )
    header = [
        "external_id",
        "service_center",
        "type",
        "created_at",
        "first_response_at",
        "started_at",
        "completed_at",
        "closed_at",
        "cancelled_at",
        "due_at",
        "technician",
        "advisor",
        "difficulty",
        "standard_hours",
        "clocked_hours",
        "labor_amount",
        "parts_cost",
        "travel_cost",
        "resolution",
        "visits",
        "rework_of",
    ]
    write_csv(tmp_path / "work_orders.csv", header, orders)
    write_csv(
        tmp_path / "labour_lines.csv",
        ["work_order_external_id", "technician", "standard_hours", "clocked_hours"],
        [
            {"work_order_external_id": ref, "technician": t, "standard_hours": s, "clocked_hours": c}
            for ref, rows in labour.items()
            for t, s, c in rows
        ],
    )
    write_csv(
        tmp_path / "survey_responses.csv",
        ["external_id", "work_order_external_id", "submitted_at", "overall", "nps"],
        responses,
    )
    write_csv(
        tmp_path / "followups.csv",
        ["external_id", "work_order_external_id", "agent", "called_at", "reached"],
        followups,
    )
    write_csv(
        tmp_path / "complaints.csv",
        [
            "external_id",
            "received_at",
            "work_order_external_id",
            "employee",
            "handler",
            "valid",
            "resolved_at",
            "satisfied_after",
        ],
        complaints,
    )
    write_csv(tmp_path / "metric_facts.csv", ["indicator", "period", "value", "employee"], facts)
    for kind in [
        "org_units",
        "employees",
        "work_orders",
        "labour_lines",
        "survey_responses",
        "followups",
        "complaints",
        "metric_facts",
    ]:
        out = io.StringIO()
        try:
            call_command("import", kind, str(tmp_path / f"{kind}.csv"), "--format", "json", stdout=out)
        except SystemExit:
            pytest.fail(f"{kind} rejected: {out.getvalue()[:2000]}")
        assert json.loads(out.getvalue())["errors"] == []

    out = io.StringIO()
    call_command("kpi", "compute", "--period", "2026-10", "--org", "ACME", "--format", "json", stdout=out)
    body = json.loads(out.getvalue())
    got = defaultdict(dict)
    for row in body["rows"]:
        got[row["employee_no"]][row["indicator"]] = row["value"]
    expected = reference(people, orders, labour, responses, followups, complaints, facts)
    checked = 0
    for no, values in expected.items():
        for code, value in values.items():
            actual = got[no][code]
            if value is None:
                assert actual is None, (no, code, actual)
            else:
                assert actual == pytest.approx(value, rel=1e-9, abs=1e-9), (no, code, actual, value)
            checked += 1
    assert checked == len(people) * 26
    # the data really exercised the edge cases
    assert any(
        v is not None and v > 0 for v in (expected[t]["REWORK_RATE"] for t in ("TEC1", "TEC2", "TEC3"))
    )
    assert all(expected["IDLE"][code] is None for code in ("FTFR", "CSAT", "ON_TIME_RATE"))
    assert expected["IDLE"]["WO_COMPLETED"] == 0
