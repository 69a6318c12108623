"""A template's own page: its settings (name and rationale at any time, the unit it
applies within only while no version is active, only within the editor's scope, never
beside another active template for the same position and unit), the history of changes
the template services write (one row per action, with what changed), and the read-only
view of auditors and foremen (no edit controls, writes refused, other scopes not found)."""

import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.appraisal.forms import item_initial
from servicescore.appraisal.models import Template, TemplateChange, TemplateItem, TemplateVersion
from servicescore.appraisal.services import schemes
from servicescore.core.errors import DomainError

from ..conftest import login

pytestmark = pytest.mark.django_db

GRADES = [("S", "95"), ("A", "85"), ("B", "70"), ("C", "60"), ("D", "")]


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def technician_template(db):
    """A company-wide technician template, active version 1: CSAT 60 %, FTFR 40 %."""
    template = Template.objects.create(
        code="TECH", name="技师方案", position="technician", rationale="satisfaction first"
    )
    version = TemplateVersion.objects.create(template=template, number=1, status="active")
    TemplateItem.objects.create(
        version=version, order=0, indicator="CSAT", weight=60, target=95, threshold=70
    )
    TemplateItem.objects.create(
        version=version, order=1, indicator="FTFR", weight=40, target=95, threshold=70
    )
    return template


@pytest.fixture
def field_draft(db):
    """A company-wide technician template with only a draft (as the defaults install
    FIELD-TECH): CSAT 100 %."""
    template = Template.objects.create(code="FIELD", name="上门技师", position="technician")
    version = TemplateVersion.objects.create(template=template, number=1)
    TemplateItem.objects.create(version=version, indicator="CSAT", weight=100, target=95, threshold=70)
    return template


def page_url(template_or_pk):
    return reverse("kpi_templates:template", args=[getattr(template_or_pk, "pk", template_or_pk)])


def version_url(version_or_pk):
    return reverse("kpi_templates:version", args=[getattr(version_or_pk, "pk", version_or_pk)])


def settings_data(template, **changes):
    data = {"name": template.name, "rationale": template.rationale, "org_unit": template.org_unit_id or ""}
    return {**data, **changes}


def editor_data(version, *, action="save", note=""):
    """The editor's POST for a version's saved items, unchanged."""
    data = {
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "grades-INITIAL_FORMS": "0",
        "grades-MIN_NUM_FORMS": "0",
        "grades-MAX_NUM_FORMS": "1000",
        "note": note,
        "stamp": schemes.stamp(version),
        "action": action,
    }
    items = list(version.items.all())
    data["items-TOTAL_FORMS"] = str(len(items))
    for n, item in enumerate(items):
        for name, value in item_initial(item).items():
            if name == "bands":
                value = json.dumps(value) if value else ""
            data[f"items-{n}-{name}"] = "" if value is None else str(value)
    data["grades-TOTAL_FORMS"] = str(len(GRADES))
    for n, (grade, low) in enumerate(GRADES):
        data[f"grades-{n}-grade"], data[f"grades-{n}-min"] = grade, low
    return data


def changes_of(template):
    return list(TemplateChange.objects.filter(template=template).order_by("pk"))


# --- settings --------------------------------------------------------------------------------


