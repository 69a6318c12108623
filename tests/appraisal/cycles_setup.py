"""The set-up of the cycle tests (W): a technicians' scheme with one KPI item (FTFR,
linear, target 90, 0 points at 60) and one manual item (COMPLIANCE), and October 2026
stored as computed with each technician's FTFR."""

import datetime
from decimal import Decimal

from django.utils import timezone

from servicescore.appraisal.models import TemplateItem
from servicescore.kpi.models import ComputedPeriod

from ..factories import IndicatorResultFactory, TemplateVersionFactory, employee_result

PERIOD = "2026-10"
DEADLINES = {
    "targets_due": datetime.date(2026, 11, 3),
    "self_review_due": datetime.date(2026, 11, 6),
    "manager_review_due": datetime.date(2026, 11, 10),
}


def technician_scheme(**template):
    """An active technicians' scheme: FTFR (60 %) and service compliance (40 %)."""
    version = TemplateVersionFactory(
        template__position="technician", **{f"template__{k}": v for k, v in template.items()}
    )
    TemplateItem.objects.create(
        version=version, order=0, indicator="FTFR", weight=Decimal(60), rule="linear",
        target=Decimal(90), threshold=Decimal(60),
    )  # fmt: skip
    TemplateItem.objects.create(
        version=version, order=1, indicator="COMPLIANCE", weight=Decimal(40), rule="manual"
    )
    return version


def computed_october(people_values: dict, centre=None, centre_value=80.0):
    """October stored: FTFR per person {employee: value}, the centre's FTFR, and the
    period marked computed."""
    for employee, value in people_values.items():
        employee_result(employee=employee, period=PERIOD, indicator="FTFR", value=value)
    if centre is not None:
        IndicatorResultFactory(org_unit=centre, period=PERIOD, indicator="FTFR", value=centre_value)
    ComputedPeriod.objects.create(period=PERIOD, computed_at=timezone.now())


def create_args(network, **fields):
    """The arguments of a month cycle of October for SC1's technicians, made by HR."""
    values = {
        "by": network.hr.user,
        "name": "2026年10月考核",
        "kind": "month",
        "period": PERIOD,
        "units": [network.sc1.pk],
        "positions": ["technician"],
        **DEADLINES,
    }
    values.update(fields)
    return values
