"""The incremental path: a change re-aggregates only the (group, day) pairs of the stored
daily components it touches and recomputes the people they count for — and the stored
figures are then exactly what a full recompute from the records gives.

Each test makes changes one by one through the ORM (signals) or an import, lets the queued
requests run, snapshots every stored result (employees and org units, every month
touched), recomputes those months in full and compares."""

import datetime
from decimal import Decimal

import pytest

from servicescore.appraisal.default_schemes import install_default_templates
from servicescore.appraisal.models import Scorecard
from servicescore.exchange.importer import run_import
from servicescore.exchange.tables import Table
from servicescore.kpi import daily, dirty_days
from servicescore.kpi.models import DailyComponent, EmployeeResults, IndicatorResult, RecomputeRequest
from servicescore.kpi.results import results_in, stored_result, stored_results
from servicescore.kpi.services import recompute as services
from servicescore.voice.models import Complaint, FollowUp, Praise, SurveyInvitation, SurveyResponse
from servicescore.workorders.models import LabourLine, WorkOrder

from ..factories import WorkOrderFactory

pytestmark = pytest.mark.django_db
CST = datetime.timezone(datetime.timedelta(hours=8))
MONTHS = ("2026-10", "2026-11")


def at(text):
    return datetime.datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def order(net, tech, day, **fields):
    values = {
        "service_center": net.sc1,
        "technician": tech,
        "advisor": net.advisor,
        "state": "closed",
        "created_at": at(f"{day} 08:00"),
        "first_response_at": at(f"{day} 08:10"),
        "started_at": at(f"{day} 09:00"),
        "due_at": at(f"{day} 18:00"),
        "completed_at": at(f"{day} 12:00"),
        "closed_at": at(f"{day} 13:00"),
        "resolution": "fixed",
        "visits": 1,
        "labor_amount": Decimal("320.50"),
    }
    return WorkOrderFactory(**(values | fields))


def snapshot(*, scorecards=True):
    rows = {
        (r.period, r.indicator, None, r.org_unit_id): (r.value, r.numerator, r.denominator, r.sample)
        for r in IndicatorResult.objects.filter(period__in=MONTHS)
    }
    for doc in EmployeeResults.objects.filter(period__in=MONTHS):
        for code, r in results_in(doc).items():
            rows[doc.period, code, doc.employee_id, None] = (r.value, r.numerator, r.denominator, r.sample)
    if scorecards:
        for card in Scorecard.objects.filter(period__in=MONTHS):
            rows["card", card.period, card.employee_id] = (card.final_score, card.grade, card.version_id)
    return rows


def assert_same(incremental, full):
    assert incremental.keys() == full.keys()
    for key, got in incremental.items():
        for mine, theirs in zip(got, full[key], strict=True):
            if isinstance(mine, float | int) and isinstance(theirs, float | int):
                assert mine == pytest.approx(theirs, rel=1e-9, abs=1e-9), key
            else:
                assert mine == theirs, key


@pytest.fixture
def month(network, settings, django_capture_on_commit_callbacks):
    """October with a little of everything, recomputed in full; changes are recomputed
    as they commit."""
    net = network
    install_default_templates()
    net.orders = [
        order(net, net.tech, "10-02"),
        order(net, net.tech, "10-03", resolution="not_fixed"),
        order(net, net.tech_colleague, "10-04"),
        order(net, net.tech_colleague, "10-20", advisor=net.tech_colleague),
    ]
    LabourLine.objects.create(
        work_order=net.orders[0], technician=net.tech, standard_hours=2, clocked_hours=Decimal("1.5")
    )
    SurveyResponse.objects.create(
        external_id="R0", work_order=net.orders[2], submitted_at=at("10-05 10:00"), overall=4, nps=9
    )
    for period in MONTHS:
        services.recompute_period(period)  # straight from the records
        services.build_components(period)  # what it queues for after the commit
    settings.KPI_AUTO_RECOMPUTE = True

    def change(callback):
        with django_capture_on_commit_callbacks(execute=True):
            callback()
        assert not RecomputeRequest.objects.exists()

    net.change = change
    return net


