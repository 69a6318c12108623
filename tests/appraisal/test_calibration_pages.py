"""The calibration view, one person's calibration page, and the results table with its
Excel export: within the user's scope (404 outside), in a few queries."""

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from servicescore.appraisal.models import Evaluation

from ..conftest import login
from .cycle_setup_y import cycle_with, evaluation, technician_version


@pytest.fixture
def cycle(network):
    found = cycle_with(technician_version())
    # SC1: T1 72 (B, near 70: 8 of 10 is a small sample), T2 82 (B, 850 of 1000: not near),
    # T3 reviewed by the manager; SC2: T4, out of the SC1 manager's scope
    evaluation(found, network.tech)
    evaluation(found, network.tech_colleague, ftfr=(85.0, 850, 1000, 1000))
    evaluation(found, network.tech_other_team, rating=5)
    evaluation(found, network.tech_sc2, reviewer=network.hr, rating=2)
    return found


def more_people(network, cycle):
    """Three more people, so that a query per person would show in the counts."""
    for person in (network.advisor, network.dispatcher, network.cs_agent):
        evaluation(cycle, person)


def get(client, url, **params):
    with translation.override("en"):
        return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def rows(response, attribute="data-evaluation"):
    return response.content.decode().count(f'{attribute}="')


def test_the_manager_sees_only_his_part_of_the_cycle(client, network, cycle):
    login(client, network.manager)
    response = get(client, f"/appraisal/cycles/{cycle.pk}/calibration/")
    assert response.status_code == 200
    assert rows(response) == 3
    assert network.tech_sc2.name not in response.content.decode()


def test_hr_sees_everyone(client, network, cycle):
    login(client, network.hr)
    assert rows(get(client, f"/appraisal/cycles/{cycle.pk}/calibration/")) == 4


@pytest.mark.parametrize("who", ["tech", "foreman", "tech_sc2"])
def test_the_calibration_view_is_404_for_people_who_do_not_calibrate(client, network, cycle, who):
    login(client, getattr(network, who))
    assert get(client, f"/appraisal/cycles/{cycle.pk}/calibration/").status_code == 404


def test_a_manager_with_nobody_in_the_cycle_gets_404(client, network):
    other = cycle_with(technician_version())
    evaluation(other, network.tech_sc2, reviewer=network.hr)
    login(client, network.manager)
    assert get(client, f"/appraisal/cycles/{other.pk}/calibration/").status_code == 404


def test_the_view_filters_by_org_unit(client, network, cycle):
    login(client, network.manager)
    response = get(client, f"/appraisal/cycles/{cycle.pk}/calibration/", org_unit=network.t11.pk)
    assert rows(response) == 2


def test_an_org_unit_out_of_scope_is_404(client, network, cycle):
    login(client, network.manager)
    assert (
        get(client, f"/appraisal/cycles/{cycle.pk}/calibration/", org_unit=network.sc2.pk).status_code == 404
    )


def test_an_unknown_position_is_404(client, network, cycle):
    login(client, network.manager)
    assert get(client, f"/appraisal/cycles/{cycle.pk}/calibration/", position="astronaut").status_code == 404


def test_the_view_flags_the_person_near_a_grade_boundary(client, network, cycle):
    login(client, network.hr)
    html = get(client, f"/appraisal/cycles/{cycle.pk}/calibration/").content.decode()
    t1 = Evaluation.objects.get(employee=network.tech)
    t2 = Evaluation.objects.get(employee=network.tech_colleague)
    assert f'data-evaluation="{t1.pk}" data-boundary="70"' in html
    assert f'data-evaluation="{t2.pk}">' in html


def test_the_forced_distribution_shows_which_rule_is_broken(client, network, cycle):
    # grades: T1 B, T2 B, T3 (TEAMWORK 5 → 40 + 40 = 80) B, T4 (2 → 40 + 16 = 56) D
    login(client, network.hr)
    html = get(client, f"/appraisal/cycles/{cycle.pk}/calibration/").content.decode()
    assert 'data-forced="S+A" data-kept="true"' in html
    assert 'data-forced="D" data-kept="true"' in html
    login(client, network.manager)
    html = get(client, f"/appraisal/cycles/{cycle.pk}/calibration/").content.decode()
    assert 'data-forced="D" data-kept="false"' in html


def test_the_view_lists_each_reviewer_against_the_kpi_part(client, network, cycle):
    login(client, network.hr)
    html = get(client, f"/appraisal/cycles/{cycle.pk}/calibration/").content.decode()
    assert f'data-reviewer="{network.foreman.name}"' in html
    assert f'data-reviewer="{network.manager.name}"' in html


