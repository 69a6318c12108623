"""A quarter scored as the mean of its months through GET /api/appraisal/evaluations/{id}:
the months it counts and the appeal adjustment, as the evaluation page shows them."""

import pytest

from servicescore.appraisal.models import Evaluation

from ..appraisal.test_cycle_months import _frozen, _quarter, after_the_quarter, months  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_evaluation_lists_its_months(network, months, after_the_quarter, token_for):  # noqa: F811
    cycle = _frozen(_quarter(network), network)
    mine = Evaluation.objects.get(cycle=cycle, employee=network.tech)
    october = Evaluation.objects.get(cycle=months[0], employee=network.tech)
    body = token_for(network.tech).get(f"/api/appraisal/evaluations/{mine.pk}").json()
    assert body["final_score"] == pytest.approx(85.0)
    assert body["appeal_adjustment"] == 0
    assert [m["period"] for m in body["months"]] == ["2026-10", "2026-11", "2026-12"]
    assert body["months"][0]["final_score"] == 80.0
    assert body["months"][0]["evaluation"] == f"/appraisal/evaluations/{october.pk}/"
    assert body["months"][2] == {
        "period": "2026-12", "cycle_name": "", "final_score": None, "grade": "",
        "published": False, "running": "", "evaluation": "",
    }  # fmt: skip


def test_a_month_cycle_has_no_months(network, months, token_for):  # noqa: F811
    october = Evaluation.objects.get(cycle=months[0], employee=network.tech)
    body = token_for(network.tech).get(f"/api/appraisal/evaluations/{october.pk}").json()
    assert body["months"] is None
