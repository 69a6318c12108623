"""Recalculating a frozen evaluation: a record corrected after the freeze does not move the
score until HR recalculates it, with a reason; the change is recorded old → new; nobody
else may, and not after publication."""

import pytest
from django.test import Client

from servicescore.appraisal.models import Evaluation, EvaluationChange
from servicescore.appraisal.services import cycles as cycle_services
from servicescore.appraisal.services.recalculation import evaluation_recalculate
from servicescore.core.errors import Conflict, Invalid, Refused
from servicescore.core.models import AuditEntry

from ..conftest import login
from ..factories import employee_result
from .cycles_setup import PERIOD, computed_october, create_args, technician_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(network):
    technician_scheme()
    computed_october({network.tech: 70.0, network.tech_colleague: 85.0, network.tech_other_team: 90.0})
    cycle = cycle_services.cycle_create(**create_args(network))
    cycle = cycle_services.cycle_open(cycle=cycle, by=network.hr.user)
    cycle_services.cycle_freeze(cycle=cycle, by=network.hr.user, reason="演示：目标确认已截止")
    return Evaluation.objects.get(cycle=cycle, employee=network.tech)


def correct_the_record(network, value=88.0):
    employee_result(network.tech, period=PERIOD, indicator="FTFR", value=value)


def test_a_corrected_record_does_not_move_the_frozen_score(network, frozen):
    before = frozen.final_score
    correct_the_record(network)
    frozen.refresh_from_db()
    assert frozen.final_score == before and frozen.figures["FTFR"][0] == 70.0


def test_hr_recalculates_with_a_reason_and_the_change_is_recorded_old_to_new(network, frozen):
    before = (frozen.final_score, frozen.grade)
    correct_the_record(network)
    evaluation_recalculate(
        by=network.hr.user, evaluation=frozen, revision=frozen.revision, reason="工单归属已更正"
    )
    frozen.refresh_from_db()
    assert frozen.figures["FTFR"][0] == 88.0 and frozen.final_score > before[0]
    changes = EvaluationChange.objects.filter(evaluation=frozen, kind=EvaluationChange.Kind.RECALCULATION)
    figure = changes.get(field="figures.FTFR")
    assert (figure.old, figure.new) == (70.0, 88.0)
    change = changes.get(field="final_score")
    assert (change.old["final_score"], change.old["grade"]) == before
    assert change.new == {"final_score": frozen.final_score, "grade": frozen.grade}
    assert change.reason == "工单归属已更正" and change.by == network.hr.user
    assert AuditEntry.objects.filter(action="cycle.recalculation", object_id=str(frozen.pk)).exists()


def test_a_recalculation_without_a_reason_is_refused_and_changes_nothing(network, frozen):
    correct_the_record(network)
    with pytest.raises(Invalid) as refused:
        evaluation_recalculate(by=network.hr.user, evaluation=frozen, revision=frozen.revision, reason="  ")
    assert refused.value.field == "reason"
    frozen.refresh_from_db()
    assert frozen.figures["FTFR"][0] == 70.0


def test_only_hr_recalculates(network, frozen):
    with pytest.raises(Refused):
        evaluation_recalculate(
            by=network.manager.user, evaluation=frozen, revision=frozen.revision, reason="x"
        )


def test_a_published_result_is_not_recalculated(network, frozen):
    frozen.state = Evaluation.State.PUBLISHED
    with pytest.raises(Conflict):
        evaluation_recalculate(by=network.hr.user, evaluation=frozen, revision=frozen.revision, reason="x")


def test_a_stale_form_gets_a_conflict(network, frozen):
    with pytest.raises(Conflict):
        evaluation_recalculate(
            by=network.hr.user, evaluation=frozen, revision=frozen.revision - 1, reason="x"
        )


def test_the_page_offers_it_to_hr_only_and_a_bad_post_shows_the_error(network, frozen):
    client = Client()
    login(client, network.manager)
    assert "data-recalculate-form" not in client.get(f"/appraisal/evaluations/{frozen.pk}/").content.decode()
    login(client, network.hr)
    url = f"/appraisal/evaluations/{frozen.pk}/"
    assert "data-recalculate-form" in client.get(url).content.decode()
    answer = client.post(f"{url}recalculate/", {"revision": frozen.revision, "reason": ""})
    assert answer.status_code == 422
    correct_the_record(network)
    answer = client.post(f"{url}recalculate/", {"revision": frozen.revision, "reason": "更正"})
    assert answer.status_code == 302
    frozen.refresh_from_db()
    assert frozen.figures["FTFR"][0] == 88.0


def test_a_technician_guessing_the_url_gets_404(network, frozen):
    client = Client()
    login(client, network.tech_colleague)
    answer = client.post(f"/appraisal/evaluations/{frozen.pk}/recalculate/", {"revision": 0, "reason": "x"})
    assert answer.status_code == 404