def check_against_full():
    """The stored figures (summed from the daily components) against a full recompute,
    which reads the records directly."""
    incremental = snapshot()
    for period in MONTHS:
        services.recompute_period(period)
    assert_same(incremental, snapshot())


def test_orm_changes_recompute_exactly_what_a_full_run_gives(month):
    net, change = month, month.change
    first, second, third, fourth = net.orders

    change(lambda: order(net, net.tech, "10-08", due_at=at("10-08 11:00")))  # a new, late order

    def reassign():
        second.technician = net.tech_colleague
        second.save()

    change(reassign)

    def move_day():
        first.completed_at = at("10-21 12:00")
        first.closed_at = at("10-21 13:00")
        first.save()

    change(move_day)

    def cancel():
        third.state = "cancelled"
        third.save()

    change(cancel)
    # a comeback of the colleague's order, then the original changes hands
    change(lambda: order(net, net.tech_sc2, "10-25", service_center=net.sc2, rework_of=fourth))

    def hand_over_original():
        fourth.technician = net.tech_other_team
        fourth.save()

    change(hand_over_original)
    # FOLLOWUP_COVERAGE: a call two days after the order closed covers it
    change(
        lambda: FollowUp.objects.create(
            external_id="F1", work_order=first, agent=net.cs_agent, called_at=at("10-23 10:00"), reached=True
        )
    )
    invitation = SurveyInvitation.objects.create(work_order=first, sent_at=at("10-21 14:00"))

    def answer():
        response = SurveyResponse.objects.create(
            external_id="R1", work_order=first, submitted_at=at("10-22 09:00"), overall=5, nps=10
        )
        invitation.response = response
        invitation.save()

    change(answer)
    change(lambda: SurveyResponse.objects.get(external_id="R1").delete())
    change(
        lambda: Complaint.objects.create(
            external_id="C1", received_at=at("10-22 09:00"), work_order=first, handler=net.manager, valid=True
        )
    )
    change(
        lambda: Complaint.objects.create(
            external_id="C2",
            received_at=at("10-26 09:00"),
            employee=net.tech,
            handler=net.manager,
            valid=True,
        )
    )

    def resolve():
        complaint = Complaint.objects.get(external_id="C1")
        complaint.resolved_at = at("10-23 09:00")
        complaint.satisfied_after = True
        complaint.save()

    change(resolve)
    change(
        lambda: LabourLine.objects.create(
            work_order=first, technician=net.tech_colleague, standard_hours=3, clocked_hours=2
        )
    )
    change(lambda: Praise.objects.create(employee=net.tech, received_at=at("10-27 10:00"), kind="praise"))

    def into_november():
        fourth.completed_at = at("11-02 12:00")
        fourth.closed_at = at("11-02 13:00")
        fourth.save()

    change(into_november)
    change(lambda: WorkOrder.objects.get(pk=second.pk).delete())
    check_against_full()


def test_an_edit_recomputes_only_the_people_whose_sums_changed(month, settings):
    net = month
    settings.KPI_AUTO_RECOMPUTE = False
    order(net, net.tech_other_team, "10-04", advisor=None)  # someone else working that day
    services.recompute_period("2026-10")
    services.build_components("2026-10")
    edited = net.orders[2]  # the colleague's order of 10-04, advisor A1
    edited.resolution = "not_fixed"
    edited.save()
    days = dirty_days.instance_days(edited)
    stats = services.recompute_period("2026-10", days=days, rebuild=False)
    assert stats["people"] == 2  # the colleague and the advisor; not T3, who also worked on 10-04
    assert services.recompute_period("2026-10", days=days, rebuild=False)["people"] == 0  # nothing changed
    check_against_full()


