"""The set-up of the rating tests: a technicians' scheme with two manual items, and a
foreman of another team (the outsider to the first team)."""

from decimal import Decimal

from servicescore.appraisal.models import TemplateItem
from servicescore.core.roles import Role

from ..factories import EmployeeFactory, TemplateVersionFactory, UserFactory

PERIOD = "2026-10"


def manual_scheme(position="technician", codes=("COMPLIANCE", "TEAMWORK"), **template):
    """An active scheme for the position whose items are manual ratings only."""
    version = TemplateVersionFactory(
        template__position=position, **{f"template__{k}": v for k, v in template.items()}
    )
    weight = Decimal(100) / len(codes)
    for order, code in enumerate(codes):
        TemplateItem.objects.create(
            version=version, order=order, indicator=code, weight=weight, rule="manual"
        )
    return version


def other_foreman(network):
    """The foreman of team SC1-T2 (T3's team): he sees T3, not T1 or T2."""
    user = UserFactory(username="f2", role=Role.FOREMAN)
    return EmployeeFactory(
        employee_no="F2",
        name="员工F2",
        position="foreman",
        org_unit=network.t12,
        manager=network.manager,
        user=user,
    )
