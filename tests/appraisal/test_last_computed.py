"""Every score page says when its figures were last computed (kpi/_last_computed.html), and
an empty one says how to get figures: import (for those who may), wait for the nightly
run (an open month) or recompute now (HR and administrators)."""

import datetime

import pytest
from django.urls import reverse

from servicescore.kpi.models import ComputedPeriod
from servicescore.kpi.services.jobs import open_months

from ..conftest import login
from .scorecards import english, scorecard, technician_version

pytestmark = pytest.mark.django_db
RECOMPUTE = reverse("indicators:recompute")
IMPORT = reverse("exchange:upload")


@pytest.fixture
def client(client):
    return english(client)


def computed(period="2026-10"):
    # 18:30 UTC is 02:30 the next day in Shanghai
    return ComputedPeriod.objects.create(
        period=period, computed_at=datetime.datetime(2026, 11, 1, 18, 30, tzinfo=datetime.UTC), people=5
    )


def scorecard_url(employee, period="2026-10"):
    return reverse("kpi:scorecard", args=[employee.employee_no, period])


def test_the_scorecard_says_when_its_figures_were_last_computed(client, network):
    computed()
    scorecard(network.tech, technician_version(), final=80.0, grade="B")
    login(client, network.tech)
    html = client.get(scorecard_url(network.tech)).content.decode()
    assert "Figures last computed 2026-11-02 02:30" in html
    assert RECOMPUTE not in html  # a technician may not recompute


def test_the_scorecard_says_when_figures_were_not_computed_yet(client, network):
    login(client, network.tech)
    html = client.get(scorecard_url(network.tech)).content.decode()
    assert "Figures not computed yet" in html


def test_hr_gets_a_recompute_link_beside_the_time(client, network):
    computed()
    scorecard(network.tech, technician_version(), final=80.0, grade="B")
    login(client, network.hr)
    html = client.get(scorecard_url(network.tech)).content.decode()
    assert f'href="{RECOMPUTE}" data-recompute-link' in html


def test_the_team_page_says_when_its_figures_were_last_computed(client, network):
    computed()
    scorecard(network.tech, technician_version(), final=80.0, grade="B")
    login(client, network.manager)
    html = client.get(reverse("kpi:team_scores")).content.decode()
    assert "Figures last computed 2026-11-02 02:30" in html
    assert RECOMPUTE not in html  # a manager may not recompute: it is company-wide


def test_the_team_page_links_hr_to_the_recompute_page(client, network):
    scorecard(network.tech, technician_version(), final=80.0, grade="B")
    login(client, network.hr)
    html = client.get(reverse("kpi:team_scores")).content.decode()
    assert "Figures not computed yet" in html and f'href="{RECOMPUTE}" data-recompute-link' in html


def test_the_evidence_page_says_when_its_figures_were_last_computed(client, network):
    computed()
    scorecard(network.tech, technician_version(), final=80.0, grade="B")
    login(client, network.tech)
    html = client.get(reverse("kpi:evidence", args=["T1", "2026-10", "FTFR"])).content.decode()
    assert "Figures last computed 2026-11-02 02:30" in html


# --- empty states -----------------------------------------------------------------------------


def test_an_empty_open_month_tells_a_technician_to_wait_for_the_night(client, network, settings):
    settings.KPI_NIGHTLY_RECOMPUTE_AT = "03:15"
    login(client, network.tech)
    html = client.get(scorecard_url(network.tech, open_months()[-1])).content.decode()
    assert "computed every night at 03:15" in html
    assert IMPORT not in html and RECOMPUTE not in html


def test_an_empty_old_month_tells_a_technician_to_ask_hr(client, network):
    login(client, network.tech)
    html = client.get(scorecard_url(network.tech, "2025-01")).content.decode()
    assert 'data-step="ask"' in html and "every night" not in html


def test_an_empty_month_offers_hr_the_import_and_recompute_now(client, network):
    login(client, network.hr)
    html = client.get(scorecard_url(network.tech, open_months()[-1])).content.decode()
    assert f'<a href="{IMPORT}">Import</a>' in html and f'<a href="{RECOMPUTE}">Recompute now</a>' in html


def test_a_manager_is_offered_the_import_but_not_the_recompute(client, network):
    login(client, network.manager)
    html = client.get(reverse("kpi:team_scores")).content.decode()
    assert "No scorecards to show." in html
    assert f'<a href="{IMPORT}">Import</a>' in html and f'href="{RECOMPUTE}"' not in html
    assert "every night" in html


def test_a_computed_month_without_scorecards_does_not_ask_to_import(client, network):
    computed()
    login(client, network.hr)
    html = client.get(scorecard_url(network.tech)).content.decode()
    assert 'data-scorecard="none"' in html and "data-how-to-get-figures" not in html