def test_a_day_with_two_rows_for_one_person_and_group_is_compared_whole(month, settings):
    """COMPLAINT_RATE's numerator has two parts (complaints naming the employee, and
    complaints through their work orders), so one person's day can hold two rows of the
    "complaints" group. A change to the first row alone still recomputes them."""
    net = month
    settings.KPI_AUTO_RECOMPUTE = False
    first = net.orders[0]  # the technician's order of 10-02
    Complaint.objects.create(external_id="V1", received_at=at("10-12 09:00"), work_order=first, valid=True)
    services.recompute_period("2026-10")
    services.build_components("2026-10")
    rows = DailyComponent.objects.filter(
        group="complaints", employee=net.tech, day=datetime.date(2026, 10, 12)
    )
    Complaint.objects.create(external_id="E1", received_at=at("10-12 10:00"), employee=net.tech, valid=True)
    services.recompute_period("2026-10")
    services.build_components("2026-10")
    assert rows.count() == 2  # one per part
    Complaint.objects.create(external_id="E2", received_at=at("10-12 11:00"), employee=net.tech, valid=True)
    days = {"complaints": {datetime.date(2026, 10, 12)}}
    stats = services.recompute_period("2026-10", days=days, rebuild=False)
    assert stats["people"] == 1
    check_against_full()


def test_an_edit_no_indicator_reads_queues_nothing(month, django_capture_on_commit_callbacks):
    edited = month.orders[0]
    with django_capture_on_commit_callbacks() as callbacks:
        edited.description = "客户反映异响，复查后正常"
        edited.save()
    assert not callbacks and not RecomputeRequest.objects.exists()
    with django_capture_on_commit_callbacks() as callbacks:
        edited.resolution = "not_fixed"
        edited.save()
    assert callbacks and RecomputeRequest.objects.filter(group="done").exists()


def test_an_import_moving_orders_between_people_and_days_recomputes_both_sides(month):
    net, change = month, month.change
    first, second = net.orders[:2]
    header = ["external_id", "service_center", "type", "created_at", "completed_at", "technician", "advisor"]
    rows = [
        (
            2,
            [
                first.external_id,
                "SC1",
                "repair",
                "2026-10-02T08:00:00+08:00",
                "2026-10-15T10:00:00+08:00",
                "T2",
                "A1",
            ],
        ),
        (
            3,
            [
                second.external_id,
                "SC1",
                "repair",
                "2026-10-03T08:00:00+08:00",
                "2026-10-03T12:00:00+08:00",
                "T3",
                "",
            ],
        ),
        (4, ["WO-NEW", "SC2", "repair", "2026-10-30T08:00:00+08:00", "2026-11-01T10:00:00+08:00", "T4", ""]),
    ]

    def load():
        report = run_import("work_orders", Table(header, rows))
        assert report.ok, report.errors

    change(load)
    follow_ups = Table(
        ["external_id", "work_order_external_id", "agent", "called_at", "reached"],
        [(2, ["F9", first.external_id, "CS1", "2026-10-03T10:00:00+08:00", "true"])],
    )
    change(lambda: run_import("followups", follow_ups))
    check_against_full()


def test_an_import_moving_complaints_and_responses_recomputes_where_they_were(month):
    """Re-imported customer-voice records that change day, person or work order: the
    days they counted in before are re-aggregated as well as the new ones."""
    net, change = month, month.change
    first, third = net.orders[0], net.orders[2]

    def load(kind, header, *rows):
        report = run_import(kind, Table(header, [(n, row) for n, row in enumerate(rows, start=2)]))
        assert report.ok, report.errors

    complaints = ["external_id", "received_at", "work_order_external_id", "employee", "resolved_at"]
    change(
        lambda: load(
            "complaints",
            complaints,
            ["C1", "2026-10-05T09:00:00+08:00", "", "T1", "2026-10-06T09:00:00+08:00"],
            ["C2", "2026-10-07T09:00:00+08:00", first.external_id, "", ""],
        )
    )
    # C1 moves to another day, person and month; C2 to another order and day.
    change(
        lambda: load(
            "complaints",
            complaints,
            ["C1", "2026-11-02T09:00:00+08:00", "", "T2", "2026-11-03T09:00:00+08:00"],
            ["C2", "2026-10-21T09:00:00+08:00", third.external_id, "", ""],
        )
    )
    responses = ["external_id", "work_order_external_id", "submitted_at", "overall", "nps"]
    change(
        lambda: load(
            "survey_responses", responses, ["R0", first.external_id, "2026-10-25T10:00:00+08:00", "2", "3"]
        )
    )
    check_against_full()