def test_the_calibration_view_reads_in_a_fixed_number_of_queries(
    client, network, cycle, django_assert_max_num_queries
):
    more_people(network, cycle)
    login(client, network.hr)
    with django_assert_max_num_queries(10):
        assert get(client, f"/appraisal/cycles/{cycle.pk}/calibration/").status_code == 200


def test_the_person_page_calibrates_with_a_reason(client, network, cycle):
    found = Evaluation.objects.get(employee=network.tech)
    login(client, network.hr)
    url = f"/appraisal/cycles/{cycle.pk}/calibration/{found.pk}/"
    response = client.post(url, {"revision": found.revision, "adjustment": "3", "reason": "补充说明"})
    assert response.status_code == 302
    found.refresh_from_db()
    assert (found.calibration_adjustment, round(found.final_score, 2)) == (3.0, 75.0)


def test_the_person_page_without_a_reason_shows_the_error_and_saves_nothing(client, network, cycle):
    found = Evaluation.objects.get(employee=network.tech)
    login(client, network.hr)
    with translation.override("en"):
        response = client.post(
            f"/appraisal/cycles/{cycle.pk}/calibration/{found.pk}/",
            {"revision": found.revision, "adjustment": "3", "reason": ""},
        )
    assert response.status_code == 422
    assert b'data-error="calibration_reason"' in response.content
    found.refresh_from_db()
    assert found.calibration_adjustment == 0.0


def test_the_person_page_with_a_stale_revision_is_a_conflict(client, network, cycle):
    found = Evaluation.objects.get(employee=network.tech)
    login(client, network.hr)
    url = f"/appraisal/cycles/{cycle.pk}/calibration/{found.pk}/"
    client.post(url, {"revision": found.revision, "adjustment": "3", "reason": "先"})
    response = client.post(url, {"revision": found.revision, "adjustment": "5", "reason": "后"})
    assert response.status_code == 409
    found.refresh_from_db()
    assert found.calibration_adjustment == 3.0


def test_the_person_page_is_404_out_of_scope(client, network, cycle):
    other = Evaluation.objects.get(employee=network.tech_sc2)
    login(client, network.manager)
    url = f"/appraisal/cycles/{cycle.pk}/calibration/{other.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"revision": 0, "adjustment": "1", "reason": "x"}).status_code == 404


def test_the_results_table_shows_the_people_in_scope(client, network, cycle):
    login(client, network.manager)
    response = get(client, f"/appraisal/cycles/{cycle.pk}/results/")
    assert response.status_code == 200
    assert rows(response) == 3


def test_the_results_table_is_open_to_auditors(client, network, cycle):
    login(client, network.auditor)
    assert rows(get(client, f"/appraisal/cycles/{cycle.pk}/results/")) == 4


@pytest.mark.parametrize("who", ["tech", "foreman"])
def test_the_results_table_and_export_are_404_for_others(client, network, cycle, who):
    login(client, getattr(network, who))
    assert get(client, f"/appraisal/cycles/{cycle.pk}/results/").status_code == 404
    assert get(client, f"/appraisal/cycles/{cycle.pk}/results.xlsx").status_code == 404


def test_the_results_table_sorts_by_name(client, network, cycle):
    login(client, network.hr)
    html = get(client, f"/appraisal/cycles/{cycle.pk}/results/", sort="name").content.decode()
    order = [html.index(f'data-employee="{no}"') for no in ("T1", "T2", "T3", "T4")]
    assert order == sorted(order)


def test_the_results_table_reads_in_a_fixed_number_of_queries(
    client, network, cycle, django_assert_max_num_queries
):
    more_people(network, cycle)
    login(client, network.hr)
    with django_assert_max_num_queries(8):
        get(client, f"/appraisal/cycles/{cycle.pk}/results/")


def sheet(response):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_managers_export_holds_only_his_people(client, network, cycle):
    login(client, network.manager)
    response = get(client, f"/appraisal/cycles/{cycle.pk}/results.xlsx")
    assert response.status_code == 200
    numbers = sorted(row[0] for row in sheet(response)[1:])
    assert numbers == ["T1", "T2", "T3"]


def test_the_export_writes_names_as_text_never_as_formulas(client, network, cycle):
    network.tech.name = '=HYPERLINK("http://x")'
    network.tech.save()
    login(client, network.hr)
    rows_ = sheet(get(client, f"/appraisal/cycles/{cycle.pk}/results.xlsx"))
    names = [row[1] for row in rows_[1:]]
    assert not any(str(name).startswith("=") for name in names)


def test_the_export_reads_in_a_fixed_number_of_queries(client, network, cycle, django_assert_max_num_queries):
    more_people(network, cycle)
    login(client, network.hr)
    with django_assert_max_num_queries(5):
        response = get(client, f"/appraisal/cycles/{cycle.pk}/results.xlsx")
        b"".join(response.streaming_content)
