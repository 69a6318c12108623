"""Too little data is not a D (kpi-library.md, Scoring, Minimum data): when the scored
items with data carry less than the version's minimum share of the weight, the scorecard
has no score and no grade and says which items lack data; the pages say "insufficient
data" and the team page counts it apart."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from servicescore.appraisal.models import TemplateItem
from servicescore.appraisal.scoring import Figure, score
from servicescore.kpi.registry import INDICATORS, MANUAL_RATINGS

from ..conftest import login
from .scorecards import english, line, scorecard, technician_version

BANDS = [
    {"grade": "S", "min": 95},
    {"grade": "A", "min": 85},
    {"grade": "B", "min": 70},
    {"grade": "C", "min": 60},
    {"grade": "D", "min": None},
]
LOOKUP = INDICATORS | MANUAL_RATINGS
FULL = Figure(95, 19, 20, 20)  # on target: 100 points


def item(code, weight=0, kind="scored", **fields):
    for name in ("target", "threshold"):
        if fields.get(name) is not None:
            fields[name] = Decimal(str(fields[name]))
    fields.setdefault("rule", "linear")
    return TemplateItem(indicator=code, weight=Decimal(str(weight)), kind=kind, **fields)


def scheme(csat=50, ftfr=30, nps=20, no_data="reweight"):
    return [
        item("CSAT", csat, target=95, threshold=70, no_data=no_data),
        item("FTFR", ftfr, target=95, threshold=70, no_data=no_data),
        item("REWORK_RATE", nps, target=2, threshold=10, no_data=no_data),
    ]


def scored(items, figures, share=50, **options):
    return score(items, BANDS, figures, {}, LOOKUP, min_data_share=Decimal(share), **options)


def test_items_with_data_carrying_exactly_the_minimum_share_are_scored():
    result = scored(scheme(), {"CSAT": FULL, "FTFR": Figure(None), "REWORK_RATE": Figure(None)})
    assert not result.insufficient
    assert (result.final, result.grade) == (100, "S")
    assert result.data_share == 50


def test_items_with_data_carrying_less_than_the_minimum_share_give_no_score_and_no_grade():
    result = scored(scheme(), {"CSAT": Figure(None), "FTFR": FULL, "REWORK_RATE": Figure(None)})
    assert result.insufficient
    assert (result.base, result.final, result.grade) == (None, None, "")
    assert result.data_share == 30


def test_items_with_data_above_the_minimum_share_are_scored():
    result = scored(scheme(), {"CSAT": FULL, "FTFR": FULL, "REWORK_RATE": Figure(None)})
    assert not result.insufficient and result.final == 100 and result.data_share == 80


def test_the_lines_of_an_insufficient_score_say_which_items_lack_data():
    with translation.override("en"):
        result = scored(scheme(), {"CSAT": Figure(None), "FTFR": FULL, "REWORK_RATE": Figure(None)})
    lines = {line["indicator"]: line for line in result.items}
    assert lines["CSAT"]["no_data"] and "too little of the weight" in lines["CSAT"]["note"]
    assert lines["REWORK_RATE"]["no_data"] and lines["REWORK_RATE"]["points"] is None
    assert not lines["FTFR"]["no_data"] and lines["FTFR"]["note"] == ""
    assert all(line["contribution"] == 0 for line in result.items)


@pytest.mark.parametrize("policy", ["zero", "target"])
def test_an_item_scored_by_its_no_data_policy_is_not_data(policy):
    """Scoring a missing item 0 (or as on target) is a rule for a missing figure, not a
    figure: 0.00 D for a month without records is what the minimum share prevents."""
    result = scored(scheme(no_data=policy), {"CSAT": Figure(None), "FTFR": FULL, "REWORK_RATE": Figure(None)})
    assert result.insufficient and result.final is None and result.grade == ""


def test_no_data_policies_still_apply_above_the_minimum_share():
    result = scored(scheme(no_data="zero"), {"CSAT": FULL, "FTFR": FULL, "REWORK_RATE": Figure(None)})
    assert not result.insufficient and result.final == 80  # REWORK_RATE scored 0 of its 20


def test_a_minimum_share_of_zero_never_says_insufficient():
    result = scored(scheme(), {"CSAT": Figure(None), "FTFR": Figure(None), "REWORK_RATE": Figure(None)}, 0)
    assert not result.insufficient and result.final is None


def test_a_veto_still_sets_the_lowest_grade_when_data_is_insufficient():
    """A recorded safety violation is a fact, not missing data."""
    items = scheme() + [item("COMPLAINT_RATE", kind="veto", basis="numerator", threshold=1)]
    figures = {
        "CSAT": Figure(None),
        "FTFR": FULL,
        "REWORK_RATE": Figure(None),
        "COMPLAINT_RATE": Figure(10, 1, 10),
    }
    result = scored(items, figures)
    assert result.insufficient and result.vetoed
    assert (result.final, result.grade) == (None, "D")


# --- the pages -----------------------------------------------------------------------------

INSUFFICIENT_ITEMS = [
    line("FTFR", value=90.0, raw_value=90.0, points=80.0, weight=30.0, target=95.0, threshold=70.0),
    line("CSAT", no_data=True, weight=70.0, note="No data: too little of the weight has data for a score."),
]


@pytest.fixture
def starved(network):
    version = technician_version()
    return scorecard(
        network.tech, version, final=None, base=None, grade="", items=INSUFFICIENT_ITEMS, insufficient=True
    )


@pytest.mark.django_db
def test_the_scorecard_page_says_insufficient_data_and_lists_what_is_missing(client, network, starved):
    english(client)
    login(client, network.tech)
    response = client.get(reverse("kpi:scorecard", args=[network.tech.employee_no, "2026-10"]))
    html = response.content.decode()
    assert "data-insufficient" in html and "Insufficient data" in html
    assert "30%" in html and "50%" in html  # the share with data, the scheme's minimum
    assert "data-reweighted" not in html  # nothing was scaled up: there is no score
    assert 'data-missing-item="CSAT"' in html and 'data-missing-item="FTFR"' not in html
    ftfr = html.split('data-item="FTFR"', 1)[1].split('data-item="CSAT"', 1)[0]
    assert "data-contribution>—<" in ftfr and "after re-weighting" not in ftfr
    csat = html.split('data-item="CSAT"', 1)[1]
    assert "too little of the weight has data" in csat.split("</p>", 1)[0]


@pytest.fixture
def team(network):
    version = technician_version()
    return {
        "T1": scorecard(network.tech, version, final=88.0, grade="A"),
        "T2": scorecard(network.tech_colleague, version, final=96.0, grade="S"),
        "T3": scorecard(
            network.tech_other_team, version, final=None, base=None, grade="", items=INSUFFICIENT_ITEMS,
            insufficient=True,
        ),
        "A1": scorecard(network.advisor, version, final=99.0, grade="", provisional=True),
    }  # fmt: skip


def team_page(client, network, **params):
    login(english(client), network.manager)
    return client.get(reverse("kpi:team_scores"), params)


@pytest.mark.django_db
def test_the_team_page_counts_insufficient_and_provisional_scorecards_apart(client, network, team):
    response = team_page(client, network)
    context = response.context
    assert context["distribution"] == [{"grade": "S", "count": 1}, {"grade": "A", "count": 1}]
    assert (context["insufficient_count"], context["provisional_count"]) == (1, 1)
    assert context["chart"]["grades"] == ["S", "A"] and context["chart"]["counts"] == [1, 1]
    html = response.content.decode()
    assert "data-insufficient-count>1<" in html and "data-provisional-count>1<" in html


@pytest.mark.django_db
def test_the_team_mean_leaves_out_insufficient_and_provisional_scorecards(client, network, team):
    assert team_page(client, network).context["mean_final"] == pytest.approx((88 + 96) / 2)


@pytest.mark.django_db
def test_sorting_by_score_puts_the_scorecards_counted_apart_last(client, network, team):
    for sort in ("-final", "final", "grade"):
        listed = [
            card.employee.employee_no for card in team_page(client, network, sort=sort).context["page_obj"]
        ]
        assert listed[2:] == ["A1", "T3"] or listed[2:] == ["T3", "A1"], (sort, listed)
        assert set(listed[:2]) == {"T1", "T2"}


@pytest.mark.django_db
def test_the_team_table_says_insufficient_data_instead_of_a_score(client, network, team):
    html = team_page(client, network).content.decode()
    row = html.split('data-scorecard-row="T3"', 1)[1].split("</tr>", 1)[0]
    assert "Insufficient data" in row and "data-insufficient" in row


@pytest.mark.django_db
def test_the_team_page_query_count_does_not_grow_with_the_scorecards_counted_apart(
    client, network, team, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..factories import EmployeeFactory

    login(english(client), network.manager)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("kpi:team_scores"))
    version = team["T1"].version
    for n in range(20):
        person = EmployeeFactory(employee_no=f"N{n:03d}", position="technician", org_unit=network.t11)
        scorecard(
            person, version, final=None, base=None, grade="", insufficient=n % 2 == 0, provisional=n % 2 == 1
        )
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("kpi:team_scores"))
    assert (response.context["insufficient_count"], response.context["provisional_count"]) == (11, 1 + 10)


# --- the scheme's minimum share ---------------------------------------------------------------


@pytest.fixture
def draft(network):
    from servicescore.appraisal.models import Template, TemplateVersion
    from servicescore.appraisal.services import schemes

    template = Template.objects.create(code="TECH", name="技师方案", position="technician")
    version = TemplateVersion.objects.create(template=template, number=1, status="active")
    TemplateItem.objects.create(
        version=version, order=0, indicator="CSAT", weight=100, target=95, threshold=70
    )
    return schemes.start_draft(template, by=network.hr.user)


def editor_post(draft, **fields):
    from .test_template_editor import csat, editor_data

    data = editor_data([csat(weight="100")])
    data.update(fields)
    return data


@pytest.mark.django_db
def test_the_editor_saves_the_minimum_share_and_the_version_page_shows_it(client, network, draft):
    login(english(client), network.hr)
    url = reverse("kpi_templates:version", args=[draft.pk])
    response = client.post(url, editor_post(draft, min_data_share="40"))
    assert response.status_code == 302, response.content.decode()
    draft.refresh_from_db()
    assert draft.min_data_share == 40
    from servicescore.appraisal.services import schemes

    version = schemes.activate(draft, by=network.hr.user)
    html = client.get(reverse("kpi_templates:version", args=[version.pk])).content.decode()
    assert 'data-min-data-share="40"' in html and "Minimum weight with data: 40%" in html


@pytest.mark.django_db
@pytest.mark.parametrize("share", ["-1", "100.5", "lots"])
def test_the_editor_refuses_a_minimum_share_out_of_range_and_saves_nothing(client, network, draft, share):
    login(english(client), network.hr)
    before = (draft.modified, draft.min_data_share)
    response = client.post(
        reverse("kpi_templates:version", args=[draft.pk]), editor_post(draft, min_data_share=share)
    )
    assert response.status_code == 200
    assert 'data-error-for="min_data_share"' in response.content.decode()
    draft.refresh_from_db()
    assert (draft.modified, draft.min_data_share) == before


@pytest.mark.django_db
@pytest.mark.parametrize("share", [Decimal("-0.01"), Decimal(101), "NaN", "x"])
def test_the_service_refuses_a_minimum_share_out_of_range_with_a_code(network, draft, share):
    from servicescore.appraisal.services import schemes
    from servicescore.core.errors import DomainError
    from servicescore.core.models import AuditEntry

    audited = AuditEntry.objects.count()
    with pytest.raises(DomainError) as error:
        schemes.save_draft(
            draft, items=[], grade_bands=draft.grade_bands, min_data_share=share, by=network.hr.user
        )
    assert error.value.problems[0].code == "min_data_share_out_of_range"
    assert error.value.problems[0].field == "min_data_share"
    draft.refresh_from_db()
    assert draft.min_data_share == 50 and draft.items.count() == 1 and AuditEntry.objects.count() == audited


@pytest.mark.django_db
def test_changing_the_minimum_share_is_audited_old_to_new(network, draft):
    from servicescore.appraisal.services import schemes
    from servicescore.core.models import AuditEntry

    items = [
        {
            "kind": "scored",
            "indicator": "CSAT",
            "weight": Decimal(100),
            "target": Decimal(95),
            "threshold": Decimal(70),
        }
    ]
    schemes.save_draft(
        draft, items=items, grade_bands=draft.grade_bands, min_data_share="30", by=network.hr.user
    )
    entry = AuditEntry.objects.filter(action="save_draft").get()
    assert entry.action == "save_draft" and entry.changes["min_data_share"] == [50, 30]
    assert "grade_provisional" not in entry.changes


@pytest.mark.django_db
def test_a_new_draft_keeps_the_minimum_share_of_the_version_it_copies(network, draft):
    from servicescore.appraisal.services import schemes

    draft.min_data_share, draft.grade_provisional = Decimal(30), True
    draft.save()
    schemes.activate(draft, by=network.hr.user)
    again = schemes.start_draft(draft.template, by=network.hr.user)
    assert (again.number, again.min_data_share, again.grade_provisional) == (3, 30, True)