def test_a_full_recompute_stores_the_figures_then_builds_the_days_after_commit(
    month, django_capture_on_commit_callbacks
):
    period = services.parse_period("2026-10")
    with django_capture_on_commit_callbacks() as callbacks:
        services.recompute_period(period)
    assert daily.unbuilt_months(period) == ["2026-10"]  # until the queued build has run
    assert stored_result(month.tech, "2026-10", "FTFR") is not None
    # a change meanwhile recomputes everyone straight from the records
    month.orders[0].resolution = "not_fixed"
    with django_capture_on_commit_callbacks() as more:
        month.orders[0].save()
    assert RecomputeRequest.objects.exists() and more
    assert services.process_recompute_requests()["2026-10"]["people"] > 2
    for callback in callbacks:
        callback()
    assert daily.unbuilt_months(period) == []
    assert services.build_components(period)["built"] == []  # idempotent
    check_against_full()


def test_the_stored_days_sum_to_what_the_records_give(month):
    """Every group's month read from the stored days equals the direct aggregate."""
    period = services.parse_period("2026-10")
    groups = list(daily.DAILY_GROUPS)
    from_days = daily.stored(groups, period)
    for group in groups:
        direct = daily.direct(group, period)
        assert from_days[group].keys() == direct.keys(), group
        for who, sums in direct.items():
            for key, number in sums.items():
                stored = from_days[group][who][key]
                if isinstance(number, datetime.timedelta):
                    assert stored.total_seconds() == pytest.approx(number.total_seconds()), (group, key)
                else:
                    assert (
                        stored == pytest.approx(float(number or 0)) if stored is not None else number is None
                    )
    assert DailyComponent.objects.filter(group="done").values("day").distinct().count() == 4


@pytest.mark.django_db(transaction=True)
def test_after_its_commit_a_full_recompute_builds_the_days_and_tidies_them(network):
    """No broker: the queued build runs inline at the commit, then VACUUM (ANALYZE) on
    PostgreSQL, which cannot run inside a transaction."""
    from django.db import connection

    order(network, network.tech, "10-02")
    services.recompute_period("2026-10")
    assert daily.unbuilt_months(services.parse_period("2026-10")) == []
    assert DailyComponent.objects.filter(group="done", employee=network.tech).exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s",
                [DailyComponent._meta.db_table],
            )
            assert cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_recomputes_wait_for_each_other(network):
    """Two workers replacing the same days' components one after the other, not together
    (PostgreSQL advisory lock; SQLite serialises writers by itself): the second waits for
    the first to commit, and no day is stored twice."""
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite allows one writer at a time")
    first = order(network, network.tech, "10-02")
    services.recompute_period("2026-10")  # builds the days at its commit (no broker)
    days = {group: {datetime.date(2026, 10, 2)} for group in daily.DAILY_GROUPS}
    held, release, finished = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def holder():
        try:
            with transaction.atomic():
                services.recompute_period("2026-10", days=days)  # takes the lock
                held.set()
                release.wait(10)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
            held.set()
        finally:
            connection.close()

    def second():
        try:
            services.recompute_period("2026-10", days=days)
            finished.set()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=second)]
    threads[0].start()
    assert held.wait(10)
    WorkOrder.objects.filter(pk=first.pk).update(visits=2)  # what the second one will see
    threads[1].start()
    assert not finished.wait(1.0), "the second recompute ran while the first held the lock"
    release.set()
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    assert finished.is_set()
    keys = list(DailyComponent.objects.values_list("employee", "group", "day"))
    assert len(keys) == len(set(keys)), "a day's components were stored twice"
    check_against_full()


