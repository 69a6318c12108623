"""Indicator values for a period: the families' aggregates turned into (value, numerator,
denominator) per employee, following kpi-library.md's attribution."""

from dataclasses import dataclass
from decimal import Decimal

from servicescore.core.periods import Period
from servicescore.org.models import Position

from .families import work_orders
from .registry import INDICATORS, Indicator


@dataclass
class IndicatorValue:
    employee_id: int
    employee_no: str
    indicator: str
    value: float | int | None
    numerator: float | int | None
    denominator: float | int | None


def _number(value):
    """JSON-friendly and unrounded: ints stay ints, Decimals and durations become floats."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _hours(delta) -> float:
    return delta.total_seconds() / 3600 if delta is not None else 0.0


def _minutes(delta) -> float:
    return delta.total_seconds() / 60 if delta is not None else 0.0


def _parts(code: str, done: dict, made: dict, rework: dict, hours: dict, available: dict):
    """(numerator, denominator) of one indicator from one person's components."""
    n = done.get("completed", 0)
    if code == "WO_COMPLETED":
        return n, None
    if code == "WORKLOAD":
        return done.get("difficulty") or 0, None
    if code == "RESPONSE_TIME_AVG":
        return _minutes(made.get("response_time")), made.get("responded", 0)
    if code == "RESPONSE_30MIN_RATE":
        return made.get("within_30_min", 0), made.get("created", 0)
    if code == "REPAIR_TIME_AVG":
        return _hours(done.get("repair_time")), done.get("started", 0)
    if code == "TURNAROUND_AVG":
        return _hours(done.get("turnaround")), n
    if code == "ON_TIME_RATE":
        return done.get("on_time", 0), done.get("with_due", 0)
    if code == "REPAIR_SUCCESS_RATE":
        return done.get("fixed", 0), done.get("resolved", 0)
    if code == "FTFR":
        return done.get("fixed_first_visit", 0), done.get("resolved", 0)
    if code == "REWORK_RATE":
        return rework.get("comebacks", 0), n
    if code == "FLAGGED_HOURS":
        return hours.get("standard_hours") or 0, None
    if code == "EFFICIENCY":
        return hours.get("standard_hours") or 0, hours.get("clocked_hours") or 0
    if code == "PRODUCTIVITY":
        return hours.get("clocked_hours") or 0, available.get("available_hours") or 0
    if code == "LABOR_REVENUE":
        return done.get("labor_amount") or 0, None
    if code == "PARTS_COST_PER_WO":
        return done.get("parts_cost") or 0, n
    if code == "TRAVEL_COST_PER_VISIT":
        return done.get("travel_cost") or 0, done.get("visits") or 0
    raise KeyError(code)


def value_of(indicator: Indicator, numerator, denominator):
    """The indicator's value from its parts; None (no data) when a denominator is 0."""
    if not indicator.has_denominator:
        return numerator
    if not denominator:
        return None
    return indicator.scale * float(numerator) / float(denominator)


def compute_period(period: Period, employees, codes: list[str] | None = None) -> list[IndicatorValue]:
    """Every requested indicator for every employee of the queryset `employees`, with a
    fixed number of aggregate queries whatever the number of people."""
    codes = codes or list(INDICATORS)
    as_lead = {
        "done": work_orders.completed(period, "technician"),
        "made": work_orders.created(period, "technician"),
    }
    as_advisor = {
        "done": work_orders.completed(period, "advisor"),
        "made": work_orders.created(period, "advisor"),
    }
    rework = work_orders.comebacks(period)
    hours = work_orders.labour(period)
    available = work_orders.available_hours(period) if "PRODUCTIVITY" in codes else {}
    rows = []
    for employee_id, employee_no, position in employees.order_by("employee_no").values_list(
        "pk", "employee_no", "position"
    ):
        for code in codes:
            indicator = INDICATORS[code]
            side = (
                as_advisor if indicator.advisor_version and position == Position.SERVICE_ADVISOR else as_lead
            )
            numerator, denominator = _parts(
                code,
                side["done"].get(employee_id, {}),
                side["made"].get(employee_id, {}),
                rework.get(employee_id, {}),
                hours.get(employee_id, {}),
                available.get(employee_id, {}),
            )
            numerator = _number(numerator)
            denominator = _number(denominator)
            rows.append(
                IndicatorValue(
                    employee_id,
                    employee_no,
                    code,
                    _number(value_of(indicator, numerator, denominator)),
                    numerator,
                    denominator,
                )
            )
    return rows
