"""The cycle pages (views/cycles.py): the list, the new-cycle form with its errors, one
cycle with its board, the stage moves, and 404 for a cycle out of reach."""

import pytest
from django.urls import reverse

from servicescore.appraisal.models import Cycle, Evaluation
from servicescore.appraisal.services.cycles import cycle_create

from ..conftest import login
from .cycles_setup import create_args, technician_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(network):
    technician_scheme()
    return cycle_create(**create_args(network))


def english(client):
    client.cookies["django_language"] = "en"
    return client


def _form(network, **fields):
    data = {
        "name": "2026年10月考核",
        "kind": "month",
        "period": "2026-10",
        "units": [network.sc1.pk],
        "positions": ["technician"],
        "targets_due": "2026-11-03",
        "self_review_due": "2026-11-06",
        "manager_review_due": "2026-11-10",
        "adjustment_limit": "5",
        "forced_distribution": "on",
    }
    data.update(fields)
    return data


def test_hr_sees_the_cycle_in_the_list(client, network, cycle):
    login(client, network.hr)
    response = english(client).get(reverse("appraisal:cycles"))
    assert response.status_code == 200
    assert cycle.name in response.content.decode()


def test_the_list_is_forbidden_to_a_technician(client, network, cycle):
    login(client, network.tech)
    assert client.get(reverse("appraisal:cycles")).status_code == 403


def test_the_new_cycle_form_creates_a_draft(client, network):
    technician_scheme()
    login(client, network.manager)
    response = client.post(reverse("appraisal:cycle_new"), _form(network))
    cycle = Cycle.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("appraisal:cycle", args=[cycle.pk])
    assert cycle.evaluations.count() == 3
    assert cycle.forced_distribution


def test_a_bad_period_is_shown_on_the_form_and_nothing_is_saved(client, network):
    technician_scheme()
    login(client, network.hr)
    response = english(client).post(reverse("appraisal:cycle_new"), _form(network, period="2026-Q4"))
    assert response.status_code == 400
    assert 'data-error-for="period"' in response.content.decode()
    assert "is not a month" in response.content.decode()
    assert not Cycle.objects.exists()


def test_deadlines_out_of_order_are_shown_on_their_field(client, network):
    technician_scheme()
    login(client, network.hr)
    response = english(client).post(
        reverse("appraisal:cycle_new"), _form(network, manager_review_due="2026-11-04")
    )
    assert response.status_code == 400
    assert 'data-error-for="manager_review_due"' in response.content.decode()
    assert not Cycle.objects.exists()


def test_a_unit_outside_the_managers_part_is_not_offered(client, network):
    technician_scheme()
    login(client, network.manager)
    response = client.post(reverse("appraisal:cycle_new"), _form(network, units=[network.sc2.pk]))
    assert response.status_code == 400
    assert 'data-error-for="units"' in response.content.decode()
    assert not Cycle.objects.exists()


def test_the_cycle_page_shows_the_board_and_the_evaluations(
    client, network, cycle, django_assert_max_num_queries
):
    login(client, network.hr)
    with django_assert_max_num_queries(25):
        response = english(client).get(reverse("appraisal:cycle", args=[cycle.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-board-total="3"' in content
    evaluation = Evaluation.objects.get(cycle=cycle, employee=network.tech)
    assert f"/appraisal/evaluations/{evaluation.pk}/" in content
    assert 'data-move="open"' in content


def test_a_cycle_outside_the_managers_part_is_404(client, network):
    technician_scheme()
    other = cycle_create(**create_args(network, units=[network.sc2.pk]))
    login(client, network.manager)
    assert client.get(reverse("appraisal:cycle", args=[other.pk])).status_code == 404
    assert (
        client.post(reverse("appraisal:cycle_move", args=[other.pk]), {"action": "open"}).status_code == 404
    )
    other.refresh_from_db()
    assert other.stage == Cycle.Stage.DRAFT


def test_a_technician_cannot_open_a_cycle_page(client, network, cycle):
    login(client, network.tech)
    assert client.get(reverse("appraisal:cycle", args=[cycle.pk])).status_code == 403


def test_the_open_button_opens_the_cycle(client, network, cycle):
    login(client, network.hr)
    response = client.post(reverse("appraisal:cycle_move", args=[cycle.pk]), {"action": "open"})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.TARGETS


def test_a_refused_move_is_shown_and_changes_nothing(client, network, cycle):
    login(client, network.hr)
    response = english(client).post(
        reverse("appraisal:cycle_move", args=[cycle.pk]), {"action": "publish"}, follow=True
    )
    assert "not “Calibration”" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.DRAFT


def test_an_unknown_move_is_refused(client, network, cycle):
    login(client, network.hr)
    response = english(client).post(
        reverse("appraisal:cycle_move", args=[cycle.pk]), {"action": "explode"}, follow=True
    )
    assert "Choose one of the cycle" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.stage == Cycle.Stage.DRAFT


def test_the_navigation_offers_the_cycles_to_hr_not_to_a_technician(client, network):
    login(client, network.hr)
    assert reverse("appraisal:cycles") in client.get("/").content.decode()
    login(client, network.tech)
    assert reverse("appraisal:cycles") not in client.get("/").content.decode()