@pytest.mark.django_db(transaction=True)
def test_outside_any_transaction_the_other_days_are_read_beside_the_rebuild(network, monkeypatch):
    """A recompute that is its own outermost transaction on PostgreSQL reads the other days'
    sums, and some groups' new rows, on a second connection (core/second_connection.py) while it
    re-aggregates: the figures are still exactly what a full recompute gives."""
    import threading
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one connection: the reads run in turn (the other tests)")
    for day, tech in (("10-02", network.tech), ("10-03", network.tech), ("10-04", network.tech_colleague)):
        order(network, tech, day)
    services.recompute_period("2026-10")  # builds the days at its commit (no broker)
    threads = {}
    for name in ("month_sums", "_select"):
        real = getattr(daily, name)

        def spy(*args, real=real, name=name, **kwargs):
            threads.setdefault(name, set()).add(threading.current_thread())
            return real(*args, **kwargs)

        monkeypatch.setattr(daily, name, spy)
    real_insert = daily._insert

    def slow_insert(*args):  # so that the second connection surely takes some groups
        time.sleep(0.05)
        return real_insert(*args)

    monkeypatch.setattr(daily, "_insert", slow_insert)
    late = order(network, network.tech_colleague, "10-03", due_at=at("10-03 10:00"))
    Complaint.objects.create(external_id="C9", received_at=at("10-03 11:00"), work_order=late, valid=True)
    days = {group: {datetime.date(2026, 10, 3)} for group in daily.DAILY_GROUPS}
    stats = services.recompute_period("2026-10", days=days, rebuild=False)
    assert stats["people"] >= 1
    assert threading.current_thread() not in threads["month_sums"] | threads["_select"]
    assert DailyComponent.objects.filter(day=datetime.date(2026, 10, 3), group="made").exists()
    check_against_full()


def quarter_snapshot():
    rows = {
        (r.indicator, None, r.org_unit_id): (r.value, r.numerator, r.denominator, r.sample)
        for r in IndicatorResult.objects.filter(period="2026-Q4")
    }
    for doc in EmployeeResults.objects.filter(period="2026-Q4"):
        for code, r in results_in(doc).items():
            rows[code, doc.employee_id, None] = (r.value, r.numerator, r.denominator, r.sample)
    for card in Scorecard.objects.filter(period="2026-Q4"):
        rows["card", card.employee_id] = (card.final_score, card.grade, card.version_id)
    return rows


def test_a_stored_quarter_follows_its_months(month):
    """A quarter stored by hand (`kpi recompute --period 2026-Q4`) is recomputed with its
    months, for the people they recomputed: afterwards it is what a full recompute of the
    quarter gives."""
    net, change = month, month.change
    services.recompute_period("2026-Q4")
    services.build_components("2026-Q4")  # queued for after its commit
    before = quarter_snapshot()
    change(lambda: order(net, net.tech_colleague, "10-09", resolution="not_fixed"))
    change(lambda: order(net, net.tech, "11-12", due_at=at("11-12 10:00")))
    change(
        lambda: Complaint.objects.create(
            external_id="Q1", received_at=at("11-13 09:00"), employee=net.tech, valid=True
        )
    )
    followed = quarter_snapshot()
    assert followed != before
    services.recompute_period("2026-Q4")
    assert_same(followed, quarter_snapshot())


def test_an_unstored_quarter_is_left_alone(month):
    month.change(lambda: order(month, month.tech, "11-12"))
    assert not EmployeeResults.objects.filter(period="2026-Q4").exists()
    assert not IndicatorResult.objects.filter(period="2026-Q4").exists()


def prefixes(period="2026-10"):
    from servicescore.kpi.models import ComponentMonth

    return ComponentMonth.objects.get(period=period).prefixes


def test_a_built_month_sums_its_days_but_the_last_two_per_person(month):
    """October's components run to 10-20: the prefixes hold 10-02 … 10-18, and the month's
    sums read from them are the sums of every day."""
    from servicescore.core.periods import parse_period
    from servicescore.kpi.models import ComponentPrefix

    assert prefixes() == dict.fromkeys(daily.DAILY_GROUPS, "2026-10-19")
    october = parse_period("2026-10")
    hours = ComponentPrefix.objects.get(period="2026-10", group="hours", employee=month.tech)
    assert (hours.v0, hours.v1) == (2.0, 1.5)  # the labour line of 10-02
    with_prefixes = daily.month_sums(october)
    ComponentPrefix.objects.all().delete()
    from servicescore.kpi.models import ComponentMonth

    ComponentMonth.objects.update(prefixes={})
    assert daily.month_sums(october) == with_prefixes