def test_an_editor_renames_an_active_template_and_rewrites_its_rationale(
    client, network, technician_template
):
    login(client, network.hr)
    page = client.get(page_url(technician_template)).content.decode()
    assert "data-settings-form" in page and 'name="name"' in page
    response = client.post(
        page_url(technician_template),
        settings_data(technician_template, name="  技师方案 2027  ", rationale="CSAT and FTFR"),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == page_url(technician_template)
    assert "Settings of 技师方案 2027 saved." in response.content.decode()
    technician_template.refresh_from_db()
    assert (technician_template.name, technician_template.rationale) == ("技师方案 2027", "CSAT and FTFR")
    assert technician_template.versions.get().status == "active"  # renaming does not touch versions
    (change,) = changes_of(technician_template)
    assert change.action == "settings_changed" and change.by == network.hr.user
    assert change.detail == {
        "name": {"before": "技师方案", "after": "技师方案 2027"},
        "rationale": {"before": "satisfaction first", "after": "CSAT and FTFR"},
    }
    page = response.content.decode()
    assert "Name: “技师方案” → “技师方案 2027”." in page


def test_a_blank_or_too_long_name_is_refused_and_nothing_changes(client, network, technician_template):
    login(client, network.hr)
    for name, message in (
        ("   ", "Give the template a name; it cannot be empty."),
        ("x" * 201, "Ensure this value has at most 200 characters"),
    ):
        response = client.post(page_url(technician_template), settings_data(technician_template, name=name))
        assert response.status_code == 200
        page = response.content.decode()
        assert message in page and "Nothing was saved" in page
    technician_template.refresh_from_db()
    assert technician_template.name == "技师方案" and not changes_of(technician_template)
    with pytest.raises(DomainError, match="cannot be empty"):
        schemes.change_settings(technician_template, name="", rationale="", org_unit=None)


def test_saving_unchanged_settings_writes_no_history(client, network, technician_template):
    login(client, network.hr)
    response = client.post(page_url(technician_template), settings_data(technician_template), follow=True)
    assert "Nothing changed; the settings are as they were." in response.content.decode()
    assert not changes_of(technician_template)


def test_the_default_field_technician_template_is_given_its_unit_and_then_activated(
    client, network, technician_template
):
    login(client, network.hr)
    client.post(reverse("kpi_templates:install_defaults"))
    field = Template.objects.get(code="FIELD-TECH")
    draft = field.versions.get()
    assert (field.org_unit, draft.status) == (None, "draft")
    # Company-wide, it collides with the technician template already active there.
    refused = client.post(version_url(draft), editor_data(draft, action="activate"))
    assert "is already active for this position" in refused.content.decode()

    page = client.get(page_url(field)).content.decode()
    assert f'<option value="{network.sc1.pk}">' in page  # the unit is a choice, not locked
    response = client.post(page_url(field), settings_data(field, org_unit=network.sc1.pk))
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.org_unit == network.sc1

    draft.refresh_from_db()
    response = client.post(version_url(draft), editor_data(draft, action="activate"))
    assert response.status_code == 302, response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "active" and draft.activated_by == network.hr.user
    assert technician_template.versions.get().status == "active"  # the company-wide one stays

    actions = [c.action for c in changes_of(field)]
    assert actions == ["defaults_installed", "settings_changed", "draft_saved", "activated"]
    settings_change = changes_of(field)[1]
    assert settings_change.detail == {
        "org_unit": {
            "before": None,
            "after": {"id": network.sc1.pk, "code": "SC1", "name": network.sc1.name},
        }
    }
    activated = changes_of(field)[-1]
    assert activated.detail["retired_version"] is None and activated.detail["org_unit"]["code"] == "SC1"
    page = client.get(page_url(field)).content.decode()
    assert f"Applies within: the whole company → {network.sc1.name}." in page
    # Now that it scores people, the unit is locked.
    assert re.search(r'<select name="org_unit"[^>]*\sdisabled', page)
    assert "Version 1 is active, so the unit cannot change" in page


def test_the_unit_cannot_change_while_a_version_is_active(client, network, technician_template):
    login(client, network.hr)
    response = client.post(
        page_url(technician_template), settings_data(technician_template, org_unit=network.sc1.pk)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Version 1 is active, so the unit cannot change: it decides who is scored." in page
    assert "create a new template for that unit" in page
    technician_template.refresh_from_db()
    assert technician_template.org_unit is None and not changes_of(technician_template)
    # The service refuses it too, and with it the rename sent alongside: all or nothing.
    with pytest.raises(DomainError, match="Version 1 of this template is active"):
        schemes.change_settings(
            technician_template, name="renamed", rationale="", org_unit=network.sc1, by=network.hr.user
        )
    technician_template.refresh_from_db()
    assert technician_template.name == "技师方案"
    # A draft beside the active version does not unlock it.
    schemes.start_draft(technician_template, by=network.hr.user)
    with pytest.raises(DomainError, match="is active"):
        schemes.change_settings(technician_template, name="x", rationale="", org_unit=network.sc1)


def test_a_manager_cannot_point_a_template_outside_his_subtree(client, network):
    team = Template.objects.create(code="T11", name="一组技师", position="technician", org_unit=network.t11)
    TemplateVersion.objects.create(template=team, number=1)
    login(client, network.manager)
    response = client.post(page_url(team), settings_data(team, org_unit=network.sc2.pk))
    assert response.status_code == 200
    assert "That org unit is not within your part of the organisation" in response.content.decode()
    team.refresh_from_db()
    assert team.org_unit == network.t11
    with pytest.raises(DomainError, match="is outside your part of the organisation"):
        schemes.change_settings(
            team, name=team.name, rationale="", org_unit=network.sc2, by=network.manager.user
        )
    # Within his centre he may move it; not to the whole company.
    client.post(page_url(team), settings_data(team, org_unit=network.sc1.pk))
    team.refresh_from_db()
    assert team.org_unit == network.sc1
    response = client.post(page_url(team), settings_data(team, org_unit=""))
    assert "Only HR and administrators may make a template apply to the whole company" in (
        response.content.decode()
    )
    team.refresh_from_db()
    assert team.org_unit == network.sc1
    # HR may; then it is company-wide and no longer his to change (tests/appraisal/test_template_rights.py).
    login(client, network.hr)
    client.post(page_url(team), settings_data(team, org_unit=""))
    team.refresh_from_db()
    assert team.org_unit is None
    assert [c.action for c in changes_of(team)] == ["settings_changed", "settings_changed"]


def test_a_template_of_another_centre_is_not_found_by_its_manager(client, network):
    elsewhere = Template.objects.create(
        code="SC2-TECH", name="杭州技师", position="technician", org_unit=network.sc2
    )
    TemplateVersion.objects.create(template=elsewhere, number=1)
    login(client, network.manager)
    assert client.get(page_url(elsewhere)).status_code == 404
    assert client.post(page_url(elsewhere), settings_data(elsewhere, name="mine")).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.name == "杭州技师"


def test_a_unit_where_another_template_is_active_for_the_position_is_refused(client, network, field_draft):
    sc1_template = Template.objects.create(
        code="SC1-TECH", name="浦东技师", position="technician", org_unit=network.sc1
    )
    TemplateVersion.objects.create(template=sc1_template, number=1, status="active")
    login(client, network.hr)
    response = client.post(page_url(field_draft), settings_data(field_draft, org_unit=network.sc1.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "浦东技师 is already active for this position within 上海浦东服务中心" in page
    field_draft.refresh_from_db()
    assert field_draft.org_unit is None
    # Another position in the same unit is no collision.
    advisor = Template.objects.create(code="ADV", name="顾问", position="service_advisor")
    TemplateVersion.objects.create(template=advisor, number=1)
    schemes.change_settings(advisor, name="顾问", rationale="", org_unit=network.sc1)
    advisor.refresh_from_db()
    assert advisor.org_unit == network.sc1


# --- the history -------------------------------------------------------------------------------


def test_each_action_writes_one_history_row_with_what_changed(network, technician_template):
    by = network.hr.user
    new = schemes.create_template(
        code="NEW", name="新方案", position="dispatcher", org_unit=network.sc1, rationale="why", by=by
    )
    (created,) = changes_of(new.template)
    assert (created.action, created.version, created.by) == ("created", new, by)
    assert created.detail == {
        "code": "NEW",
        "name": "新方案",
        "position": "dispatcher",
        "org_unit": {"id": network.sc1.pk, "code": "SC1", "name": network.sc1.name},
        "version_number": 1,
    }

    draft = schemes.start_draft(technician_template, by=by)
    schemes.start_draft(technician_template, by=by)  # the same draft again: no new row
    (started,) = changes_of(technician_template)
    assert started.action == "draft_started" and started.detail == {"version_number": 2, "copied_from": 1}

    bands = [{"grade": "A", "min": 80}, {"grade": "B", "min": None}]
    schemes.save_draft(
        draft,
        items=[
            {"indicator": "CSAT", "weight": 70, "target": 90, "threshold": 70},
            {"indicator": "ON_TIME_RATE", "weight": 30, "target": 90, "threshold": 60},
            {"kind": "bonus", "indicator": "PRAISE_COUNT", "points_per_unit": 2, "max_points": 10},
        ],
        grade_bands=bands,
        note="CSAT up",
        by=by,
    )
    saved = changes_of(technician_template)[-1]
    assert (saved.action, saved.version) == ("draft_saved", draft)
    assert saved.detail["weights"] == {
        "before": [{"indicator": "CSAT", "weight": 60}, {"indicator": "FTFR", "weight": 40}],
        "after": [{"indicator": "CSAT", "weight": 70}, {"indicator": "ON_TIME_RATE", "weight": 30}],
    }
    assert saved.detail["weight_sum"] == {"before": 100, "after": 100}
    assert saved.detail["added"] == [
        {"indicator": "ON_TIME_RATE", "kind": "scored"},
        {"indicator": "PRAISE_COUNT", "kind": "bonus"},
    ]
    assert saved.detail["removed"] == [{"indicator": "FTFR", "kind": "scored"}]
    assert saved.detail["changed"] == [
        {"indicator": "CSAT", "kind": "scored", "fields": ["weight", "target"]}
    ]
    assert saved.detail["grade_bands"]["after"] == bands
    assert saved.detail["note"] == {"before": "", "after": "CSAT up"}

    schemes.activate(draft, by=by)
    activated = changes_of(technician_template)[-1]
    assert (activated.action, activated.version) == ("activated", draft)
    assert activated.detail["version_number"] == 2 and activated.detail["retired_version"] == 1
    assert activated.detail["weight_sum"] == 100

    schemes.change_settings(technician_template, name="技师方案", rationale="", org_unit=None, by=by)
    assert changes_of(technician_template)[-1].detail == {
        "rationale": {"before": "satisfaction first", "after": ""}
    }

    third = schemes.start_draft(technician_template, by=by)
    item = schemes.add_item(third, by=by, indicator="NPS", weight=5, target=50, threshold=0)
    schemes.remove_item(third, item.pk, by=by)
    schemes.discard_draft(third, by=by)
    assert [(c.action, c.detail.get("version_number")) for c in changes_of(technician_template)[-4:]] == [
        ("draft_started", 3),
        ("item_added", 3),
        ("item_removed", 3),
        ("discarded", 3),
    ]
    assert changes_of(technician_template)[-3].detail["item"] == {
        "indicator": "NPS",
        "kind": "scored",
        "weight": 5,
    }
    discarded = changes_of(technician_template)[-1]
    assert discarded.version is None and discarded.detail["template_deleted"] is False

    schemes.install_defaults(by=by)
    installed = TemplateChange.objects.filter(action="defaults_installed")
    assert installed.count() == 11 and all(c.by == by for c in installed)
    statuses = {c.detail["code"]: c.detail["status"] for c in installed}
    assert statuses["FIELD-TECH"] == "draft" and statuses["ADVISOR"] == "active"
    assert statuses["TECH-NEV"] == "draft"  # the technician template above is active company-wide


def test_a_refused_change_leaves_no_history(network, technician_template):
    draft = schemes.start_draft(technician_template)
    before = TemplateChange.objects.count()
    with pytest.raises(DomainError):
        schemes.save_draft(
            draft, items=[{"indicator": "CSAT", "weight": 100, "target": 70, "threshold": 95}], grade_bands=[]
        )
    with pytest.raises(DomainError, match="99.5"):
        schemes.save_and_activate(
            draft,
            items=[{"indicator": "CSAT", "weight": 99.5, "target": 95, "threshold": 70}],
            grade_bands=draft.grade_bands,
        )
    assert TemplateChange.objects.count() == before  # the save was undone with the activation


def test_the_history_outlives_a_discarded_lone_draft(network):
    lone = schemes.create_template(code="LONE", name="单独", position="dispatcher", by=network.hr.user)
    schemes.discard_draft(lone, by=network.hr.user)
    assert not Template.objects.filter(code="LONE").exists()
    created, discarded = TemplateChange.objects.order_by("pk")
    assert created.template is None and discarded.template is None
    assert discarded.detail == {"version_number": 1, "code": "LONE", "name": "单独", "template_deleted": True}


def test_the_template_page_shows_the_history_newest_first_in_words(client, network, technician_template):
    by = network.hr.user
    draft = schemes.start_draft(technician_template, by=by)
    schemes.save_draft(
        draft,
        items=[
            {"indicator": "CSAT", "weight": 70, "target": 95, "threshold": 70},
            {"indicator": "FTFR", "weight": 30, "target": 95, "threshold": 70},
        ],
        grade_bands=draft.grade_bands,
        by=by,
    )
    schemes.activate(draft, by=by)
    login(client, network.hr)
    page = client.get(page_url(technician_template)).content.decode()
    started, saved, activated = (
        page.index(f'data-change="{a}"') for a in ("draft_started", "draft_saved", "activated")
    )
    assert activated < saved < started
    assert "Draft version 2 started as a copy of version 1." in page
    assert (
        "Weights: Customer satisfaction (CSAT) 60 → 70, First-time fix rate (FTFR) 40 → 30; "
        "the sum went from 100 to 100." in page
    )
    assert "Version 2 activated; its weights sum to 100." in page
    assert "Version 1 retired; scores already made keep it." in page
    assert f"· {by.username}</div>" in page  # who


def make_history(template, n, by):
    TemplateChange.objects.bulk_create(
        [
            TemplateChange(
                template=template,
                version=template.versions.first(),
                action="settings_changed" if i % 2 else "draft_saved",
                by=by,
                at=timezone.now(),
                detail={"name": {"before": f"n{i}", "after": f"n{i + 1}"}}
                if i % 2
                else {
                    "version_number": 1,
                    "weights": {"before": [{"indicator": "CSAT", "weight": i}], "after": []},
                    "weight_sum": {"before": i, "after": 0},
                    "removed": [{"indicator": "CSAT", "kind": "scored"}],
                },
            )
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("who", ["manager", "auditor"])
def test_the_template_page_takes_as_many_queries_however_long_the_history(
    client, network, technician_template, who, django_assert_max_num_queries
):
    people = [network.manager.user, network.hr.user, network.foreman.user]
    make_history(technician_template, 3, people[0])
    login(client, getattr(network, who))
    url = page_url(technician_template)
    client.get(url)
    with django_assert_max_num_queries(14) as few:
        assert client.get(url).status_code == 200
    for by in people:
        make_history(technician_template, 30, by)
    schemes.start_draft(technician_template, by=network.hr.user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count('data-change="') == 20  # a page at a time
    assert "Page 1 of 5" in page
    with django_assert_max_num_queries(len(few.captured_queries)):
        last = client.get(url, {"page": 5}).content.decode()
    assert last.count('data-change="') == 94 - 80


# --- readers ---------------------------------------------------------------------------------------


@pytest.fixture
def read_world(network, technician_template):
    """The active technician template (with history), a draft of it, a template within
    SC1-T1 and one within SC2."""
    by = network.hr.user
    draft = schemes.start_draft(technician_template, by=by)
    schemes.save_draft(
        draft,
        items=[
            {
                "indicator": "CSAT",
                "weight": 70,
                "target": 95,
                "threshold": 70,
                "shrink_k": 10,
                "no_data": "zero",
            },
            {"indicator": "FTFR", "weight": 30, "target": 95, "threshold": 70, "cap": 120},
        ],
        grade_bands=[{"grade": "优", "min": 90}, {"grade": "良", "min": None}],
        by=by,
    )
    schemes.activate(draft, by=by)
    team = Template.objects.create(code="T11", name="一组技师", position="technician", org_unit=network.t11)
    TemplateVersion.objects.create(template=team, number=1)
    sc2 = Template.objects.create(
        code="SC2-TECH", name="杭州技师", position="technician", org_unit=network.sc2
    )
    sc2_version = TemplateVersion.objects.create(template=sc2, number=1)
    return {"active": draft, "team": team, "sc2": sc2, "sc2_version": sc2_version}


EDIT_MARKS = [
    "data-settings-form",
    'data-action="edit"',
    'data-action="new-template"',
    'data-action="install-defaults"',
    'data-action="what-if"',
    "items-TOTAL_FORMS",
    'data-action="save"',
    'data-action="discard"',
]


def test_an_auditor_reads_templates_versions_and_history_without_edit_controls(client, network, read_world):
    login(client, network.auditor)
    active, template = read_world["active"], read_world["active"].template
    pages = {
        "list": client.get(reverse("kpi_templates:list")),
        "template": client.get(page_url(template)),
        "version": client.get(version_url(active)),
        "draft": client.get(version_url(read_world["team"].versions.get())),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        for mark in EDIT_MARKS:
            assert mark not in html, (name, mark)
        assert reverse("kpi_templates:draft", args=[template.pk]) not in html
    listing = pages["list"].content.decode()
    assert 'data-template="TECH"' in listing and 'data-template="SC2-TECH"' in listing  # the whole company
    detail = pages["template"].content.decode()
    assert "data-read-only" in detail and "data-history" in detail
    assert 'data-change="activated"' in detail and "Version 2 activated" in detail
    assert "satisfaction first" in detail  # the rationale, as text
    version = pages["version"].content.decode()
    assert 'data-status="active"' in version and "data-activated" in version
    assert f"by {network.hr.user.username}" in version
    for shown in ("CSAT", "FTFR", "70", "30", "Linear", "120", "Score 0 points", "优 ≥ 90"):
        assert shown in version, shown
    assert "data-items" in version and ">10<" in version  # shrinkage k
    assert "This draft is not in use" in pages["draft"].content.decode()


def test_an_auditors_posts_are_refused(client, network, read_world):
    login(client, network.auditor)
    active, template = read_world["active"], read_world["active"].template
    draft = read_world["team"].versions.get()
    for url, data in (
        (reverse("kpi_templates:list"), {}),
        (page_url(template), settings_data(template, name="hacked")),
        (version_url(draft), editor_data(draft, action="activate")),
        (version_url(active), editor_data(active)),
    ):
        assert client.post(url, data).status_code == 403, url
    template.refresh_from_db()
    draft.refresh_from_db()
    assert template.name == "技师方案" and draft.status == "draft"
    assert not TemplateChange.objects.filter(by=network.auditor).exists()


def test_an_auditor_guessing_a_missing_pk_gets_404(client, network, read_world):
    login(client, network.auditor)
    missing = Template.objects.order_by("-pk").first().pk + 1
    assert client.get(page_url(missing)).status_code == 404
    assert client.get(version_url(TemplateVersion.objects.order_by("-pk").first().pk + 1)).status_code == 404


def test_a_foreman_reads_only_templates_within_his_scope(client, network, read_world):
    login(client, network.foreman)
    listing = client.get(reverse("kpi_templates:list")).content.decode()
    assert 'data-template="TECH"' in listing and 'data-template="T11"' in listing
    assert "SC2-TECH" not in listing
    assert client.get(page_url(read_world["team"])).status_code == 200
    # Guessing the pk of another centre's template or version: not found.
    assert client.get(page_url(read_world["sc2"])).status_code == 404
    assert client.get(version_url(read_world["sc2_version"])).status_code == 404
    assert client.post(page_url(read_world["sc2"]), {"name": "x"}).status_code == 403  # writes: refused first


def test_a_technician_and_a_dispatcher_get_403(client, network, read_world):
    template = read_world["active"].template
    for who in (network.tech, network.dispatcher):
        login(client, who)
        assert client.get(reverse("kpi_templates:list")).status_code == 403
        assert client.get(page_url(template)).status_code == 403
        assert client.get(version_url(read_world["active"])).status_code == 403
        # ... even for another centre's template: the role is refused before the record is looked up.
        assert client.get(page_url(read_world["sc2"])).status_code == 403


def test_readers_find_the_templates_in_the_navigation(client, network):
    for who, shown in ((network.auditor, True), (network.foreman, True), (network.tech, False)):
        login(client, who)
        keys = [item["key"] for item in client.get(reverse("home")).context["nav_items"]]
        assert ("templates" in keys) is shown, who


# --- the admin ---------------------------------------------------------------------------------------


def test_template_changes_are_read_only_in_the_admin(client, network, technician_template):
    schemes.start_draft(technician_template, by=network.hr.user)
    change = TemplateChange.objects.get()
    for user in (network.hr.user, network.auditor):
        user.is_staff = True
        user.save()
        login(client, user)
        changelist = reverse("admin:appraisal_templatechange_changelist")
        assert client.get(changelist).status_code == 200
        assert (
            client.get(reverse("admin:appraisal_templatechange_change", args=[change.pk])).status_code == 200
        )
        assert client.get(reverse("admin:appraisal_templatechange_add")).status_code == 403
        assert (
            client.post(
                reverse("admin:appraisal_templatechange_delete", args=[change.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
    assert TemplateChange.objects.filter(pk=change.pk).exists()


def test_a_manager_sees_in_the_admin_only_the_changes_of_templates_in_his_scope(
    client, network, technician_template
):
    elsewhere = Template.objects.create(
        code="SC2-TECH", name="杭州技师", position="technician", org_unit=network.sc2
    )
    schemes.start_draft(elsewhere, by=network.hr.user)
    schemes.start_draft(technician_template, by=network.hr.user)
    manager = network.manager.user
    manager.is_staff = True
    manager.save()
    manager.user_permissions.add(Permission.objects.get(codename="view_templatechange"))
    login(client, manager)
    response = client.get(reverse("admin:appraisal_templatechange_changelist"))
    shown = {c.template.code for c in response.context["cl"].result_list}
    assert shown == {"TECH"}


def test_an_editor_retires_the_active_version_and_another_template_can_take_over(
    client, network, technician_template, field_draft
):
    """FIELD (company-wide technicians too) cannot be activated beside TECH; once TECH's
    version is retired from its page, it can — and the history says who retired what."""
    draft = field_draft.versions.get()
    with pytest.raises(DomainError) as refused:
        schemes.activate(draft, by=network.hr.user)
    assert "retire it on its page first" in str(refused.value)
    active = technician_template.versions.get(status="active")
    login(client, network.hr)
    response = client.get(page_url(technician_template))
    assert reverse("kpi_templates:retire", args=[active.pk]).encode() in response.content
    response = client.post(reverse("kpi_templates:retire", args=[active.pk]), follow=True)
    assert "Version 1 retired" in response.content.decode()
    active.refresh_from_db()
    assert active.status == "retired"
    change = TemplateChange.objects.get(template=technician_template, action="retired")
    assert change.by == network.hr.user and change.detail["version_number"] == 1
    schemes.activate(draft, by=network.hr.user)
    assert TemplateVersion.objects.get(pk=draft.pk).status == "active"


def test_only_an_active_version_is_retired_and_readers_may_not(
    client, network, technician_template, field_draft
):
    draft = field_draft.versions.get()
    login(client, network.hr)
    response = client.post(reverse("kpi_templates:retire", args=[draft.pk]), follow=True)
    assert "Only the active version can be retired" in response.content.decode()
    assert TemplateVersion.objects.get(pk=draft.pk).status == "draft"
    assert not TemplateChange.objects.filter(action="retired").exists()
    active = technician_template.versions.get(status="active")
    login(client, network.auditor)
    assert client.post(reverse("kpi_templates:retire", args=[active.pk])).status_code == 403
    login(client, network.tech)
    assert client.post(reverse("kpi_templates:retire", args=[active.pk])).status_code == 403
    assert TemplateVersion.objects.get(pk=active.pk).status == "active"


@pytest.mark.django_db(transaction=True)
def test_two_templates_activated_at_once_for_one_position_leave_one_active():
    """Two managers activate two templates' drafts for the same position and unit at the
    same moment: the second activation waits for the first (the position's templates are
    locked), then sees it and is refused; one template is active, not two."""
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite allows one writer at a time")
    drafts = []
    for code in ("A", "B"):
        template = Template.objects.create(code=code, name=f"方案{code}", position="technician")
        version = TemplateVersion.objects.create(template=template, number=1)
        TemplateItem.objects.create(version=version, indicator="CSAT", weight=100, target=95, threshold=70)
        drafts.append(version)
    held, release, finished = threading.Event(), threading.Event(), threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                schemes.activate(drafts[0])
                held.set()
                release.wait(10)
            outcome["first"] = "active"
        except Exception as error:  # noqa: BLE001 - reported by the test below
            outcome["first"] = error
            held.set()
        finally:
            connection.close()

    def second():
        try:
            schemes.activate(drafts[1])
            outcome["second"] = "active"
        except DomainError as error:
            outcome["second"] = error
        finally:
            finished.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert held.wait(10)
    threads[1].start()
    assert not finished.wait(1.0), "the second activation did not wait for the first"
    release.set()
    for thread in threads:
        thread.join(20)
    assert outcome["first"] == "active"
    assert isinstance(outcome["second"], DomainError)
    (_item, field, message, _code), *_others = outcome["second"].problems
    assert field == "template" and "方案A" in message  # "方案A is already active for this position…"
    active = TemplateVersion.objects.filter(status="active")
    assert list(active.values_list("template__code", flat=True)) == ["A"]
