"""The rating page (/scores/ratings/): a reviewer rates the manual items of the people in
his scope for a month, the whole team in one form; bad input shows the form again with
each error at its cell and writes nothing; outsiders get 404, roles that do not rate 403."""

import pytest
from django.test import Client
from django.urls import reverse

from servicescore.core.models import AuditEntry
from servicescore.kpi.models import ManualRating

from ..conftest import login
from ..factories import EmployeeFactory
from .ratings import PERIOD, manual_scheme, other_foreman
from .scorecards import english, line, scorecard

pytestmark = pytest.mark.django_db
RATINGS = reverse("kpi:ratings")


@pytest.fixture
def client(client):
    return english(client)


@pytest.fixture
def scheme(network):
    return manual_scheme()


def listed(response):
    return [row.employee.employee_no for row in response.context["rows"]]


def page(client, **params):
    return client.get(RATINGS, {"period": PERIOD, **params})


def post(client, data, **params):
    query = "&".join(f"{key}={value}" for key, value in {"period": PERIOD, **params}.items())
    return client.post(f"{RATINGS}?{query}", data)


def test_a_foreman_sees_his_team_but_not_himself(client, network, scheme):
    manual_scheme(position="foreman")
    login(client, network.foreman)
    response = page(client)
    assert response.status_code == 200
    assert listed(response) == ["T1", "T2"]


def test_each_person_shows_the_manual_items_of_their_scheme_by_name(client, network, scheme):
    login(client, network.foreman)
    html = page(client).content.decode()
    assert "Service compliance" in html and "Teamwork" in html
    assert 'name="rating:T1:COMPLIANCE"' in html and 'name="comment:T2:TEAMWORK"' in html


def test_a_manager_sees_his_centre_with_a_scheme_with_manual_items(client, network, scheme):
    login(client, network.manager)
    # the advisor's and the dispatcher's positions have no scheme with manual items here
    assert listed(page(client)) == ["T1", "T2", "T3"]


def test_the_org_unit_narrows_the_list(client, network, scheme):
    login(client, network.manager)
    assert listed(page(client, org_unit=network.t12.pk)) == ["T3"]


@pytest.mark.parametrize("unit", ["t21", "x"])
def test_an_org_unit_out_of_scope_is_404(client, network, scheme, unit):
    login(client, network.manager)
    value = getattr(network, unit).pk if unit == "t21" else unit
    assert page(client, org_unit=value).status_code == 404


def test_the_reviewers_own_ratings_are_prefilled_and_the_others_summed_up(client, network, scheme):
    ManualRating.objects.create(
        employee=network.tech, period=PERIOD, indicator="COMPLIANCE", reviewer=network.foreman, rating=4
    )
    ManualRating.objects.create(
        employee=network.tech, period=PERIOD, indicator="COMPLIANCE", reviewer=network.manager, rating=3
    )
    login(client, network.foreman)
    response = page(client)
    cell = response.context["rows"][0].cells[0]
    assert (cell.code, cell.rating, cell.others_count, cell.others_mean) == ("COMPLIANCE", "4", 1, 3)
    html = response.content.decode()
    assert 'id="rating-1-COMPLIANCE-4" value="4" checked' in html
    assert "1 other reviewer, mean 3" in html


def test_the_query_count_does_not_grow_with_the_team(client, network, scheme, django_assert_max_num_queries):
    login(client, network.foreman)
    with django_assert_max_num_queries(15) as few:
        assert len(listed(page(client))) == 2
    for n in range(28):
        EmployeeFactory(employee_no=f"X{n:02d}", position="technician", org_unit=network.t11)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed(page(client))) == 30


