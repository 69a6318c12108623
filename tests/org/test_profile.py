"""The people list and the employee profile: scope (404, never 403), archive flags, work
history, timeline, filters with bad input, and query counts that do not grow with data."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from servicescore.org import selectors
from servicescore.org.models import (
    Certificate,
    Employee,
    EmployeeSkill,
    RewardPenalty,
    Skill,
    TrainingRecord,
)
from servicescore.workorders.models import LabourLine
from servicescore.workorders.profile import TIMELINE_WORK_ORDERS, work_history

from ..conftest import login
from ..factories import EmployeeFactory, WorkOrderFactory


@pytest.fixture
def client(client):
    """Pages in English, so that labels can be asserted (the site default is zh-Hans)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def today():
    return selectors.company_today()


def days_ago(n):
    return today() - datetime.timedelta(days=n)


def profile_url(employee, **params):
    url = reverse("org:profile", args=[employee.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def listed(response):
    return [person.employee_no for person in response.context["page_obj"]]


def history_ids(response):
    return [order.external_id for order in response.context["history"]["page_obj"]]


def order(technician=None, centre=None, *, hours_ago=2, **fields):
    return WorkOrderFactory(
        service_center=centre,
        technician=technician,
        created_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        **fields,
    )


def completed_order(technician, centre, *, days_ago, **fields):
    done = timezone.now() - datetime.timedelta(days=days_ago)
    return order(
        technician, centre, hours_ago=days_ago * 24 + 3, state="completed", completed_at=done, **fields
    )


# --- who may open what --------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_log_in(client, network):
    for url in (reverse("org:list"), profile_url(network.tech), reverse("org:me")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_technician_sees_own_profile(client, network):
    login(client, network.tech)
    response = client.get(profile_url(network.tech))
    assert response.status_code == 200
    assert response.context["employee"] == network.tech
    html = response.content.decode()
    assert "员工T1" in html and "T1" in html and "Technician" in html


def test_technician_cannot_open_colleagues_profile_by_guessing_the_id(client, network):
    login(client, network.tech)
    for other in (network.tech_colleague, network.foreman, network.tech_sc2, network.hr):
        assert client.get(profile_url(other)).status_code == 404


def test_unknown_or_absurd_ids_are_404_not_500(client, network):
    login(client, network.hr)
    last = Employee.objects.order_by("-pk").first().pk
    assert client.get(reverse("org:profile", args=[last + 1000])).status_code == 404
    assert client.get(reverse("org:profile", args=[0])).status_code == 404
    assert client.get("/people/99999999999999999999999999/").status_code == 404
    assert client.get("/people/abc/").status_code == 404


def test_technician_lists_only_himself(client, network):
    login(client, network.tech)
    response = client.get(reverse("org:list"))
    assert response.status_code == 200
    assert listed(response) == ["T1"]
    assert response.context["count"] == 1
    assert response.context["org_units"] == []  # no unit to filter by


def test_foreman_sees_his_team_but_not_the_other_centre(client, network):
    login(client, network.foreman)
    response = client.get(reverse("org:list"))
    assert listed(response) == ["F1", "T1", "T2"]
    assert client.get(profile_url(network.tech_colleague)).status_code == 200
    assert client.get(profile_url(network.tech_other_team)).status_code == 404
    assert client.get(profile_url(network.tech_sc2)).status_code == 404
    assert client.get(profile_url(network.manager)).status_code == 404


def test_hr_and_auditor_see_everyone(client, network):
    everyone = sorted(Employee.objects.values_list("employee_no", flat=True))
    for viewer in (network.hr, network.auditor):
        login(client, viewer)
        response = client.get(reverse("org:list"))
        assert sorted(listed(response)) == everyone
        assert client.get(profile_url(network.tech_sc2)).status_code == 200


def test_my_profile_redirects_to_own_record(client, network):
    login(client, network.tech)
    response = client.get(reverse("org:me"))
    assert response.status_code == 302
    assert response["Location"] == profile_url(network.tech)


def test_my_profile_is_404_for_an_account_without_employee_record(client, network):
    login(client, network.auditor)
    assert client.get(reverse("org:me")).status_code == 404


def test_my_profile_is_404_once_the_employee_has_left(client, network):
    network.tech.status = Employee.Status.LEFT
    network.tech.save()
    login(client, network.tech)
    assert client.get(reverse("org:me")).status_code == 404


# --- the header ---------------------------------------------------------------------------


def test_header_shows_unit_path_contact_and_hire_date(client, network):
    network.tech.phone, network.tech.email = "13900001111", "t1@example.com"
    network.tech.hire_date = datetime.date(2021, 3, 15)
    network.tech.save()
    login(client, network.foreman)
    html = client.get(profile_url(network.tech)).content.decode()
    assert "Acme 新能源 › 华东大区 › 上海浦东服务中心 › 机电一组" in html
    assert 'href="tel:13900001111"' in html and 'href="mailto:t1@example.com"' in html
    assert "2021-03-15" in html and "Active" in html


def test_manager_is_linked_only_when_the_viewer_may_see_them(client, network):
    foreman_link = f'href="{profile_url(network.foreman)}"'
    login(client, network.tech)
    html = client.get(profile_url(network.tech)).content.decode()
    assert "员工F1" in html and foreman_link not in html
    login(client, network.manager)
    assert foreman_link in client.get(profile_url(network.tech)).content.decode()


# --- the archive --------------------------------------------------------------------------


def test_certificate_flags_expired_expiring_and_valid(client, network):
    expired = Certificate.objects.create(
        employee=network.tech, cert_type="低压电工证", valid_until=days_ago(1)
    )
    expiring = Certificate.objects.create(
        employee=network.tech,
        cert_type="高压电工证",
        number="HV-1",
        issuer="应急管理局",
        valid_from=days_ago(700),
        valid_until=today() + datetime.timedelta(days=10),
    )
    valid = Certificate.objects.create(
        employee=network.tech, cert_type="焊工证", valid_until=today() + datetime.timedelta(days=200)
    )
    open_ended = Certificate.objects.create(employee=network.tech, cert_type="安全培训")
    login(client, network.tech)
    html = client.get(profile_url(network.tech)).content.decode()

    def row(cert):
        match = re.search(rf'<tr data-certificate="{cert.pk}" data-state="(\w+)">(.*?)</tr>', html, re.S)
        assert match, cert
        return match[1], match[2]

    state, cells = row(expired)
    assert state == "expired" and "bg-red" in cells and "Expired" in cells
    state, cells = row(expiring)
    assert state == "expiring" and "bg-orange" in cells and "Expiring soon" in cells
    assert "HV-1" in cells and "应急管理局" in cells
    for cert in (valid, open_ended):
        state, cells = row(cert)
        assert state == "valid" and "bg-green-lt" in cells


def test_training_rewards_and_skills_are_listed_with_net_points_of_twelve_months(client, network):
    TrainingRecord.objects.create(
        employee=network.tech, course="BMS 诊断", date=days_ago(3), hours=8, score=92
    )
    RewardPenalty.objects.create(
        employee=network.tech, date=days_ago(10), kind="reward", points=5, reason="表扬"
    )
    # Penalties count down whichever sign they were entered with.
    RewardPenalty.objects.create(
        employee=network.tech, date=days_ago(20), kind="penalty", points=2, reason="迟到"
    )
    RewardPenalty.objects.create(
        employee=network.tech, date=days_ago(30), kind="penalty", points=-1, reason="5S"
    )
    RewardPenalty.objects.create(
        employee=network.tech, date=days_ago(400), kind="reward", points=10, reason="旧"
    )
    EmployeeSkill.objects.create(employee=network.tech, skill=Skill.objects.create(name="高压系统"), level=4)
    login(client, network.tech)
    response = client.get(profile_url(network.tech))
    archive = response.context["archive"]
    assert archive.points_last_12_months == Decimal("2")
    assert [r.signed_points for r in archive.rewards_penalties] == [5, -2, -1, 10]
    html = response.content.decode()
    assert 'data-stat="points-12-months">+2<' in html
    assert "BMS 诊断" in html and "92" in html
    assert 'data-skill="高压系统" data-level="4"' in html and "Level 4 of 5" in html


def test_empty_archive_says_so(client, network):
    login(client, network.tech)
    html = client.get(profile_url(network.tech)).content.decode()
    assert "No certificates on file." in html and "No training records." in html
    assert "No work orders to show." in html


# --- work history -------------------------------------------------------------------------


def test_work_history_lists_lead_advisor_and_labour_orders_newest_first(client, network):
    led = order(network.tech, network.sc1, hours_ago=1, external_id="WO-LEAD")
    advised = order(None, network.sc1, hours_ago=2, advisor=network.tech, external_id="WO-ADV")
    helped = order(network.tech_colleague, network.sc1, hours_ago=3, external_id="WO-HELP")
    LabourLine.objects.create(work_order=helped, technician=network.tech, standard_hours=1, clocked_hours=1)
    order(network.tech_colleague, network.sc1, external_id="WO-COLLEAGUE")
    order(network.tech_sc2, network.sc2, external_id="WO-SC2")
    login(client, network.foreman)
    response = client.get(profile_url(network.tech))
    assert history_ids(response) == ["WO-LEAD", "WO-ADV", "WO-HELP"]
    html = response.content.decode()
    assert f'href="{reverse("workorders:detail", args=[led.pk])}"' in html
    assert re.search(r'data-order="WO-LEAD">.*?data-roles="lead ?"', html, re.S)
    assert re.search(r'data-order="WO-ADV">.*?data-roles="advisor ?"', html, re.S)
    assert re.search(r'data-order="WO-HELP">.*?data-roles="labour"', html, re.S)
    assert advised.pk and helped.pk


def test_work_history_is_limited_to_what_the_viewer_may_see(network):
    order(network.tech, network.sc1, external_id="WO-T1")
    # Another centre's technician is handed T1's record: none of T1's orders are theirs to see.
    history = work_history(network.tech_sc2.user, network.tech)
    assert history["count"] == 0 and list(history["page_obj"]) == []
    assert work_history(network.foreman.user, network.tech)["count"] == 1


def test_work_history_pages_by_25_and_survives_bad_page_numbers(client, network):
    for n in range(30):
        order(network.tech, network.sc1, hours_ago=n + 1, external_id=f"WO-{n:02d}")
    login(client, network.tech)
    first = client.get(profile_url(network.tech))
    assert history_ids(first) == [f"WO-{n:02d}" for n in range(25)]
    assert first.context["history"]["count"] == 30
    assert history_ids(client.get(profile_url(network.tech, page=2))) == [
        f"WO-{n:02d}" for n in range(25, 30)
    ]
    for bad in ("abc", "-1", "0", "999", "%00"):
        response = client.get(profile_url(network.tech, page=bad))
        assert response.status_code == 200
        assert len(history_ids(response)) in (25, 5)


def test_work_history_pager_returns_only_the_section_to_htmx(client, network):
    for n in range(30):
        order(network.tech, network.sc1, hours_ago=n + 1, external_id=f"WO-{n:02d}")
    login(client, network.tech)
    response = client.get(
        profile_url(network.tech, page=2), headers={"HX-Request": "true", "HX-Target": "work-history"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card mb-3" id="work-history"')
    assert "<html" not in html and 'data-order="WO-29"' in html and 'data-order="WO-00"' not in html
    assert "HX-Request" in response["Vary"]
    assert 'hx-get="?page=1"' in html


def test_work_history_counts_recent_completions_as_lead_and_open_orders(client, network):
    completed_order(network.tech, network.sc1, days_ago=10)
    completed_order(network.tech, network.sc1, days_ago=40)
    helped = completed_order(network.tech_colleague, network.sc1, days_ago=5)
    LabourLine.objects.create(work_order=helped, technician=network.tech, standard_hours=1, clocked_hours=1)
    order(network.tech, network.sc1, state="dispatched")
    order(network.tech, network.sc1, state="in_progress")
    order(network.tech, network.sc1, state="cancelled")
    login(client, network.tech)
    history = client.get(profile_url(network.tech)).context["history"]
    assert history["completed_as_lead_recent"] == 1
    assert history["open_now"] == 2
    assert history["count"] == 6


# --- timeline -----------------------------------------------------------------------------


def test_timeline_merges_everything_dated_newest_first(client, network):
    network.tech.hire_date = days_ago(900)
    network.tech.save()
    Certificate.objects.create(
        employee=network.tech,
        cert_type="高压电工证",
        valid_from=days_ago(800),
        valid_until=today() + datetime.timedelta(days=5),
    )
    Certificate.objects.create(
        employee=network.tech, cert_type="低压电工证", valid_from=days_ago(600), valid_until=days_ago(100)
    )
    Certificate.objects.create(
        employee=network.tech,
        cert_type="焊工证",
        valid_from=days_ago(50),
        valid_until=today() + datetime.timedelta(days=300),
    )
    TrainingRecord.objects.create(employee=network.tech, course="BMS", date=days_ago(20), hours=4)
    RewardPenalty.objects.create(
        employee=network.tech, date=days_ago(30), kind="penalty", points=1, reason="x"
    )
    completed_order(network.tech, network.sc1, days_ago=3, external_id="WO-DONE")
    order(network.tech, network.sc1, external_id="WO-OPEN")  # not completed: not on the timeline
    login(client, network.tech)
    response = client.get(profile_url(network.tech))
    kinds = [(entry.kind, entry.date) for entry in response.context["timeline"]]
    assert kinds == [
        ("certificate_until", today() + datetime.timedelta(days=5)),
        ("work_order", days_ago(3)),
        ("training", days_ago(20)),
        ("penalty", days_ago(30)),
        ("certificate_from", days_ago(50)),  # the welder's licence: its end is far off, not listed
        ("certificate_until", days_ago(100)),
        ("certificate_from", days_ago(600)),
        ("certificate_from", days_ago(800)),
        ("hired", days_ago(900)),
    ]
    html = response.content.decode()
    dates = re.findall(r'data-timeline="\w+" data-date="([\d-]+)"', html)
    assert dates == sorted(dates, reverse=True) and len(dates) == 9
    assert "WO-DONE" in html.split('id="timeline"')[1]


def test_timeline_keeps_fifty_entries_and_twenty_work_orders(network):
    for n in range(25):
        completed_order(network.tech, network.sc1, days_ago=n + 1)
    TrainingRecord.objects.bulk_create(
        TrainingRecord(employee=network.tech, course=f"C{n}", date=days_ago(100 + n), hours=1)
        for n in range(40)
    )
    timeline = selectors.employee_timeline(network.tech.user, network.tech)
    assert len(timeline) == selectors.TIMELINE_LIMIT
    assert sum(entry.kind == "work_order" for entry in timeline) == TIMELINE_WORK_ORDERS
    assert [entry.date for entry in timeline] == sorted((entry.date for entry in timeline), reverse=True)


# --- the people list: search, filters, bad input ------------------------------------------


def test_search_by_name_or_employee_number(client, network):
    login(client, network.manager)
    assert listed(client.get(reverse("org:list"), {"q": "员工T"})) == ["T1", "T2", "T3"]
    assert listed(client.get(reverse("org:list"), {"q": "cs1"})) == ["CS1"]
    assert listed(client.get(reverse("org:list"), {"q": "  d1 "})) == ["D1"]
    response = client.get(reverse("org:list"), {"q": "T4"})  # another centre's: not found, not leaked
    assert listed(response) == [] and "No one matches these filters." in response.content.decode()


def test_filter_by_org_unit_takes_its_subtree_position_and_status(client, network):
    EmployeeFactory(employee_no="T9", position="technician", org_unit=network.t12, status="left")
    login(client, network.manager)
    url = reverse("org:list")
    assert listed(client.get(url, {"org_unit": network.t11.pk})) == ["F1", "T1", "T2"]
    assert listed(client.get(url, {"org_unit": network.sc1.pk, "position": "technician"})) == [
        "T1",
        "T2",
        "T3",
        "T9",
    ]
    assert listed(client.get(url, {"position": "technician", "status": "left"})) == ["T9"]
    html = client.get(url, {"org_unit": network.t11.pk}).content.decode()
    assert f'<option value="{network.t11.pk}" selected>' in html


def test_org_unit_choices_are_only_the_units_in_scope(client, network):
    login(client, network.manager)
    units = client.get(reverse("org:list")).context["org_units"]
    assert [(u.code, u.depth) for u in units] == [("SC1", 0), ("SC1-T1", 1), ("SC1-T2", 1)]


@pytest.mark.parametrize("value", ["999999", "abc", "-3", "1.5", "99999999999999999999999"])
def test_unknown_or_malformed_org_unit_is_ignored_with_a_notice(client, network, value):
    login(client, network.foreman)
    response = client.get(reverse("org:list"), {"org_unit": value})
    assert response.status_code == 200
    assert listed(response) == ["F1", "T1", "T2"]
    assert response.context["ignored"] == ["org_unit"]
    assert 'data-ignored="org_unit"' in response.content.decode()


def test_org_unit_outside_scope_is_ignored_like_an_unknown_one(client, network):
    login(client, network.foreman)
    response = client.get(reverse("org:list"), {"org_unit": network.sc2.pk})
    assert response.status_code == 200
    assert listed(response) == ["F1", "T1", "T2"]  # not SC2's people
    assert response.context["ignored"] == ["org_unit"]


def test_bad_position_status_and_page_still_answer(client, network):
    login(client, network.foreman)
    response = client.get(reverse("org:list"), {"position": "pilot", "status": "asleep", "page": "x"})
    assert response.status_code == 200
    assert listed(response) == ["F1", "T1", "T2"]
    assert response.context["ignored"] == ["position", "status"]
    assert client.get(reverse("org:list"), {"page": "99"}).status_code == 200
    assert client.get(reverse("org:list"), {"q": "x" * 5000}).status_code == 200


def test_list_pages_by_50_and_keeps_filters_in_pager_links(client, network):
    EmployeeFactory.create_batch(55, org_unit=network.t12, name="维修工")
    login(client, network.manager)
    response = client.get(reverse("org:list"), {"q": "维修工", "org_unit": network.t12.pk})
    assert response.context["count"] == 55 and len(listed(response)) == 50
    html = response.content.decode()
    assert f'href="?q=%E7%BB%B4%E4%BF%AE%E5%B7%A5&amp;org_unit={network.t12.pk}&amp;page=2"' in html
    second = client.get(reverse("org:list"), {"q": "维修工", "org_unit": network.t12.pk, "page": 2})
    assert len(listed(second)) == 5


def test_list_counts_certificates_that_need_attention(client, network):
    for valid_until in (days_ago(1), today(), today() + datetime.timedelta(days=30)):
        Certificate.objects.create(employee=network.tech, cert_type="x", valid_until=valid_until)
    Certificate.objects.create(
        employee=network.tech, cert_type="y", valid_until=today() + datetime.timedelta(days=31)
    )
    Certificate.objects.create(employee=network.tech, cert_type="z")
    Certificate.objects.create(employee=network.tech_colleague, cert_type="x", valid_until=days_ago(5))
    login(client, network.foreman)
    response = client.get(reverse("org:list"))
    counts = {p.employee_no: p.certificates_needing_attention for p in response.context["page_obj"]}
    assert counts == {"F1": 0, "T1": 3, "T2": 1}
    assert '<td class="text-end" data-attention="3">' in response.content.decode()


# --- query counts -------------------------------------------------------------------------


def add_people(network, n, *, start):
    for i in range(n):
        person = EmployeeFactory(
            employee_no=f"N{start + i:03d}",
            org_unit=network.t11,
            manager=network.foreman,
            hire_date=days_ago(i),
        )
        Certificate.objects.create(employee=person, cert_type="高压电工证", valid_until=days_ago(i - 15))


def add_history(network, employee, n):
    skill = Skill.objects.create(name=f"技能{Skill.objects.count()}")
    EmployeeSkill.objects.create(employee=employee, skill=skill, level=3)
    for i in range(n):
        completed_order(employee, network.sc1 if i % 2 else network.sc2, days_ago=i + 1)
        helped = order(network.tech_colleague, network.sc1)
        LabourLine.objects.create(work_order=helped, technician=employee, standard_hours=1, clocked_hours=1)
        order(None, network.sc1, advisor=employee)
        Certificate.objects.create(
            employee=employee, cert_type=f"证{i}", valid_from=days_ago(400 + i), valid_until=days_ago(i - 10)
        )
        TrainingRecord.objects.create(employee=employee, course=f"课{i}", date=days_ago(i), hours=2)
        RewardPenalty.objects.create(employee=employee, date=days_ago(i), kind="reward", points=1, reason="r")


@pytest.mark.parametrize("viewer", ["foreman", "manager", "hr"])
def test_people_list_query_count_does_not_grow_with_people(
    client, network, django_assert_max_num_queries, viewer
):
    add_people(network, 5, start=0)
    login(client, getattr(network, viewer))
    with django_assert_max_num_queries(7) as before:
        assert client.get(reverse("org:list"), {"org_unit": network.t11.pk, "q": "N"}).status_code == 200
    add_people(network, 30, start=100)
    with django_assert_max_num_queries(7) as after:
        response = client.get(reverse("org:list"), {"org_unit": network.t11.pk, "q": "N"})
    assert response.context["count"] == 35
    assert len(after) == len(before)


@pytest.mark.parametrize("viewer", ["tech", "foreman", "hr"])
def test_profile_query_count_does_not_grow_with_history(
    client, network, django_assert_max_num_queries, viewer
):
    add_history(network, network.tech, 3)
    login(client, getattr(network, viewer))
    # the page's own, the work history's, one for the scorecards section and four for the
    # customer-voice section (voice/selectors.py, employee_voice)
    with django_assert_max_num_queries(22) as before:
        assert client.get(profile_url(network.tech)).status_code == 200
    add_history(network, network.tech, 30)
    with django_assert_max_num_queries(22) as after:
        response = client.get(profile_url(network.tech))
    assert response.context["history"]["count"] == 99
    assert len(response.context["timeline"]) == selectors.TIMELINE_LIMIT
    assert len(after) == len(before)
