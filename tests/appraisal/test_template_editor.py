"""The appraisal-template editor (考核方案): the list, new templates and the defaults,
editing an active template as version n+1, saving a draft (items, grade bands), the
bad input each field can get, activation, the preview of sample employees on the unsaved
form, the services behind it, and who may open any of it."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.appraisal.default_schemes import install_default_templates
from servicescore.appraisal.models import Scorecard, Template, TemplateChange, TemplateItem, TemplateVersion
from servicescore.appraisal.selectors.whatif import last_month
from servicescore.appraisal.services import schemes
from servicescore.core.errors import DomainError, NotFound

from ..conftest import login
from ..factories import EmployeeFactory, OrgUnitFactory, employee_result

pytestmark = pytest.mark.django_db

GRADES = [("S", "95"), ("A", "85"), ("B", "70"), ("C", "60"), ("D", "")]
BLANK_ROW = {
    "kind": "scored",
    "indicator": "",
    "label": "",
    "weight": "",
    "rule": "linear",
    "target": "",
    "threshold": "",
    "cap": "100",
    "bands": "",
    "no_data": "reweight",
    "shrink_k": "",
    "basis": "value",
    "points_per_unit": "",
    "max_points": "",
    "rationale": "",
}


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def editor_data(rows, *, grades=GRADES, action="save", note="", stamp=""):
    """The POST an editor page sends: item rows (dicts over BLANK_ROW) and grade rows."""
    data = {
        "items-TOTAL_FORMS": str(len(rows)),
        "items-INITIAL_FORMS": str(len(rows)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "grades-TOTAL_FORMS": str(len(grades)),
        "grades-INITIAL_FORMS": str(len(grades)),
        "grades-MIN_NUM_FORMS": "0",
        "grades-MAX_NUM_FORMS": "1000",
        "note": note,
        "stamp": stamp,
        "action": action,
    }
    for n, row in enumerate(rows):
        for name, value in (BLANK_ROW | row).items():
            if name == "DELETE" and not value:
                continue
            data[f"items-{n}-{name}"] = value
    for n, (grade, low) in enumerate(grades):
        data[f"grades-{n}-grade"] = grade
        data[f"grades-{n}-min"] = low
    return data


def csat(weight="60", target="95", threshold="70", **more):
    return {"indicator": "CSAT", "weight": weight, "target": target, "threshold": threshold, **more}


def ftfr(weight="40", target="95", threshold="70", **more):
    return {"indicator": "FTFR", "weight": weight, "target": target, "threshold": threshold, **more}


@pytest.fixture
def technician_template(db):
    """A company-wide technician template, active version 1: CSAT 60 %, FTFR 40 %."""
    template = Template.objects.create(code="TECH", name="技师方案", position="technician")
    version = TemplateVersion.objects.create(template=template, number=1, status="active")
    TemplateItem.objects.create(
        version=version, order=0, indicator="CSAT", weight=60, target=95, threshold=70
    )
    TemplateItem.objects.create(
        version=version, order=1, indicator="FTFR", weight=40, target=95, threshold=70
    )
    return template


@pytest.fixture
def draft(technician_template, network):
    return schemes.start_draft(technician_template, by=network.hr.user)


def version_url(version):
    return reverse("kpi_templates:version", args=[version.pk])


def saved_items(version):
    return list(version.items.order_by("order").values_list("indicator", "weight", "target", "threshold"))


# --- who may open the pages --------------------------------------------------------------


def test_technician_and_other_roles_get_403_on_every_page(client, network, draft):
    pages = [
        ("get", reverse("kpi_templates:list")),
        ("get", reverse("kpi_templates:create")),
        ("post", reverse("kpi_templates:install_defaults")),
        ("get", reverse("kpi_templates:template", args=[draft.template.pk])),
        ("post", reverse("kpi_templates:template", args=[draft.template.pk])),
        ("post", reverse("kpi_templates:draft", args=[draft.template.pk])),
        ("get", version_url(draft)),
        ("post", version_url(draft)),
        ("post", reverse("kpi_templates:preview", args=[draft.pk])),
        ("post", reverse("kpi_templates:discard", args=[draft.pk])),
        ("get", reverse("kpi_templates:whatif")),
    ]
    for who in (network.tech, network.dispatcher, network.advisor, network.cs_agent):
        login(client, who)
        for method, url in pages:
            assert getattr(client, method)(url).status_code == 403, (who, url)
    client.logout()
    assert client.get(reverse("kpi_templates:list")).status_code == 302  # to the log-in page
    assert TemplateVersion.objects.filter(pk=draft.pk).exists()


def test_readers_get_403_on_every_page_that_edits(client, network, draft):
    """Auditors and foremen read templates (tests/appraisal/test_template_settings.py) but
    neither create, edit, preview, discard nor try out drafts."""
    pages = [
        ("get", reverse("kpi_templates:create")),
        ("post", reverse("kpi_templates:create")),
        ("post", reverse("kpi_templates:install_defaults")),
        ("post", reverse("kpi_templates:draft", args=[draft.template.pk])),
        ("post", reverse("kpi_templates:preview", args=[draft.pk])),
        ("post", reverse("kpi_templates:discard", args=[draft.pk])),
        ("get", reverse("kpi_templates:whatif")),
    ]
    for who in (network.foreman, network.auditor):
        login(client, who)
        for method, url in pages:
            assert getattr(client, method)(url).status_code == 403, (who, url)
    assert TemplateVersion.objects.filter(pk=draft.pk).exists()
    assert not Template.objects.exclude(pk=draft.template.pk).exists()


def test_a_manager_does_not_find_a_template_of_another_centre(client, network, technician_template):
    elsewhere = Template.objects.create(
        code="SC2-TECH", name="杭州技师", position="technician", org_unit=network.sc2
    )
    version = TemplateVersion.objects.create(template=elsewhere, number=1)
    login(client, network.manager)
    assert client.get(version_url(version)).status_code == 404
    assert client.post(reverse("kpi_templates:draft", args=[elsewhere.pk])).status_code == 404
    page = client.get(reverse("kpi_templates:list")).content.decode()
    assert "SC2-TECH" not in page and 'data-template="TECH"' in page
    login(client, network.hr)
    assert client.get(version_url(version)).status_code == 200


# --- the list, new templates, the defaults ----------------------------------------------


def test_list_offers_the_defaults_until_they_are_installed(client, network):
    login(client, network.hr)
    page = client.get(reverse("kpi_templates:list")).content.decode()
    assert "data-missing-defaults" in page and "No appraisal templates yet." in page
    response = client.post(reverse("kpi_templates:install_defaults"), follow=True)
    assert "Installed 11 default templates" in response.content.decode()
    page = client.get(reverse("kpi_templates:list")).content.decode()
    assert "data-missing-defaults" not in page
    assert 'data-template="TECH-NEV"' in page and 'data-position="service_advisor"' in page
    installed = TemplateChange.objects.filter(by=network.hr.user, action="defaults_installed")
    assert installed.count() == 11


def test_list_shows_active_version_drafts_and_history_in_a_fixed_number_of_queries(
    client, network, draft, django_assert_max_num_queries
):
    login(client, network.manager)
    url = reverse("kpi_templates:list")
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        page = client.get(url).content.decode()
    assert 'data-active-version="1"' in page and 'data-draft="2"' in page
    for n in range(5):
        template = Template.objects.create(code=f"MORE{n}", name=f"方案{n}", position="service_advisor")
        for number, status in ((1, "retired"), (2, "active"), (3, "draft")):
            version = TemplateVersion.objects.create(template=template, number=number, status=status)
            TemplateItem.objects.create(
                version=version, indicator="CSAT", weight=100, target=95, threshold=70
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_new_template_starts_as_an_empty_draft_and_codes_are_unique(client, network, technician_template):
    login(client, network.manager)
    url = reverse("kpi_templates:create")
    response = client.post(
        url,
        {
            "code": "FIELD-SC1",
            "name": "上门技师",
            "position": "technician",
            "org_unit": network.sc1.pk,
            "rationale": "上门服务",
        },
    )
    template = Template.objects.get(code="FIELD-SC1")
    version = template.versions.get()
    assert response.status_code == 302 and response.url == version_url(version)
    assert (version.number, version.status, version.items.count()) == (1, "draft", 0)
    assert template.org_unit == network.sc1
    duplicate = client.post(url, {"code": "TECH", "name": "x", "position": "technician"})
    assert duplicate.status_code == 200 and "already exists" in duplicate.content.decode()
    outside = client.post(
        url, {"code": "X2", "name": "x", "position": "technician", "org_unit": network.sc2.pk}
    )
    assert "That org unit is not within your part of the organisation" in outside.content.decode()
    # A service manager's template applies within his part of the organisation, not company-wide.
    company_wide = client.post(url, {"code": "X3", "name": "x", "position": "technician"})
    assert "Only HR and administrators may make a template apply to the whole company" in (
        company_wide.content.decode()
    )
    assert not Template.objects.filter(code__in=["X2", "X3"]).exists()
    login(client, network.hr)
    assert client.post(url, {"code": "X3", "name": "x", "position": "technician"}).status_code == 302
    assert Template.objects.get(code="X3").org_unit is None


# --- versions ------------------------------------------------------------------------------


def test_editing_an_active_template_makes_version_n_plus_1_and_activating_retires_the_old(
    client, network, technician_template
):
    v1 = technician_template.versions.get()
    card = Scorecard.objects.create(
        employee=network.tech,
        period="2026-09",
        version=v1,
        final_score=88,
        grade="A",
        computed_at=timezone.now(),
    )
    login(client, network.hr)
    response = client.post(reverse("kpi_templates:draft", args=[technician_template.pk]))
    v2 = technician_template.versions.get(number=2)
    assert response.url == version_url(v2)
    assert v2.status == "draft" and v2.created_by == network.hr.user
    assert saved_items(v2) == saved_items(v1)
    # Asking again opens the same draft.
    assert client.post(reverse("kpi_templates:draft", args=[technician_template.pk])).url == version_url(v2)
    page = client.get(version_url(v2)).content.decode()
    assert re.search(r'class="[^"]*text-success"\s+data-weight-sum>100</span>', page)

    data = editor_data(
        [csat(weight="70", target="90"), ftfr(weight="30")],
        action="activate",
        stamp=schemes.stamp(v2),
        note="CSAT 70 %",
    )
    response = client.post(version_url(v2), data)
    assert response.status_code == 302 and response.url == reverse("kpi_templates:list")
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("retired", "active")
    assert v2.activated_by == network.hr.user and v2.note == "CSAT 70 %"
    assert saved_items(v2) == [
        ("CSAT", Decimal("70"), Decimal("90"), Decimal("70")),
        ("FTFR", Decimal("30"), Decimal("95"), Decimal("70")),
    ]
    assert saved_items(v1)[0][1] == Decimal("60")  # the old version is untouched
    card.refresh_from_db()
    assert card.version == v1
    # An active version is read-only; editing it again makes version 3.
    page = client.get(version_url(v2)).content.decode()
    assert 'data-status="active"' in page and "items-TOTAL_FORMS" not in page
    client.post(reverse("kpi_templates:draft", args=[technician_template.pk]))
    assert technician_template.versions.get(status="draft").number == 3


def test_saving_a_draft_replaces_its_items_in_order_and_its_grade_bands(client, network, draft):
    login(client, network.hr)
    rows = [
        {
            "indicator": "FTFR",
            "weight": "40",
            "rule": "bands",
            "bands": '[{"from": null, "to": 80, "points": 0}, {"from": 80, "to": 90, "points": 60},'
            ' {"from": 90, "to": null, "points": 100}]',
        },
        csat(weight="50", shrink_k="10"),
        csat(weight="10", DELETE="on"),  # marked for removal
        {
            "kind": "bonus",
            "indicator": "PRAISE_COUNT",
            "weight": "25",
            "points_per_unit": "2",
            "max_points": "10",
        },
        {"kind": "veto", "indicator": "COMPLAINT_RATE", "basis": "numerator", "threshold": "1"},
        {"indicator": "TEAMWORK", "weight": "10", "rule": "manual"},
        {},  # a blank new row is left out
    ]
    data = editor_data(rows, grades=[("优", "90"), ("良", "75"), ("差", ""), ("", "")], note="bands")
    data["items-INITIAL_FORMS"] = "2"
    response = client.post(version_url(draft), data)
    assert response.status_code == 302, response.content.decode()
    draft.refresh_from_db()
    items = list(draft.items.order_by("order"))
    assert [(i.order, i.kind, i.indicator) for i in items] == [
        (0, "scored", "FTFR"),
        (1, "scored", "CSAT"),
        (2, "bonus", "PRAISE_COUNT"),
        (3, "veto", "COMPLAINT_RATE"),
        (4, "scored", "TEAMWORK"),
    ]
    assert items[0].bands == [
        {"from": None, "to": 80, "points": 0},
        {"from": 80, "to": 90, "points": 60},
        {"from": 90, "to": None, "points": 100},
    ]
    assert items[1].shrink_k == 10 and items[1].bands == []
    assert items[2].weight == 0 and items[2].points_per_unit == 2  # only scored items carry weight
    assert draft.grade_bands == [
        {"grade": "优", "min": 90},
        {"grade": "良", "min": 75},
        {"grade": "差", "min": None},
    ]
    assert draft.note == "bands" and draft.status == "draft"
    assert TemplateChange.objects.filter(version=draft, action="draft_saved", by=network.hr.user).exists()
    page = client.get(version_url(draft)).content.decode()
    assert "Draft version 2 saved." in page
    assert "100" in page  # 40 + 50 + 10


def test_a_half_done_draft_may_be_saved_with_weights_off_100(client, network, draft):
    login(client, network.hr)
    response = client.post(version_url(draft), editor_data([csat(weight="49.5"), ftfr(weight="50")]))
    assert response.status_code == 302
    assert [w for _c, w, _t, _th in saved_items(draft)] == [Decimal("49.5"), Decimal("50")]


# --- bad input -------------------------------------------------------------------------------


def post_and_expect_nothing_saved(client, draft, rows, **kwargs):
    before = saved_items(draft)
    response = client.post(version_url(draft), editor_data(rows, **kwargs))
    assert response.status_code == 200
    assert saved_items(draft) == before
    return response.content.decode()


def test_weights_summing_to_99_5_refuse_activation_with_the_sum_and_change_nothing(client, network, draft):
    login(client, network.hr)
    active = draft.template.versions.get(status="active")
    page = post_and_expect_nothing_saved(
        client,
        draft,
        [csat(weight="49.5"), ftfr(weight="50")],
        action="activate",
        stamp=schemes.stamp(draft),
    )
    assert "The weights sum to 99.5; they must sum to exactly 100." in page
    assert "data-problems" in page
    assert re.search(r'class="[^"]*text-danger"\s+data-weight-sum>99.5</span>', page)  # the sum, in red
    draft.refresh_from_db()
    active.refresh_from_db()
    assert (draft.status, active.status) == ("draft", "active")
    # The same rows save fine as a draft.
    assert (
        client.post(version_url(draft), editor_data([csat(weight="49.5"), ftfr(weight="50")])).status_code
        == 302
    )


def test_threshold_above_target_for_a_higher_is_better_indicator_is_an_error_on_that_row(
    client, network, draft
):
    login(client, network.hr)
    page = post_and_expect_nothing_saved(client, draft, [csat(), ftfr(target="80", threshold="90")])
    assert "Nothing was saved" in page
    assert (
        "First-time fix rate (FTFR) is higher-is-better: the threshold (90, 0 points) must be below the "
        "target (80, 100 points)." in page
    )
    assert page.count('data-error-for="threshold"') == 1
    # ... and the other way round for a lower-is-better one.
    page = post_and_expect_nothing_saved(
        client,
        draft,
        [csat(), {"indicator": "REWORK_RATE", "weight": "40", "target": "10", "threshold": "2"}],
    )
    assert "Comeback (rework) rate (REWORK_RATE) is lower-is-better" in page


@pytest.mark.parametrize(
    "bands, message",
    [
        (
            '[{"from": null, "to": 80, "points": 0}, {"from": 85, "to": null, "points": 100}]',
            "gap between 80 and 85: no band holds those values.",
        ),
        (
            '[{"from": null, "to": 90, "points": 0}, {"from": 85, "to": null, "points": 100}]',
            "bands overlap between 85 and 90.",
        ),
        ('[{"from": 90, "to": 80, "points": 0}]', "must be below"),
        ('[{"from": "ninety", "to": null, "points": 100}]', "Band 1: &#x27;from&#x27; must be a number"),
        ('{"from": 1}', "Write the bands as a list"),
        ("[{from: 1}", "The bands are not valid JSON."),
        ("", "give at least one band."),
    ],
)
def test_band_tables_with_gaps_overlaps_or_bad_rows_are_refused(client, network, draft, bands, message):
    login(client, network.hr)
    page = post_and_expect_nothing_saved(
        client, draft, [csat(weight="60", rule="bands", bands=bands), ftfr()]
    )
    assert message in page
    assert 'data-error-for="bands"' in page


def test_an_invalid_number_is_an_error_on_its_field(client, network, draft):
    login(client, network.hr)
    page = post_and_expect_nothing_saved(client, draft, [csat(weight="sixty"), ftfr(target="9x")])
    assert page.count("Enter a number.") == 2
    assert 'data-error-for="weight"' in page and 'data-error-for="target"' in page


def test_an_unknown_indicator_is_refused(client, network, draft):
    login(client, network.hr)
    page = post_and_expect_nothing_saved(client, draft, [csat(), ftfr(indicator="NOT_A_KPI")])
    assert "Unknown indicator NOT_A_KPI: choose one from the list." in page


def test_other_row_problems_land_on_their_fields(client, network, draft):
    login(client, network.hr)
    page = post_and_expect_nothing_saved(
        client,
        draft,
        [
            {"indicator": "TEAMWORK", "weight": "20", "rule": "linear", "target": "5", "threshold": "1"},
            {
                "indicator": "WO_COMPLETED",
                "weight": "40",
                "target": "100",
                "threshold": "0",
                "shrink_k": "10",
            },
            {"kind": "bonus", "indicator": "PRAISE_COUNT"},
            {"indicator": "CSAT", "weight": "40", "rule": "ratio", "target": "0"},
        ],
    )
    assert "Teamwork (TEAMWORK): manual ratings use the manual rule, and only they do." in page
    assert "Completed work orders (WO_COMPLETED) is not a rate or mean; it cannot be shrunk." in page
    assert "Praise received (PRAISE_COUNT): give the points per unit (above 0)." in page
    assert "Customer satisfaction (CSAT): the ratio rule needs a target above 0." in page


def test_bad_grade_bands_are_refused(client, network, draft):
    login(client, network.hr)
    page = post_and_expect_nothing_saved(
        client, draft, [csat(), ftfr()], grades=[("A", "60"), ("B", "80"), ("C", "")]
    )
    assert "Grade bounds must go down: B." in page
    page = post_and_expect_nothing_saved(
        client, draft, [csat(), ftfr()], grades=[("A", "60"), ("", "40"), ("C", "")]
    )
    assert "Name the grade that starts at this score." in page


def test_a_draft_saved_by_someone_else_meanwhile_is_not_overwritten(client, network, draft):
    login(client, network.hr)
    stamp = schemes.stamp(draft)
    schemes.save_draft(
        draft,
        items=[{"indicator": "CSAT", "weight": 100, "target": 95, "threshold": 70}],
        grade_bands=draft.grade_bands,
        by=network.hr.user,
    )
    page = post_and_expect_nothing_saved(client, draft, [csat(), ftfr()], stamp=stamp)
    assert "Someone else saved this draft after you opened it" in page


def test_an_active_version_cannot_be_posted_to(client, network, technician_template):
    login(client, network.hr)
    active = technician_template.versions.get()
    response = client.post(version_url(active), editor_data([csat(weight="100")]))
    assert response.status_code == 200 and 'data-status="active"' in response.content.decode()
    assert saved_items(active)[0][1] == Decimal("60")


def test_no_script_add_row_shows_one_more_blank_item_and_saves_nothing(client, network, draft):
    login(client, network.hr)
    page = post_and_expect_nothing_saved(client, draft, [csat(weight="1")], action="add_row")
    assert 'name="items-1-indicator"' in page and 'name="items-TOTAL_FORMS" value="2"' in page


# --- the preview -----------------------------------------------------------------------------


def results(period, people_values, indicator="CSAT"):
    for person, value in people_values:
        employee_result(
            person,
            period=period,
            indicator=indicator,
            value=value,
            numerator=value,
            denominator=100,
            sample=100,
        )


def test_preview_scores_lowest_median_and_highest_on_the_unsaved_form(client, network, draft):
    period = last_month()
    team = [network.tech, network.tech_colleague, network.tech_other_team]
    extra = EmployeeFactory(employee_no="T9", name="员工T9", position="technician", org_unit=network.t12)
    results(
        period,
        [
            (network.tech, 95),
            (network.tech_colleague, 85),
            (network.tech_other_team, 80),
            (extra, 75),
            (network.tech_sc2, 70),
        ],
    )
    active = draft.template.versions.get(status="active")
    for person, final in zip(team + [extra], (100, 60, 40, 20), strict=True):
        Scorecard.objects.create(
            employee=person,
            period=period,
            version=active,
            final_score=final,
            grade="X",
            computed_at=timezone.now(),
        )
    login(client, network.hr)
    # CSAT alone, threshold lowered to 60: 95 → 100, 85 → 71.4, 75 → 42.9 (unsaved)
    data = editor_data([csat(weight="100", threshold="60")])
    response = client.post(reverse("kpi_templates:preview", args=[draft.pk]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index('data-sample="T9"') < page.index('data-sample="T2"') < page.index('data-sample="T1"')
    assert 'data-sample="T3"' not in page and 'data-sample="T4"' not in page  # not sampled / out of scope
    assert 'data-draft-score="100.00"' in page and 'data-draft-score="71.43"' in page
    assert 'data-draft-score="42.86"' in page
    assert "lowest score" in page and "median score" in page and "highest score" in page
    assert saved_items(draft)[0][3] == Decimal("70")  # nothing saved


def test_preview_lists_the_rows_to_correct_instead_of_scores(client, network, draft):
    login(client, network.hr)
    page = client.post(
        reverse("kpi_templates:preview", args=[draft.pk]),
        editor_data([csat(), ftfr(target="80", threshold="90")]),
    ).content.decode()
    assert "data-preview-errors" in page and "Item 2, Threshold:" in page


def test_preview_without_anyone_to_score_says_so(client, network):
    template = Template.objects.create(code="PARTS", name="配件", position="parts_manager")
    draft = schemes.start_draft(template)
    login(client, network.hr)
    page = client.post(
        reverse("kpi_templates:preview", args=[draft.pk]),
        editor_data([{"indicator": "STOCKOUT_RATE", "weight": "100", "target": "2", "threshold": "10"}]),
    ).content.decode()
    assert "data-preview-empty" in page


# --- the services ------------------------------------------------------------------------------


def test_add_and_remove_items_on_a_draft_only(network, draft):
    by = network.hr.user
    item = schemes.add_item(
        draft, by=by, indicator="ON_TIME_RATE", weight=Decimal(10), target=90, threshold=60
    )
    assert item.order == 2 and draft.items.count() == 3
    with pytest.raises(DomainError, match="threshold"):
        schemes.add_item(draft, by=by, indicator="ON_TIME_RATE", weight=Decimal(10), target=60, threshold=90)
    schemes.remove_item(draft, item.pk, by=by)
    assert draft.items.count() == 2
    active = draft.template.versions.get(status="active")
    with pytest.raises(DomainError, match="only drafts can be edited"):
        schemes.add_item(active, by=by, indicator="CSAT", weight=Decimal(1), target=95, threshold=70)
    with pytest.raises(DomainError):
        schemes.remove_item(active, active.items.first().pk, by=by)
    with pytest.raises(NotFound):
        schemes.remove_item(draft, active.items.first().pk, by=by)
    assert active.items.count() == 2
    assert [c.action for c in TemplateChange.objects.filter(by=by, version=draft).order_by("pk")] == [
        "draft_started",
        "item_added",
        "item_removed",
    ]


def test_save_draft_refuses_what_the_editor_refuses(network, draft):
    with pytest.raises(DomainError, match="must be below the target"):
        schemes.save_draft(
            draft,
            items=[{"indicator": "CSAT", "weight": 100, "target": 70, "threshold": 95}],
            grade_bands=draft.grade_bands,
        )
    with pytest.raises(DomainError, match="Grade bounds"):
        schemes.save_draft(
            draft,
            items=[],
            grade_bands=[{"grade": "A", "min": 1}, {"grade": "B", "min": 2}, {"grade": "C", "min": None}],
        )
    assert draft.items.count() == 2


def test_activation_refused_changes_nothing_and_success_retires_the_old_version(network, draft):
    active = draft.template.versions.get(status="active")
    with pytest.raises(DomainError) as refused:
        schemes.save_and_activate(
            draft,
            items=[{"indicator": "CSAT", "weight": Decimal("99.5"), "target": 95, "threshold": 70}],
            grade_bands=draft.grade_bands,
        )
    assert "99.5" in str(refused.value)
    assert draft.items.count() == 2  # the save was undone with the activation
    schemes.activate(draft, by=network.hr.user)
    active.refresh_from_db()
    draft.refresh_from_db()
    assert (active.status, draft.status) == ("retired", "active")


def test_discarding_a_draft_keeps_the_active_version_and_a_lone_draft_takes_its_template(
    client, network, draft
):
    login(client, network.hr)
    response = client.post(reverse("kpi_templates:discard", args=[draft.pk]))
    assert response.url == reverse("kpi_templates:list")
    assert not TemplateVersion.objects.filter(pk=draft.pk).exists()
    assert draft.template.versions.get().status == "active"
    lone = schemes.create_template(code="NEW", name="新", position="dispatcher", by=network.hr.user)
    assert schemes.discard_draft(lone, by=network.hr.user) is None
    assert not Template.objects.filter(code="NEW").exists()
    active = draft.template.versions.get()
    response = client.post(reverse("kpi_templates:discard", args=[active.pk]), follow=True)
    assert "only drafts can be edited" in response.content.decode()


def test_default_templates_open_in_the_editor(client, network):
    install_default_templates()
    login(client, network.manager)
    for template in Template.objects.all():
        version = template.versions.get()
        assert client.get(version_url(version)).status_code == 200


def test_a_template_within_an_org_unit_is_edited_by_managers_of_that_unit(client, network):
    team = OrgUnitFactory(code="SC1-T9", name="九组", kind="team", parent=network.sc1)
    template = Template.objects.create(code="T9", name="九组技师", position="technician", org_unit=team)
    draft = schemes.start_draft(template)
    login(client, network.manager)
    assert client.get(version_url(draft)).status_code == 200
