"""The explainable scorecard: the employee's own scorecard item by item (value, target,
points, weight, contribution, bonus and deductions, veto, no data and shrinkage said
plainly, rank in the centre), the evidence behind each value down to the work orders,
scope (404 for anyone else's), bad input, query counts, and the whole path through
`kpi.services.recompute.recompute_period`."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from servicescore.appraisal.models import Scorecard, TemplateItem
from servicescore.appraisal.selectors.scorecards import rank_in_centre
from servicescore.kpi.models import DerivedIndicator, ManualRating
from servicescore.kpi.selectors import EVIDENCE_PER_PAGE
from servicescore.workorders.models import LabourLine

from ..conftest import login
from ..factories import (
    EmployeeFactory,
    UserFactory,
    WorkOrderFactory,
    employee_result,
)
from ..kpi.test_evidence import records  # noqa: F401 (a fixture: the contract test's edge cases)
from .scorecards import at, english, line, scorecard, technician_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    return english(client)


@pytest.fixture
def card(network):
    return scorecard(network.tech, technician_version(), final=61.67, base=62.67, adjustment=-1.0, grade="C")


def scorecard_url(employee, period="2026-10"):
    return reverse("kpi:scorecard", args=[employee.employee_no, period])


def evidence_url(employee, code, period="2026-10", **params):
    url = reverse("kpi:evidence", args=[employee.employee_no, period, code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def fixed(network, technician, created, completed, **fields):
    fields.setdefault("resolution", "fixed")
    return WorkOrderFactory(
        service_center=network.sc1,
        technician=technician,
        state="completed",
        created_at=at(created),
        completed_at=at(completed),
        **fields,
    )


def linked_orders(html):
    return re.findall(r'data-work-order-link="([^"]+)"', html)


# --- the employee's own scorecard -----------------------------------------------------------


def test_technician_sees_his_scorecard_item_by_item(client, network, card):
    login(client, network.tech)
    response = client.get(scorecard_url(network.tech))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-final>61.67<" in html and "data-grade>" in html and ">C<" in html
    ftfr = re.search(r'data-item="FTFR".*?</div>\s*</div>\s*<dl.*?</dl>', html, re.S).group(0)
    assert "First-time fix rate" in ftfr  # the indicator's name in the user's language
    assert "80 %" in ftfr and "raw 100" in ftfr and "90 %" in ftfr and "0 points at 60" in ftfr
    assert "66.67 × 100% = 66.67" in ftfr and "60%" in ftfr and "100% after re-weighting" in ftfr
    assert evidence_url(network.tech, "FTFR") in html
    assert 'data-kind="bonus"' in html and "+4" in html
    assert 'data-kind="deduction"' in html and "-5" in html
    assert 'data-veto="clear"' in html


def test_no_data_and_shrinkage_are_said_plainly(client, network, card):
    login(client, network.tech)
    html = client.get(scorecard_url(network.tech)).content.decode()
    assert 'data-no-data="reweight"' in html
    assert (
        "No data this period: this item is left out and the other items' weights are scaled back up to 100."
        in html
    )
    assert "Some items had no data and were left out" in html
    assert (
        "Scored on 80 instead of the raw 100: a value resting on 3 records is pulled towards the service "
        "centre's 75, as if 10 records at the centre's value were added."
    ) in html


@pytest.mark.parametrize(
    "policy, sentence",
    [
        ("zero", "No data this period: this item scores 0 points, as the template says."),
        ("target", "No data this period: this item scores as on target (100 points), as the template says."),
    ],
)
def test_other_no_data_policies_are_said_too(client, network, policy, sentence):
    items = [
        line(
            "CSAT",
            no_data=True,
            no_data_policy=policy,
            weight=100.0,
            effective_weight=100.0,
            points=0.0 if policy == "zero" else 100.0,
        )
    ]
    scorecard(network.tech, technician_version(), items=items)
    login(client, network.tech)
    assert sentence in client.get(scorecard_url(network.tech)).content.decode()


def test_a_vetoed_scorecard_says_so(client, network):
    items = [line("SAFETY_VIOLATIONS", kind="veto", unit="count", value=1, vetoed=True)]
    scorecard(network.tech, technician_version(), items=items, grade="D", vetoed=True, final=93.0)
    login(client, network.tech)
    html = client.get(scorecard_url(network.tech)).content.decode()
    assert "data-vetoed" in html and 'data-veto="applied"' in html
    assert "the grade is the lowest, whatever the score" in html


def test_rank_is_within_the_position_in_the_service_centre(network):
    version = technician_version()
    mine = scorecard(network.tech, version, final=80.0)
    scorecard(network.tech_colleague, version, final=90.0)  # same team
    scorecard(network.tech_other_team, version, final=85.0)  # same centre, other team
    scorecard(network.tech_sc2, version, final=99.0)  # other centre: not counted
    scorecard(network.advisor, version, final=95.0)  # other position: not counted
    scorecard(network.tech_other_team, version, period="2026-11", final=100.0)  # other period
    vetoed = scorecard(
        EmployeeFactory(position="technician", org_unit=network.t12),
        version,
        final=97.0,
        vetoed=True,
        grade="D",
    )
    rank = rank_in_centre(Scorecard.objects.select_related("employee__org_unit__parent").get(pk=mine.pk))
    assert (rank.position, rank.out_of, rank.centre) == (3, 4, network.sc1)
    last = rank_in_centre(Scorecard.objects.select_related("employee__org_unit__parent").get(pk=vetoed.pk))
    assert (last.position, last.out_of) == (4, 4)  # a veto ranks last whatever the score


def test_the_page_shows_the_rank(client, network, card):
    scorecard(network.tech_colleague, card.version, final=90.0)
    login(client, network.tech)
    html = client.get(scorecard_url(network.tech)).content.decode()
    assert 'data-rank="2/2"' in html and "at 上海浦东服务中心" in html
    assert "员工T2" not in html  # the rank, not the colleague's detail


def test_period_without_a_scorecard_says_so(client, network, card):
    login(client, network.tech)
    response = client.get(scorecard_url(network.tech, "2026-09"))
    assert response.status_code == 200
    assert "There is no scorecard for 2026-09 yet." in response.content.decode()
    assert response.context["periods"] == ["2026-10"]


def test_my_scorecard_opens_the_newest_period(client, network, card):
    scorecard(network.tech, card.version, period="2026-11")
    login(client, network.tech)
    response = client.get(reverse("kpi:my_scorecard"))
    assert response.status_code == 302 and response["Location"] == scorecard_url(network.tech, "2026-11")


def test_my_scorecard_without_any_opens_the_last_complete_month(client, network, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at("12-02 09:00"))
    login(client, network.tech)
    response = client.get(reverse("kpi:my_scorecard"))
    assert response["Location"] == scorecard_url(network.tech, "2026-11")


def test_my_scorecard_without_an_employee_record(client, network):
    login(client, network.auditor)  # company-wide, no employee: the team view instead
    assert client.get(reverse("kpi:my_scorecard"))["Location"] == reverse("kpi:team_scores")
    login(client, UserFactory(username="loose", role="technician"))
    assert client.get(reverse("kpi:my_scorecard")).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, network, card):
    for url in (
        reverse("kpi:my_scorecard"),
        scorecard_url(network.tech),
        evidence_url(network.tech, "FTFR"),
        reverse("kpi:team_scores"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- scope -----------------------------------------------------------------------------------


def test_technician_cannot_open_colleagues_scorecard_or_evidence_by_guessing(client, network, card):
    version = card.version
    for other in (network.tech_colleague, network.tech_other_team, network.tech_sc2, network.foreman):
        scorecard(other, version)
    login(client, network.tech)
    for other in (network.tech_colleague, network.tech_other_team, network.tech_sc2, network.foreman):
        for period in ("2026-10", "2026-11"):
            assert client.get(scorecard_url(other, period)).status_code == 404
            assert client.get(evidence_url(other, "FTFR", period)).status_code == 404
    assert client.get(reverse("kpi:scorecard", args=["NOBODY", "2026-10"])).status_code == 404


def test_manager_sees_his_centre_only_and_hr_sees_everyone(client, network):
    version = technician_version()
    scorecard(network.tech_other_team, version)
    scorecard(network.tech_sc2, version)
    login(client, network.manager)
    assert client.get(scorecard_url(network.tech_other_team)).status_code == 200
    assert client.get(evidence_url(network.tech_other_team, "FTFR")).status_code == 200
    assert client.get(scorecard_url(network.tech_sc2)).status_code == 404
    assert client.get(evidence_url(network.tech_sc2, "FTFR")).status_code == 404
    login(client, network.hr)
    assert client.get(scorecard_url(network.tech_sc2)).status_code == 200
    assert client.get(evidence_url(network.tech_sc2, "FTFR")).status_code == 200


def test_foreman_sees_his_team_not_the_other_team(client, network):
    version = technician_version()
    scorecard(network.tech_colleague, version)
    scorecard(network.tech_other_team, version)
    login(client, network.foreman)
    assert client.get(scorecard_url(network.tech_colleague)).status_code == 200
    assert client.get(scorecard_url(network.tech_other_team)).status_code == 404


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "october", "2026-1"])
def test_a_malformed_period_gets_a_clear_message(client, network, card, period):
    login(client, network.tech)
    for url in (scorecard_url(network.tech, period), evidence_url(network.tech, "FTFR", period)):
        response = client.get(url)
        assert response.status_code == 400
        assert f"&#x27;{period}&#x27; is not a period: use YYYY-MM (e.g. 2026-10) or YYYY-Qn" in (
            response.content.decode()
        )


def test_team_view_with_a_malformed_period_gets_a_clear_message(client, network):
    login(client, network.manager)
    response = client.get(reverse("kpi:team_scores"), {"period": "2026-13"})
    assert response.status_code == 400 and "is not a period" in response.content.decode()


def test_unknown_indicator_code_is_404(client, network, card):
    login(client, network.tech)
    for code in ("NOPE", "ftfr", "FTFR;DROP"):
        assert client.get(evidence_url(network.tech, code)).status_code == 404


def test_an_unknown_employee_with_a_bad_period_still_reveals_nothing(client, network):
    login(client, network.tech)
    # The period is checked first: the message names only the period the user typed.
    response = client.get(reverse("kpi:scorecard", args=["T2", "2026-13"]))
    assert response.status_code == 400 and "员工T2" not in response.content.decode()


# --- evidence --------------------------------------------------------------------------------


@pytest.fixture
def october(network, card):
    t1 = network.tech
    orders = [
        fixed(network, t1, "10-01 08:00", "10-01 12:00", visits=1),
        fixed(network, t1, "10-02 08:00", "10-02 12:00", visits=2),
        fixed(network, t1, "10-03 08:00", "10-03 12:00", resolution="not_fixed"),
        fixed(network, t1, "10-04 08:00", "10-04 12:00", resolution=""),  # no resolution: not counted
        fixed(network, t1, "09-04 08:00", "09-30 12:00"),  # September
        WorkOrderFactory(
            service_center=network.sc1,
            technician=t1,
            state="cancelled",
            created_at=at("10-05 08:00"),
            completed_at=at("10-05 09:00"),
            resolution="fixed",
        ),
    ]
    employee_result(employee=t1, indicator="FTFR", value=100 / 3, numerator=1, denominator=3, sample=3)
    return orders


def test_evidence_explains_the_value_down_to_the_work_orders(client, network, october):
    login(client, network.tech)
    response = client.get(evidence_url(network.tech, "FTFR"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "work orders completed in the period as fixed in one visit" in html  # the formula in words
    assert 'data-figure="numerator">1<' in html and 'data-figure="denominator">3<' in html
    assert "100 × 1 ÷ 3 = 33.33" in html
    assert linked_orders(html) == [o.external_id for o in october[:3]]
    assert [row["in_numerator"] for row in response.context["sections"][0].rows] == [True, False, False]
    assert f'href="{reverse("workorders:detail", args=[october[0].pk])}"' in html
    assert "Resolution" in html and "Visits" in html  # the fields that decide the numerator
    assert "data-stale" not in html
    assert "On the scorecard" in html and "Scored on 80 instead of the raw 100" in html  # the item's working


def test_evidence_says_when_records_changed_since_the_score(client, network, october):
    fixed(network, network.tech, "10-06 08:00", "10-06 12:00", visits=1)
    login(client, network.tech)
    html = client.get(evidence_url(network.tech, "FTFR")).content.decode()
    assert "data-stale" in html and 'data-figure="numerator">2<' in html


def test_evidence_no_data_is_said_plainly(client, network, card):
    login(client, network.tech)
    html = client.get(evidence_url(network.tech, "CSAT")).content.decode()
    assert (
        "No data: there is no record in the denominator this period, so the value is empty, not zero." in html
    )
    assert "No data this period: this item is left out" in html
    assert "No records this period." in html


def test_evidence_of_others_orders_is_listed_without_a_link_the_user_may_not_open(client, network):
    """A comeback led by a colleague counts against the original's technician: he sees it
    listed, and the link goes only to his own original."""
    original = fixed(network, network.tech, "10-01 08:00", "10-01 12:00")
    comeback = WorkOrderFactory(
        service_center=network.sc1,
        technician=network.tech_colleague,
        rework_of=original,
        created_at=at("10-10 08:00"),
    )
    login(client, network.tech)
    response = client.get(evidence_url(network.tech, "REWORK_RATE"))
    html = response.content.decode()
    numerator = response.context["sections"][0]
    assert numerator.role == "numerator" and numerator.rows[0]["record"].pk == comeback.pk
    assert comeback.external_id in html
    assert reverse("workorders:detail", args=[comeback.pk]) not in html
    assert linked_orders(html).count(original.external_id) == 2  # as the comeback's original and as completed
    login(client, network.manager)
    assert (
        reverse("workorders:detail", args=[comeback.pk])
        in client.get(evidence_url(network.tech, "REWORK_RATE")).content.decode()
    )


def test_evidence_of_labour_and_responses_links_to_their_work_orders(client, network):
    from servicescore.voice.models import SurveyResponse

    order = fixed(network, network.tech, "10-01 08:00", "10-01 12:00")
    LabourLine.objects.create(
        work_order=order, technician=network.tech, standard_hours=Decimal("2"), clocked_hours=Decimal("2.5")
    )
    SurveyResponse.objects.create(
        external_id="R1", work_order=order, submitted_at=at("10-02 10:00"), overall=5
    )
    login(client, network.tech)
    efficiency = client.get(evidence_url(network.tech, "EFFICIENCY")).content.decode()
    assert linked_orders(efficiency) == [order.external_id]
    assert "Added to the numerator" in efficiency and "Added to the denominator" in efficiency
    csat = client.get(evidence_url(network.tech, "CSAT")).content.decode()
    assert linked_orders(csat) == [order.external_id] and "R1" in csat


def test_evidence_of_manual_ratings_shows_reviewer_and_comment(client, network):
    ManualRating.objects.create(
        employee=network.tech,
        period="2026-10",
        indicator="TEAMWORK",
        reviewer=network.foreman,
        rating=5,
        comment="主动帮助新同事",
    )
    login(client, network.tech)
    response = client.get(evidence_url(network.tech, "TEAMWORK"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "员工F1" in html and "主动帮助新同事" in html and "Reviewers' ratings" in html
    assert 'data-figure="value">5' in html


def test_evidence_of_a_derived_indicator_points_to_its_components(client, network):
    DerivedIndicator.objects.create(
        code="QUALITY", name_zh="质量", name_en="Quality", unit="%", formula="0.5 * CSAT + 0.5 * FTFR"
    )
    employee_result(employee=network.tech, indicator="FTFR", value=80.0)
    employee_result(employee=network.tech, indicator="CSAT", value=90.0)
    login(client, network.tech)
    html = client.get(evidence_url(network.tech, "QUALITY")).content.decode()
    assert "= 0.5 * CSAT + 0.5 * FTFR" in html
    assert evidence_url(network.tech, "CSAT") in html and evidence_url(network.tech, "FTFR") in html
    assert 'data-figure="value">85<' in html


def test_evidence_is_paginated_per_list(client, network, card):
    for day in range(1, EVIDENCE_PER_PAGE + 6):
        fixed(network, network.tech, f"10-{day:02d} 08:00", f"10-{day:02d} 09:00")
    login(client, network.tech)
    first = client.get(evidence_url(network.tech, "WO_COMPLETED"))
    assert len(first.context["sections"][0].rows) == EVIDENCE_PER_PAGE
    assert "records_page=2" in first.content.decode()
    second = client.get(evidence_url(network.tech, "WO_COMPLETED", records_page=2))
    assert len(second.context["sections"][0].rows) == 5
    assert second.context["numerator"] == EVIDENCE_PER_PAGE + 5  # the total, whatever the page
    assert client.get(evidence_url(network.tech, "WO_COMPLETED", records_page="x")).status_code == 200


@pytest.mark.parametrize(
    "viewer, code", [("tech", "FTFR"), ("tech", "REWORK_RATE"), ("manager", "CSAT"), ("hr", "COMPLAINT_RATE")]
)
def test_evidence_query_count_does_not_grow_with_records(
    client, network, card, django_assert_num_queries, viewer, code
):
    from servicescore.voice.models import Complaint, SurveyResponse

    def add(n, start):
        for i in range(start, start + n):
            order = fixed(network, network.tech, "10-01 08:00", "10-02 08:00", visits=1 + i % 2)
            WorkOrderFactory(
                service_center=network.sc1,
                technician=network.tech_colleague,
                rework_of=order,
                created_at=at("10-05 08:00"),
            )
            SurveyResponse.objects.create(
                external_id=f"R{i}", work_order=order, submitted_at=at("10-03 08:00"), overall=3 + i % 3
            )
            Complaint.objects.create(external_id=f"C{i}", work_order=order, received_at=at("10-04 08:00"))

    add(3, 0)
    login(client, getattr(network, viewer))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(evidence_url(network.tech, code)).status_code == 200
    add(30, 100)
    with django_assert_num_queries(len(few)):
        response = client.get(evidence_url(network.tech, code))
    assert response.context["sections"][0].page.paginator.count >= 33


def test_scorecard_query_count_does_not_grow_with_items(client, network, django_assert_num_queries):
    version = technician_version()
    scorecard(network.tech, version, items=[line("FTFR", value=1.0, points=1.0, weight=100.0)])
    login(client, network.tech)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(scorecard_url(network.tech))
    Scorecard.objects.filter(employee=network.tech).update(
        items=[line(code, value=1.0, points=1.0, weight=100 / 30) for code in ["FTFR", "CSAT", "NPS"] * 10]
    )
    for _ in range(30):
        scorecard(EmployeeFactory(position="technician", org_unit=network.t11), version)
    with django_assert_num_queries(len(few)):
        assert client.get(scorecard_url(network.tech)).status_code == 200


# --- end to end ------------------------------------------------------------------------------


def test_recomputed_scorecard_drills_down_to_the_same_numbers(client, network):
    """Through kpi.services.recompute.recompute_period: the scorecard it stores, the page that shows
    it and the evidence behind each item agree."""
    from servicescore.kpi.services.recompute import recompute_period

    version = technician_version()
    TemplateItem.objects.create(
        version=version,
        indicator="FTFR",
        weight=Decimal(60),
        rule="linear",
        target=Decimal(90),
        threshold=Decimal(50),
    )
    TemplateItem.objects.create(
        version=version, indicator="ON_TIME_RATE", weight=Decimal(40), rule="ratio", target=Decimal(100)
    )
    TemplateItem.objects.create(
        version=version,
        indicator="PRAISE_COUNT",
        kind="bonus",
        points_per_unit=Decimal(2),
        max_points=Decimal(10),
    )
    fixed(network, network.tech, "10-01 08:00", "10-01 12:00", visits=1, due_at=at("10-01 18:00"))
    fixed(network, network.tech, "10-02 08:00", "10-02 12:00", visits=2, due_at=at("10-02 10:00"))
    fixed(network, network.tech, "10-03 08:00", "10-03 12:00", visits=1)
    recompute_period("2026-10")

    card = Scorecard.objects.get(employee=network.tech, period="2026-10")
    login(client, network.tech)
    assert client.get(scorecard_url(network.tech)).status_code == 200
    for item in card.items:
        response = client.get(evidence_url(network.tech, item["indicator"]))
        assert response.status_code == 200
        context = response.context
        assert context["numerator"] == pytest.approx(item["numerator"] or 0), item["indicator"]
        if item["denominator"] is not None:
            assert context["denominator"] == pytest.approx(item["denominator"]), item["indicator"]
        assert not context["stale"], item["indicator"]
    ftfr = next(item for item in card.items if item["indicator"] == "FTFR")
    assert (ftfr["numerator"], ftfr["denominator"]) == (2, 3)


def test_navigation_marks_my_scorecard_or_the_team_view(client, network, card):
    login(client, network.tech)
    assert client.get(scorecard_url(network.tech)).context["nav_active"] == "scores"
    assert client.get(evidence_url(network.tech, "FTFR")).context["nav_active"] == "scores"
    login(client, network.manager)
    assert client.get(scorecard_url(network.tech)).context["nav_active"] == "team_scores"
    assert client.get(evidence_url(network.tech, "FTFR")).context["nav_active"] == "team_scores"
    assert client.get(reverse("kpi:team_scores")).context["nav_active"] == "team_scores"


@pytest.mark.usefixtures("records")
def test_every_indicators_evidence_page_opens(client, network):
    """Every indicator of the catalogue, for a technician, an advisor and an agent, for a
    month and a quarter, over the contract test's edge cases."""
    from servicescore.kpi.catalog import catalog

    DerivedIndicator.objects.create(code="BROKEN", name_zh="坏", name_en="Broken", formula="CSAT / 0")
    login(client, network.hr)
    codes = list(catalog())
    assert len(codes) > 40
    for person in (network.tech, network.advisor, network.cs_agent):
        for period in ("2026-10", "2026-Q4"):
            for code in codes:
                response = client.get(evidence_url(person, code, period))
                assert response.status_code == 200, (person.employee_no, period, code)


def test_periods_read_newest_first_months_before_their_quarter():
    from servicescore.appraisal.selectors.scorecards import newest_first

    assert newest_first(["2026-Q1", "2026-12", "2026-Q4", "2026-11", "2025-12", "2026-12"]) == [
        "2026-12",
        "2026-Q4",
        "2026-11",
        "2026-Q1",
        "2025-12",
    ]


def test_my_scorecard_prefers_the_newest_month_over_an_older_quarter(client, network, card):
    scorecard(network.tech, card.version, period="2026-Q1")
    login(client, network.tech)
    assert client.get(reverse("kpi:my_scorecard"))["Location"] == scorecard_url(network.tech, "2026-10")
    response = client.get(scorecard_url(network.tech, "2026-Q1"))
    assert response.status_code == 200 and response.context["periods"] == ["2026-10", "2026-Q1"]
