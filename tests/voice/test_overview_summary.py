"""The customer-voice overview's stored monthly summary (VoiceMonth): built for the whole
company per month (voice/services/overview_summary.py), read by the overview within the
reader's scope instead of the month's records, with the time it was computed; the live
computation when the month is not stored."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from servicescore.core.models import AuditEntry
from servicescore.core.periods import company_zone, month_of, parse_period
from servicescore.voice.models import Complaint, FollowUp, SurveyInvitation, SurveyResponse, VoiceMonth
from servicescore.voice.selectors import MONTH_COUNTS, voice_overview
from servicescore.voice.services.overview_summary import build_voice_month, open_months
from servicescore.voice.tasks import build_voice_months_task

from ..conftest import login
from ..factories import EmployeeFactory, OrgUnitFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
URL = reverse("voice:overview")
MONTH = "2026-10"
NOW = datetime.datetime(2026, 11, 3, 9, tzinfo=company_zone())


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def october(day, hour=10):
    return datetime.datetime(2026, 10, day, hour, tzinfo=company_zone())


def closed_order(centre, technician, *, closed=None, **fields):
    return WorkOrderFactory(
        service_center=centre,
        technician=technician,
        state="closed",
        closed_at=closed or october(10),
        **fields,
    )


def surveyed(order, *, overall, nps=None, day=11, review="", answered=True, sent_day=None):
    response = None
    if answered:
        response = SurveyResponse.objects.create(
            work_order=order, submitted_at=october(day), overall=overall, nps=nps, review=review
        )
    SurveyInvitation.objects.create(
        work_order=order,
        state="answered" if answered else "sent",
        sent_at=october(sent_day or day, 8),
        response=response,
    )
    return response


def called(order, agent, *, day=12, reached=True):
    FollowUp.objects.create(work_order=order, agent=agent, called_at=october(day), reached=reached)


@pytest.fixture
def month(network):
    """October in two centres and three teams: answered, unanswered, late, excluded, a
    cancelled order, orders led by another team and at another centre, calls reached and
    not."""
    n = network
    a, b, c, d = (closed_order(n.sc1, n.tech) for _n in range(4))
    surveyed(a, overall=5, nps=10)
    surveyed(b, overall=4, nps=9, day=25)  # past the coverage window
    surveyed(c, overall=2, nps=3, day=20)
    surveyed(d, overall=5, answered=False)
    called(b, n.cs_agent)
    called(d, n.cs_agent, reached=False)
    other_team = closed_order(n.sc1, n.tech_other_team)
    surveyed(other_team, overall=3, nps=7)
    surveyed(closed_order(n.sc1, n.tech_other_team), overall=1, nps=2, review="excluded")
    cancelled = closed_order(n.sc1, n.tech)
    surveyed(cancelled, overall=1, nps=0)
    cancelled.state = "cancelled"
    cancelled.save()
    sc2 = closed_order(n.sc2, n.tech_sc2)
    surveyed(sc2, overall=1, nps=0)
    called(sc2, n.cs_agent)
    surveyed(closed_order(n.sc2, n.tech_sc2, closed=october(28)), overall=4, nps=8, day=30)
    surveyed(closed_order(n.sc2, n.tech), overall=5, nps=10)  # led at SC2 by SC1's T1
    WorkOrderFactory(service_center=n.sc2, technician=n.tech_sc2, state="in_progress")  # not closed
    return n


def figures(context) -> dict:
    """Every centre's counts and the total's, by centre code."""
    rows = {
        (row.centre.code if row.centre else None): tuple(getattr(row, name) for name in MONTH_COUNTS)
        for row in context["centres"]
    }
    rows["total"] = tuple(getattr(context["total"], name) for name in MONTH_COUNTS)
    return rows


@pytest.mark.parametrize(
    ("who", "unit"),
    [("hr", None), ("manager", None), ("manager", "t11"), ("manager", "t12"), ("regional_manager", "sc2")],
)
def test_the_stored_figures_equal_the_live_ones_field_by_field(month, who, unit):
    user = getattr(month, who).user
    chosen = getattr(month, unit) if unit else None
    live = voice_overview(user, month=MONTH, unit=chosen, now=NOW)
    assert live["computed_at"] is None
    build_voice_month(MONTH, now=NOW)
    stored = voice_overview(user, month=MONTH, unit=chosen, now=NOW)
    assert stored["computed_at"] == NOW
    assert figures(stored) == figures(live)
    assert figures(stored)["total"] != (0,) * len(MONTH_COUNTS)


def test_the_month_is_stored_per_centre_and_team(month):
    build_voice_month(MONTH, now=NOW)
    rows = {(row.centre_id, row.team_id): row for row in VoiceMonth.objects.filter(month=MONTH)}
    assert set(rows) == {
        (month.sc1.pk, month.t11.pk),
        (month.sc1.pk, month.t12.pk),
        (month.sc2.pk, month.t21.pk),
        (month.sc2.pk, month.t11.pk),
    }
    t11 = rows[(month.sc1.pk, month.t11.pk)]
    assert (t11.sent, t11.answered, t11.responses, t11.satisfied, t11.overall_sum) == (4, 3, 3, 2, 11)
    assert (t11.with_nps, t11.promoters, t11.detractors, t11.closed, t11.covered) == (3, 2, 1, 4, 2)


def test_the_overview_reads_the_stored_figures_until_the_next_rebuild(client, month):
    build_voice_month(MONTH, now=NOW)
    surveyed(closed_order(month.sc1, month.tech), overall=5, nps=10)
    login(client, month.manager)
    assert client.get(URL, {"month": MONTH}).context["total"].responses == 5
    build_voice_month(MONTH)
    assert client.get(URL, {"month": MONTH}).context["total"].responses == 6


def test_a_manager_never_sees_another_centres_row(client, month):
    build_voice_month(MONTH, now=NOW)
    login(client, month.manager)
    response = client.get(URL, {"month": MONTH})
    rows = {row.centre.code: row for row in response.context["centres"]}
    assert (rows["SC1"].sent, rows["SC2"].sent) == (6, 1)  # at SC2 only the order his T1 led
    assert response.context["total"].sent == 7


def test_open_complaints_stay_live_and_within_scope_when_the_month_is_stored(client, month):
    build_voice_month(MONTH, now=NOW)
    now = timezone.now()
    order = WorkOrderFactory(service_center=month.sc1, technician=month.tech, state="closed")
    Complaint.objects.create(work_order=order, received_at=now, due_at=now - datetime.timedelta(hours=1))
    elsewhere = WorkOrderFactory(service_center=month.sc2, technician=month.tech_sc2, state="closed")
    Complaint.objects.create(work_order=elsewhere, received_at=now, due_at=now + datetime.timedelta(hours=9))
    login(client, month.manager)
    total = client.get(URL, {"month": MONTH}).context["total"]
    assert (total.open_complaints, total.breaching) == (1, 1)


def test_the_page_says_when_the_stored_figures_were_computed(client, month):
    build_voice_month(MONTH, now=datetime.datetime(2026, 11, 3, 10, 5, tzinfo=company_zone()))
    login(client, month.hr)
    html = client.get(URL, {"month": MONTH}).content.decode()
    assert "data-computed-at=" in html and "数据更新于 2026-11-03 10:05" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(URL, {"month": MONTH}).content.decode()
    assert "Figures as of 2026-11-03 10:05" in html


def test_the_page_shows_no_time_when_the_figures_are_live(client, month):
    login(client, month.hr)
    html = client.get(URL, {"month": MONTH}).content.decode()
    assert "data-computed-at=" not in html and "数据更新于" not in html


def test_rebuilding_a_month_gives_the_same_rows_and_one_audit_entry_each_time(month):
    def stored():
        return sorted(
            VoiceMonth.objects.filter(month=MONTH).values_list("centre_id", "team_id", *MONTH_COUNTS),
            key=str,
        )

    first = build_voice_month(MONTH, now=NOW)
    rows = stored()
    second = build_voice_month(MONTH, now=NOW)
    assert stored() == rows and first == second and second["rows"] == 4
    entries = AuditEntry.objects.filter(action="rebuild", content_type__model="voicemonth")
    assert entries.count() == 2
    assert entries.order_by("pk").last().changes["rows"] == [4, 4]
    assert entries.order_by("pk").last().changes["month"] == [None, MONTH]


def test_rebuilding_a_month_leaves_the_other_months_alone(month):
    build_voice_month(MONTH, now=NOW)
    surveyed(closed_order(month.sc1, month.tech), overall=5, day=11)
    build_voice_month("2026-09", now=NOW)
    assert VoiceMonth.objects.filter(month=MONTH).count() == 4
    assert not VoiceMonth.objects.filter(month="2026-09").exists()


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q4", "next", ""])
def test_a_malformed_month_is_refused_and_nothing_is_written(month, bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        build_voice_month(bad)
    assert not VoiceMonth.objects.exists() and not AuditEntry.objects.filter(action="rebuild").exists()


def test_the_stored_page_takes_a_fixed_number_of_queries_however_many_centres(
    client, month, django_assert_max_num_queries
):
    build_voice_month(MONTH, now=NOW)
    login(client, month.hr)
    with CaptureQueriesContext(connection) as captured:
        client.get(URL, {"month": MONTH})
    baseline = len(captured.captured_queries)
    for n in range(4):
        centre = OrgUnitFactory(code=f"SCX{n}", kind="service_center", parent=month.region)
        team = OrgUnitFactory(code=f"SCX{n}-T", kind="team", parent=centre)
        technician = EmployeeFactory(employee_no=f"TX{n}", position="technician", org_unit=team)
        order = closed_order(centre, technician)
        surveyed(order, overall=4, nps=9)
        called(order, month.cs_agent)
    build_voice_month(MONTH, now=NOW)
    with django_assert_max_num_queries(baseline):
        response = client.get(URL, {"month": MONTH})
    assert len(response.context["centres"]) == 6
    assert response.context["computed_at"] is not None


def test_the_running_month_and_the_one_before_are_the_open_ones():
    assert open_months(NOW) == ["2026-10", "2026-11"]
    assert open_months(datetime.datetime(2027, 1, 2, 1, tzinfo=company_zone())) == ["2026-12", "2027-01"]


def test_the_task_builds_the_running_month_and_the_one_before(network):
    now = timezone.now()
    before, running = open_months(now)
    start_before = parse_period(before).start
    older = month_of(start_before - datetime.timedelta(days=10))
    for when in (now, start_before + datetime.timedelta(hours=1), start_before - datetime.timedelta(days=10)):
        closed_order(network.sc1, network.tech, closed=when)
    built = build_voice_months_task()
    assert [summary["month"] for summary in built] == [before, running]
    assert set(VoiceMonth.objects.values_list("month", flat=True)) == {before, running}
    assert older not in (before, running)


def test_beat_rebuilds_the_open_months_every_hour(settings):
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "voice.build_voice_months"
    ]
    assert [entry["schedule"] for entry in entries] == [3600.0]


def test_the_command_builds_the_month_it_is_given(month):
    out = io.StringIO()
    call_command("voice_summary", "--month", MONTH, stdout=out)
    assert '"month": "2026-10"' in out.getvalue() and '"rows": 4' in out.getvalue()
    assert set(VoiceMonth.objects.values_list("month", flat=True)) == {MONTH}


def test_the_command_builds_the_open_months_by_default(network):
    now = timezone.now()
    closed_order(network.sc1, network.tech, closed=now)
    out = io.StringIO()
    call_command("voice_summary", stdout=out)
    assert [line.split('"month": "')[1][:7] for line in out.getvalue().splitlines()] == open_months(now)


def test_the_command_refuses_a_malformed_month_and_writes_nothing(month):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("voice_summary", "--month", "2026-13", stdout=io.StringIO())
    assert not VoiceMonth.objects.exists()


def test_the_audit_page_names_a_rebuild_and_its_rows_in_the_readers_language(month):
    from django.utils import translation

    from servicescore.core.history import action_in_words, changes_in_words

    build_voice_month(MONTH, now=NOW)
    entry = AuditEntry.objects.get(action="rebuild", content_type__model="voicemonth")
    with translation.override("zh-hans"):
        assert action_in_words(entry) == "汇总已重建"
        labels = {change.label for change in changes_in_words(entry)}
    assert "存储行数" in labels and "rows" not in labels