def test_a_change_on_the_last_days_keeps_the_prefixes(month):
    net = month
    net.change(lambda: order(net, net.tech, "10-20", due_at=at("10-20 11:00")))
    assert prefixes() == dict.fromkeys(daily.DAILY_GROUPS, "2026-10-19")
    check_against_full()


def test_a_change_inside_a_prefix_drops_it_and_sums_it_again_after_the_commit(
    month, settings, django_capture_on_commit_callbacks
):
    from servicescore.kpi.models import ComponentPrefix

    net = month
    settings.KPI_AUTO_RECOMPUTE = False
    extra = order(net, net.tech, "10-05")
    days = {group: touched for group, touched in dirty_days.instance_days(extra).items() if touched}
    assert days and all(max(touched) < datetime.date(2026, 10, 19) for touched in days.values())
    with django_capture_on_commit_callbacks(execute=True) as queued:
        services.recompute_period("2026-10", days=days, rebuild=False)
        assert set(prefixes()) == set(daily.DAILY_GROUPS) - set(days)  # dropped, not wrong
        assert not ComponentPrefix.objects.filter(group__in=days).exists()
    assert queued
    assert prefixes() == dict.fromkeys(daily.DAILY_GROUPS, "2026-10-19")  # summed again
    done = ComponentPrefix.objects.get(period="2026-10", group="done", employee=net.tech)
    before = DailyComponent.objects.filter(
        group="done", employee=net.tech, day__lt=datetime.date(2026, 10, 19)
    )
    assert done.v0 == sum(row.v0 for row in before) == 3  # 10-02, 10-03 and the new 10-05
    check_against_full()


def test_some_peoples_sums_read_from_the_prefixes_are_theirs_alone(month):
    from servicescore.core.periods import parse_period

    october = parse_period("2026-10")
    everyone = daily.month_sums(october)
    mine = daily.month_sums(october, people=[month.tech])
    assert mine and mine == {key: sums for key, sums in everyone.items() if key[1] == month.tech.pk}
    assert daily.month_sums(october, groups=["hours"], people=[month.tech]) == {
        ("hours", month.tech.pk): everyone["hours", month.tech.pk][:2]
    }


def test_a_changed_day_rewrites_only_the_people_whose_sums_changed(month, settings):
    net = month
    settings.KPI_AUTO_RECOMPUTE = False
    stamps = dict(EmployeeResults.objects.filter(period="2026-10").values_list("employee", "computed_at"))
    figures = {code: result[3:7] for code, result in stored_results(net.tech, "2026-10").items()}
    Praise.objects.create(employee=net.tech, received_at=at("10-20 10:00"), kind="praise")
    stats = services.recompute_period(
        "2026-10", days={"praise": {datetime.date(2026, 10, 20)}}, rebuild=False
    )
    assert stats["people"] == 1
    after = dict(EmployeeResults.objects.filter(period="2026-10").values_list("employee", "computed_at"))
    assert {pk for pk, stamp in after.items() if stamp != stamps[pk]} == {net.tech.pk}
    now = {code: result[3:7] for code, result in stored_results(net.tech, "2026-10").items()}
    changed = {code for code in now.keys() | figures.keys() if now.get(code) != figures.get(code)}
    assert changed and "FTFR" not in changed  # the praise figures, not the work orders'
    check_against_full()


def test_everyone_queued_beside_a_day_recomputes_everyone(month, settings):
    from servicescore.org.models import Employee

    settings.KPI_AUTO_RECOMPUTE = False
    services.request_recompute("2026-10", None, rebuild=False)  # an org unit's fact changed
    services.request_recompute_days({"praise": {datetime.date(2026, 10, 20)}})
    done = services.process_recompute_requests()
    assert done["2026-10"]["people"] == Employee.objects.count()
