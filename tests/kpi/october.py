"""The October records the recompute tests share (tests/kpi and tests/appraisal): four
completed work orders in two service centres, and a reader of one stored result."""

import datetime

from servicescore.kpi.models import IndicatorResult
from servicescore.kpi.results import stored_result

from ..factories import WorkOrderFactory

CST = datetime.timezone(datetime.timedelta(hours=8))


def at(text):
    return datetime.datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def done(network, tech, day, resolution="fixed", **fields):
    return WorkOrderFactory(
        service_center=tech.org_unit.parent if tech.org_unit.kind == "team" else tech.org_unit,
        technician=tech,
        state="completed",
        created_at=at(f"{day} 08:00"),
        completed_at=at(f"{day} 12:00"),
        resolution=resolution,
        **fields,
    )


def result(code, period="2026-10", employee=None, unit=None):
    """(value, numerator, denominator) stored for an employee or an org unit, or None."""
    if employee is not None:
        stored = stored_result(employee, period, code)
        return None if stored is None else (stored.value, stored.numerator, stored.denominator)
    return (
        IndicatorResult.objects.filter(period=period, indicator=code, org_unit=unit)
        .values_list("value", "numerator", "denominator")
        .first()
    )


def october_orders(network):
    done(network, network.tech, "10-02")
    done(network, network.tech, "10-03", resolution="not_fixed")
    done(network, network.tech_colleague, "10-04")
    done(network, network.tech_sc2, "10-05", resolution="not_fixed")
