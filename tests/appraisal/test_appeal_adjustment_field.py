"""An appeal decision's points are their own field (Evaluation.appeal_adjustment): the
final score adds them, calibration's adjustment stays as calibration left it, and the
evaluation page, the results table and its export show them apart."""

import importlib
import io

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from openpyxl import load_workbook

from servicescore.appraisal.models import Evaluation, EvaluationChange
from servicescore.appraisal.services import appeals
from servicescore.appraisal.services.calibration import calibrate
from servicescore.appraisal.services.evaluations import rescore, save_scored
from servicescore.core.errors import Invalid

from ..conftest import login
from . import appeals as setup
from .cycle_setup_y import cycle_with, evaluation, technician_version

pytestmark = pytest.mark.django_db
published = setup.published


def fresh(found):
    return Evaluation.objects.get(pk=found.pk)


def calibrated(found, points):
    """The evaluation as calibration left it: `points` of calibration adjustment."""
    found.calibration_adjustment = points
    rescore(found)
    save_scored(found, ["calibration_adjustment"])
    return found


def adjusted_on_appeal(published, points="3"):
    appeal = appeals.appeal_file(
        by=published.net.tech.user,
        evaluation=published.evaluation,
        indicators=["FTFR"],
        reason="The second work order was a parts shortage.",
    )
    appeals.appeal_adjust(
        by=published.net.hr.user, appeal=appeal, reason="零件缺货，非本人原因", adjustment=points
    )
    return fresh(published.evaluation)


def test_an_appeals_score_change_is_written_to_the_appeal_adjustment(published):
    calibrated(published.evaluation, 2.0)
    after = adjusted_on_appeal(published)
    assert (after.appeal_adjustment, after.calibration_adjustment) == (3.0, 2.0)


def test_the_final_score_adds_the_calibration_and_the_appeal_adjustments(published):
    calibrated(published.evaluation, 2.0)
    base = fresh(published.evaluation).base_score
    after = adjusted_on_appeal(published)
    assert after.final_score == pytest.approx(base + 2.0 + 3.0)


def test_the_change_record_names_the_appeal_adjustment_old_and_new(published):
    adjusted_on_appeal(published)
    change = EvaluationChange.objects.get(evaluation=published.evaluation, field="appeal_adjustment")
    assert (change.kind, change.old, change.new) == (EvaluationChange.Kind.APPEAL, 0.0, 3.0)
    assert not EvaluationChange.objects.filter(field="calibration_adjustment").exists()


def test_a_score_change_beyond_the_limit_writes_neither_adjustment(published):
    appeal = appeals.appeal_file(
        by=published.net.tech.user, evaluation=published.evaluation, indicators=["FTFR"], reason="r"
    )
    with pytest.raises(Invalid):
        appeals.appeal_adjust(by=published.net.hr.user, appeal=appeal, reason="r", adjustment="50")
    after = fresh(published.evaluation)
    assert (after.appeal_adjustment, after.calibration_adjustment) == (0.0, 0.0)


def test_calibrating_leaves_an_appeal_adjustment_alone_and_keeps_it_in_the_score(network):
    cycle = cycle_with(technician_version())
    found = evaluation(cycle, network.tech)
    found.appeal_adjustment = 3.0  # as a recalculated evaluation might carry it
    rescore(found)
    save_scored(found, ["appeal_adjustment"])
    base = fresh(found).base_score
    calibrate(by=network.hr.user, evaluation=fresh(found), revision=None, adjustment="1", reason="横向对比")
    after = fresh(found)
    assert (after.appeal_adjustment, after.calibration_adjustment) == (3.0, 1.0)
    assert after.final_score == pytest.approx(base + 1.0 + 3.0)


def test_the_results_export_has_an_appeal_adjustment_column(client, published):
    adjusted_on_appeal(published)
    login(client, published.net.hr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        response = client.get(f"/appraisal/cycles/{published.evaluation.cycle_id}/results.xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header, row = (list(r) for r in book.active.iter_rows(values_only=True))
    assert row[header.index("Appeal adjustment")] == 3.0
    assert row[header.index("Calibration adjustment")] == 0.0


def test_the_results_table_shows_the_appeal_adjustment(client, published):
    adjusted_on_appeal(published)
    login(client, published.net.hr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/appraisal/cycles/{published.evaluation.cycle_id}/results/").content.decode()
    assert "Appeal adjustment" in html
    assert 'data-appeal-adjustment="3.00"' in html


def test_the_employee_sees_the_appeal_adjustment_on_his_evaluation(client, published):
    adjusted_on_appeal(published)
    login(client, published.net.tech)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/appraisal/evaluations/{published.evaluation.pk}/").content.decode()
    assert "Appeal adjustment" in html
    assert "data-appeal-adjustment>+3" in html


def test_the_migration_moves_earlier_appeal_points_out_of_the_calibration_adjustment(published):
    found = published.evaluation
    Evaluation.objects.filter(pk=found.pk).update(calibration_adjustment=5.0)
    EvaluationChange.objects.create(
        evaluation=found, kind="appeal", field="calibration_adjustment", old=2.0, new=5.0, reason="r"
    )
    migration = importlib.import_module("servicescore.appraisal.migrations.0008_evaluation_appeal_adjustment")
    migration.move_appeal_points(apps, None)
    after = fresh(found)
    assert (after.calibration_adjustment, after.appeal_adjustment) == (2.0, 3.0)
