"""The scorecards a recompute stores (kpi.signals.figures_stored → appraisal): scored by
the active scheme version, kept on the version they used once the period is over, and
replaced only for the people recomputed."""

from decimal import Decimal

import pytest

from servicescore.appraisal.default_schemes import install_default_templates
from servicescore.appraisal.models import Scorecard, Template, TemplateVersion
from servicescore.appraisal.services import schemes
from servicescore.core.errors import DomainError
from servicescore.kpi.services import recompute as services

from ..kpi.october import result

pytestmark = pytest.mark.django_db


def test_scorecards_use_the_active_template_and_keep_their_version(october):
    net = october
    install_default_templates()
    # The October records give the technician data for 35 % of the weight, below the
    # default minimum share (50 %): no minimum here, so that he has a score and a grade.
    TemplateVersion.objects.update(min_data_share=0)
    services.recompute_period("2026-10")
    card = Scorecard.objects.get(employee=net.tech, period="2026-10")
    first = card.version
    assert first.template.code == "TECH-NEV" and card.final_score is not None and card.grade
    ftfr = next(line for line in card.items if line["indicator"] == "FTFR")
    assert (ftfr["raw_value"], ftfr["numerator"], ftfr["denominator"]) == (50, 1, 2)
    assert ftfr["shrunk"] and ftfr["prior"] == pytest.approx(200 / 3)  # the service centre's rate
    csat = next(line for line in card.items if line["indicator"] == "CSAT")
    assert csat["no_data"] and csat["effective_weight"] == 0
    # editing the active template makes version 2; activating it retires version 1
    template = Template.objects.get(code="TECH-NEV")
    draft = schemes.start_draft(template)
    assert draft.number == 2 and draft.items.count() == first.items.count()
    draft.items.filter(indicator="FTFR").update(weight=Decimal(25))
    draft.items.filter(indicator="CSAT").update(weight=Decimal(25))
    schemes.activate(draft)
    first.refresh_from_db()
    assert first.status == TemplateVersion.Status.RETIRED
    services.recompute_period("2026-10")
    assert Scorecard.objects.get(employee=net.tech, period="2026-10").version == first  # past score keeps v1
    services.recompute_period("2026-11")
    assert Scorecard.objects.get(employee=net.tech, period="2026-11").version == draft


def test_activation_refuses_weights_that_do_not_sum_to_100(october):
    install_default_templates()
    template = Template.objects.get(code="TECH-NEV")
    draft = schemes.start_draft(template)
    draft.items.filter(indicator="CSAT").update(weight=Decimal("29.5"))
    with pytest.raises(DomainError) as error:
        schemes.activate(draft)
    assert error.value.problems[0][1] == "weight"
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert template.versions.get(number=1).status == "active"


def test_recompute_of_many_people_stores_only_their_scorecards(october, monkeypatch):
    """Above the IN-list limit the families read everyone; only the requested people's
    results and scorecards are replaced."""
    net = october
    install_default_templates()
    services.recompute_period("2026-10")
    monkeypatch.setattr("servicescore.kpi.compute.PEOPLE_FILTER_LIMIT", 1)
    services.recompute_period("2026-10", people={net.tech.pk, net.tech_colleague.pk})
    assert Scorecard.objects.filter(period="2026-10", employee=net.tech).count() == 1
    assert Scorecard.objects.filter(period="2026-10").count() > 2
    assert result("FTFR", employee=net.tech) == (50, 1, 2)
