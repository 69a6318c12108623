"""Quarter and year cycles scored as the mean of their months (services/cycle_months.py):
created, frozen on the months' published results, scored, reviewed, recalculated, and
shown month by month on the evaluation page."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from servicescore.appraisal.models import Cycle, Evaluation, EvaluationChange
from servicescore.appraisal.services.cycles import cycle_create, cycle_freeze, cycle_open
from servicescore.appraisal.services.recalculation import evaluation_recalculate
from servicescore.appraisal.services.reviews import manager_review_save, manual_items, targets_set
from servicescore.core.errors import Conflict, Invalid

from .cycles_setup import technician_scheme
from .review_factories import make_cycle, make_evaluation

pytestmark = pytest.mark.django_db

QUARTER_DEADLINES = {
    "targets_due": datetime.date(2027, 1, 5),
    "self_review_due": datetime.date(2027, 1, 8),
    "manager_review_due": datetime.date(2027, 1, 12),
}


def _month(version, period, stage=Cycle.Stage.PUBLISHED, **fields):
    fields.setdefault("name", f"{period} 月度考核")
    return make_cycle(version, stage=stage, period=period, kind="month", **fields)


def _result(cycle, employee, reviewer, final, *, kpi=None, manual=None, grade="B", **fields):
    return make_evaluation(
        cycle, employee, reviewer, state=Evaluation.State.FINAL, final_score=final,
        kpi_score=final * 0.6 if kpi is None else kpi, manual_score=final * 0.4 if manual is None else manual,
        kpi_points=final, kpi_error=2.0, grade=grade, **fields,
    )  # fmt: skip


def _quarter(network, **fields):
    values = {
        "by": network.hr.user,
        "name": "2026年第四季度考核",
        "kind": "quarter",
        "pooling": "mean",
        "period": "2026-Q4",
        "units": [network.sc1.pk],
        "positions": ["technician"],
        **QUARTER_DEADLINES,
    }
    values.update(fields)
    return cycle_create(**values)


def _frozen(cycle, network):
    cycle_open(cycle=cycle, by=network.hr.user)
    for evaluation in Evaluation.objects.filter(cycle=cycle):
        evaluation.sign_targets()
        evaluation.save()
    return cycle_freeze(cycle=cycle, by=network.hr.user)


@pytest.fixture
def months(network):
    """October and November published for tech (80, 90) and his colleague (60, 70);
    December has no cycle."""
    version = technician_scheme()
    october, november = _month(version, "2026-10"), _month(version, "2026-11")
    _result(october, network.tech, network.foreman, 80.0)
    _result(november, network.tech, network.foreman, 90.0, grade="A")
    _result(october, network.tech_colleague, network.foreman, 60.0, grade="C")
    _result(november, network.tech_colleague, network.foreman, 70.0, grade="B")
    return october, november


@pytest.fixture
def after_the_quarter(monkeypatch):
    """Now is 2027-01-04: the quarter has ended."""
    moment = datetime.datetime(2027, 1, 4, 9, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _evaluation(cycle, employee):
    return Evaluation.objects.get(cycle=cycle, employee=employee)


def test_a_quarter_scored_from_its_months_and_a_year_are_created(network, months):
    quarter = _quarter(network)
    year = _quarter(network, name="2026年度考核", kind="year", period="2026")
    assert (quarter.kind, quarter.pooling) == ("quarter", "mean")
    assert (year.kind, year.pooling, year.period) == ("year", "mean", "2026")
    assert Evaluation.objects.filter(cycle=year).count() == 3


def test_the_freeze_takes_the_mean_of_the_published_months(network, months, after_the_quarter):
    cycle = _frozen(_quarter(network), network)
    mine = _evaluation(cycle, network.tech)
    assert [m["period"] for m in mine.months] == ["2026-10", "2026-11"]
    assert mine.base_score == pytest.approx(85.0)
    assert mine.final_score == pytest.approx(85.0)
    assert mine.kpi_score == pytest.approx(51.0)
    assert mine.manual_score == pytest.approx(34.0)
    assert mine.kpi_points == pytest.approx(85.0)
    assert mine.kpi_error == pytest.approx((2 * 2.0**2) ** 0.5 / 2)
    assert mine.grade == "A"
    assert mine.items == [] and mine.figures == {}
    assert _evaluation(cycle, network.tech_colleague).final_score == pytest.approx(65.0)


def test_someone_without_a_published_month_has_insufficient_data(network, months, after_the_quarter):
    cycle = _frozen(_quarter(network), network)
    other = _evaluation(cycle, network.tech_other_team)
    assert other.months == []
    assert other.insufficient_data is True
    assert other.final_score is None and other.grade == ""


def test_a_month_with_insufficient_data_is_left_out_of_the_mean(network, months, after_the_quarter):
    version = months[0].versions.first().version
    december = _month(version, "2026-12")
    make_evaluation(
        december, network.tech, network.foreman, state=Evaluation.State.FINAL,
        final_score=None, insufficient_data=True,
    )  # fmt: skip
    cycle = _frozen(_quarter(network), network)
    mine = _evaluation(cycle, network.tech)
    assert len(mine.months) == 3
    assert mine.final_score == pytest.approx(85.0)


def test_a_veto_in_any_month_gives_the_lowest_grade(network, months, after_the_quarter):
    Evaluation.objects.filter(cycle=months[1], employee=network.tech).update(vetoed=True, grade="D")
    cycle = _frozen(_quarter(network), network)
    mine = _evaluation(cycle, network.tech)
    assert mine.vetoed is True
    assert mine.grade == "D"


def test_a_month_cycle_still_running_holds_the_freeze(network, months, after_the_quarter):
    version = months[0].versions.first().version
    december = _month(version, "2026-12", stage=Cycle.Stage.CALIBRATION, name="十二月")
    make_evaluation(december, network.tech, network.foreman, state=Evaluation.State.CALIBRATION)
    cycle = _quarter(network)
    with pytest.raises(Conflict) as caught:
        _frozen(cycle, network)
    assert caught.value.domain_code == "cycle_months_running"
    assert "十二月" in str(caught.value)
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.TARGETS


def test_the_quarter_cannot_be_frozen_before_it_ends(network, months):
    cycle = _quarter(network)
    with pytest.raises(Conflict) as caught:
        _frozen(cycle, network)
    assert caught.value.domain_code == "cycle_period_running"


def test_the_managers_adjustment_is_added_to_the_mean(network, months, after_the_quarter):
    cycle = _frozen(_quarter(network), network)
    Evaluation.objects.filter(cycle=cycle).update(
        state=Evaluation.State.MANAGER_REVIEW, self_submitted_at=timezone.now()
    )
    Cycle.objects.filter(pk=cycle.pk).update(stage=Cycle.Stage.MANAGER_REVIEW)
    mine = _evaluation(cycle, network.tech)
    manager_review_save(
        evaluation=mine, by=network.foreman.user, revision=mine.revision, ratings={},
        comment="季度表现稳定", adjustment="3", adjustment_reason="带教新人", submit=True,
    )  # fmt: skip
    mine.refresh_from_db()
    assert mine.final_score == pytest.approx(88.0)


def test_no_manual_item_is_rated_again_and_no_personal_target_is_set(network, months):
    cycle = _quarter(network)
    mine = _evaluation(cycle, network.tech)
    assert manual_items(mine) == []
    with pytest.raises(Conflict):
        targets_set(evaluation=mine, by=network.foreman.user, revision=mine.revision, targets={"FTFR": "95"})


def test_recalculation_takes_a_month_changed_after_the_freeze(network, months, after_the_quarter):
    cycle = _frozen(_quarter(network), network)
    Evaluation.objects.filter(cycle=months[1], employee=network.tech).update(final_score=100.0)
    mine = _evaluation(cycle, network.tech)
    assert mine.final_score == pytest.approx(85.0)  # the freeze stands
    evaluation_recalculate(
        by=network.hr.user, evaluation=mine, revision=mine.revision, reason="十一月申诉改判"
    )
    mine.refresh_from_db()
    assert mine.final_score == pytest.approx(90.0)
    change = EvaluationChange.objects.get(evaluation=mine, field="months.2026-11")
    assert (change.old, change.new) == (90.0, 100.0)


def test_the_evaluation_page_lists_the_months_with_links(client, network, months, after_the_quarter):
    cycle = _frozen(_quarter(network), network)
    mine = _evaluation(cycle, network.tech)
    client.force_login(network.tech.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/appraisal/evaluations/{mine.pk}/").content.decode()
    assert 'data-month="2026-10"' in page and 'data-month="2026-12"' in page
    october = Evaluation.objects.get(cycle=months[0], employee=network.tech)
    assert f'href="/appraisal/evaluations/{october.pk}/"' in page
    assert "No published month result" in page  # December
    assert "The mean of 2 of 3 months" in page
    assert "data-targets" not in page


def test_the_new_cycle_form_creates_a_year(client, network, months):
    client.force_login(network.hr.user)
    response = client.post(
        "/appraisal/cycles/new/",
        {
            "name": "2026年度考核", "kind": "year", "period": "2026", "pooling": "mean",
            "units": [network.sc1.pk], "positions": ["technician"], "adjustment_limit": "5",
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert Cycle.objects.get(period="2026").kind == "year"


def test_the_new_cycle_form_puts_a_bad_year_on_the_field(client, network, months):
    client.force_login(network.hr.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/appraisal/cycles/new/",
        {
            "name": "2026年度考核", "kind": "year", "period": "2026-Q4", "pooling": "pooled",
            "units": [network.sc1.pk], "positions": ["technician"], "adjustment_limit": "5",
        },
    )  # fmt: skip
    assert response.status_code == 400  # the page again, with the refusal on the field
    assert "is not a year: write it as YYYY" in response.content.decode()
    assert not Cycle.objects.filter(kind="year").exists()


def test_a_year_recomputed_over_the_whole_year_freezes_its_stored_results(network, after_the_quarter):
    from servicescore.kpi.models import ComputedPeriod

    from ..factories import employee_result

    technician_scheme()
    cycle = _quarter(network, name="2026年度考核", kind="year", period="2026", pooling="pooled")
    with pytest.raises(Conflict) as caught:
        _frozen(cycle, network)
    assert caught.value.domain_code == "cycle_not_computed"
    assert "servicescore kpi recompute --period 2026" in str(caught.value)
    employee_result(employee=network.tech, period="2026", indicator="FTFR", value=90.0)
    ComputedPeriod.objects.create(period="2026", computed_at=timezone.now())
    cycle.refresh_from_db()
    cycle = cycle_freeze(cycle=cycle, by=network.hr.user)
    mine = _evaluation(cycle, network.tech)
    assert mine.figures["FTFR"][0] == 90.0
    assert mine.months == []
    assert mine.final_score == pytest.approx(100.0)  # FTFR at its target; compliance unrated, scaled back


def test_a_bad_pooling_is_refused(network, months):
    with pytest.raises(Invalid):
        _quarter(network, pooling="median")


def _published(network):
    cycle = _frozen(_quarter(network), network)
    Evaluation.objects.filter(cycle=cycle).update(
        state=Evaluation.State.CALIBRATION,
        self_submitted_at=timezone.now(),
        manager_submitted_at=timezone.now(),
    )
    Cycle.objects.filter(pk=cycle.pk).update(stage=Cycle.Stage.CALIBRATION)
    cycle.refresh_from_db()
    return cycle


def test_calibration_and_results_pages_show_a_quarter_from_its_months(
    client, network, months, after_the_quarter
):
    cycle = _published(network)
    client.force_login(network.hr.user)
    for page in ("calibration", "results"):
        response = client.get(f"/appraisal/cycles/{cycle.pk}/{page}/")
        assert response.status_code == 200, page
        assert "85.00" in response.content.decode(), page


def test_a_quarter_from_its_months_is_appealed_as_a_whole_and_adjusted(network, months, after_the_quarter):
    from servicescore.appraisal.services.appeals import appeal_adjust, appeal_file
    from servicescore.appraisal.services.cycles import cycle_publish

    cycle = _published(network)
    cycle_publish(cycle=cycle, by=network.hr.user)
    mine = _evaluation(cycle, network.tech)
    with pytest.raises(Invalid):
        appeal_file(by=network.tech.user, evaluation=mine, indicators=["FTFR"], reason="一次返修不该算我")
    appeal = appeal_file(by=network.tech.user, evaluation=mine, reason="十二月病假，只有两个月的成绩")
    appeal_adjust(by=network.hr.user, appeal=appeal, reason="病假月份不计，酌情加分", adjustment="2")
    mine.refresh_from_db()
    assert mine.appeal_adjustment == 2
    assert mine.final_score == pytest.approx(87.0)
    assert mine.state == Evaluation.State.FINAL


def test_before_the_freeze_the_page_names_the_month_cycle_it_waits_for(client, network, months):
    version = months[0].versions.first().version
    december = _month(version, "2026-12", stage=Cycle.Stage.SELF_REVIEW, name="十二月考核")
    make_evaluation(december, network.tech, network.foreman, state=Evaluation.State.SELF_REVIEW)
    cycle = _quarter(network)
    cycle_open(cycle=cycle, by=network.hr.user)
    mine = _evaluation(cycle, network.tech)
    client.force_login(network.tech.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/appraisal/evaluations/{mine.pk}/").content.decode()
    assert "十二月考核 is still running: the freeze waits for its result" in page
    assert "data-sign-form" in page