def test_a_batch_is_saved_at_once_with_a_message(client, network, scheme):
    login(client, network.foreman)
    response = post(
        client,
        {
            "rating:T1:COMPLIANCE": "4",
            "comment:T1:COMPLIANCE": "",
            "rating:T1:TEAMWORK": "5",
            "comment:T1:TEAMWORK": "trained two apprentices",
            "rating:T2:COMPLIANCE": "3",
            "comment:T2:COMPLIANCE": "",
            "rating:T2:TEAMWORK": "",
            "comment:T2:TEAMWORK": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{RATINGS}?period={PERIOD}"
    assert ManualRating.objects.filter(reviewer=network.foreman).count() == 3
    assert AuditEntry.objects.filter(content_type__model="manualrating").count() == 3
    html = client.get(response["Location"]).content.decode()
    assert "3 ratings saved for 2026-10" in html


def test_a_bad_submit_shows_the_form_again_with_errors_at_their_cells(client, network, scheme):
    login(client, network.foreman)
    response = post(
        client,
        {
            "rating:T1:COMPLIANCE": "1",
            "comment:T1:COMPLIANCE": "",
            "rating:T1:TEAMWORK": "0",
            "rating:T2:COMPLIANCE": "4",
            "comment:T2:COMPLIANCE": "steady",
        },
    )
    assert response.status_code == 200
    assert not ManualRating.objects.exists() and not AuditEntry.objects.exists()
    cells = {
        (row.employee.employee_no, cell.code): cell for row in response.context["rows"] for cell in row.cells
    }
    assert cells["T1", "COMPLIANCE"].errors == ["A rating below 3 or of 5 needs a comment."]
    assert cells["T1", "TEAMWORK"].errors == ["Choose a rating from 1 to 5."]
    assert cells["T2", "COMPLIANCE"].errors == [] and cells["T2", "COMPLIANCE"].comment == "steady"
    html = response.content.decode()
    assert "Nothing was saved: 2 ratings need correcting." in html
    assert 'id="rating-1-COMPLIANCE-1" value="1" checked' in html  # what was typed is kept


def test_posting_a_person_of_another_team_is_404_and_writes_nothing(client, network, scheme):
    outsider = other_foreman(network)
    login(client, outsider)
    response = post(client, {"rating:T3:COMPLIANCE": "4", "rating:T1:COMPLIANCE": "4"})
    assert response.status_code == 404
    assert not ManualRating.objects.exists()


def test_posting_a_rating_of_oneself_is_403(client, network, scheme):
    manual_scheme(position="foreman")
    login(client, network.foreman)
    assert post(client, {"rating:F1:COMPLIANCE": "4"}).status_code == 403
    assert not ManualRating.objects.exists()


@pytest.mark.parametrize("period", ["2026-13", "2026-Q4", "2999-01"])
def test_a_bad_or_future_period_is_400_and_writes_nothing(client, network, scheme, period):
    login(client, network.foreman)
    assert client.get(RATINGS, {"period": period}).status_code == 400
    response = client.post(f"{RATINGS}?period={period}", {"rating:T1:COMPLIANCE": "4"})
    assert response.status_code == 400 and 'data-error="period"' in response.content.decode()
    assert not ManualRating.objects.exists()


@pytest.mark.parametrize("who", ["tech", "dispatcher", "cs_agent"])
def test_roles_that_do_not_rate_get_403(client, network, scheme, who):
    login(client, getattr(network, who))
    assert page(client).status_code == 403
    assert post(client, {"rating:T1:COMPLIANCE": "4"}).status_code == 403
    assert not ManualRating.objects.exists()


def test_the_form_needs_the_csrf_token(network, scheme):
    browser = Client(enforce_csrf_checks=True)
    login(browser, network.foreman)
    response = browser.post(f"{RATINGS}?period={PERIOD}", {"rating:T1:COMPLIANCE": "4"})
    assert response.status_code == 403
    assert not ManualRating.objects.exists()


def test_reviewers_have_the_page_in_the_navigation_and_technicians_do_not(client, network, scheme):
    login(client, network.foreman)
    assert f'href="{RATINGS}"' in client.get(reverse("kpi:team_scores")).content.decode()
    login(client, network.tech)
    html = client.get(reverse("kpi:scorecard", args=["T1", PERIOD])).content.decode()
    assert RATINGS not in html


def test_the_team_page_links_to_the_ratings_of_its_month(client, network, scheme):
    scorecard(network.tech, scheme)
    login(client, network.foreman)
    html = client.get(reverse("kpi:team_scores"), {"period": PERIOD}).content.decode()
    assert f'href="{RATINGS}?period={PERIOD}" data-ratings-link' in html


def test_a_manual_item_without_data_links_to_the_rating_page_for_a_reviewer(client, network, scheme):
    items = [
        line("COMPLIANCE", rule="manual", unit="1–5", no_data=True, weight=50.0),
        line("TEAMWORK", weight=50.0),
    ]
    scorecard(network.tech, scheme, items=items)
    login(client, network.foreman)
    html = client.get(reverse("kpi:scorecard", args=["T1", PERIOD])).content.decode()
    assert f'{RATINGS}?period={PERIOD}&amp;org_unit={network.t11.pk}" data-rate-link="COMPLIANCE"' in html
    assert 'data-rate-link="TEAMWORK"' not in html
    login(client, network.tech)  # his own scorecard: he does not rate himself
    assert "data-rate-link" not in client.get(reverse("kpi:scorecard", args=["T1", PERIOD])).content.decode()


def test_the_page_fits_a_phone_with_a_card_per_person(client, network, scheme):
    login(client, network.foreman)
    html = page(client).content.decode()
    assert html.count("data-ratee=") == 2 and 'class="col-12 col-xl-6"' in html
