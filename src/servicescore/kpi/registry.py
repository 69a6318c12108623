"""The built-in indicators of kpi-library.md: one definition each, the single source for
the engine, the command line and docs/kpi.md.

Value shapes:
- count / sum: `value` is the total (0 when there is nothing to count); no denominator.
- mean: `numerator` is the sum of the measured quantity in the indicator's unit,
  `denominator` the number of records; value = numerator ÷ denominator.
- rate: value = scale × numerator ÷ denominator (scale 100 for a percentage).
A mean or rate whose denominator is 0 has no value (null): "no data", never 0.
"""

from dataclasses import dataclass

UP, DOWN = "up", "down"


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    family: str  # work_orders | voice | facts
    shape: str  # count | sum | mean | rate
    formula: str  # in words, for the scorecard and docs/kpi.md
    scale: int = 1
    # Who a record counts for: technician (lead / labour line), or also the advisor when the
    # person is a service advisor (the advisor versions of kpi-library.md).
    advisor_version: bool = False

    @property
    def has_denominator(self) -> bool:
        return self.shape in ("mean", "rate")


def _wo(code, zh, en, unit, direction, shape, formula, scale=1, advisor=False):
    return Indicator(code, zh, en, unit, direction, "work_orders", shape, formula, scale, advisor)


WORK_ORDER_INDICATORS = [
    _wo(
        "WO_COMPLETED",
        "完成工单数",
        "Completed work orders",
        "count",
        UP,
        "count",
        "work orders completed in the period with the person as lead technician",
        advisor=True,
    ),
    _wo(
        "WORKLOAD",
        "加权工作量",
        "Difficulty-weighted workload",
        "points",
        UP,
        "sum",
        "sum of the difficulty coefficients of those work orders",
    ),
    _wo(
        "RESPONSE_TIME_AVG",
        "平均响应时长",
        "Average response time",
        "minutes",
        DOWN,
        "mean",
        "mean minutes from creation to first response, over work orders created in the period "
        "that have a first response",
        advisor=True,
    ),
    _wo(
        "RESPONSE_30MIN_RATE",
        "30分钟响应率",
        "Responded within 30 min",
        "%",
        UP,
        "rate",
        "work orders created in the period and answered within 30 minutes, out of all created "
        "in the period (never-answered ones count in the denominator)",
        scale=100,
        advisor=True,
    ),
    _wo(
        "REPAIR_TIME_AVG",
        "平均维修时长",
        "Average repair time",
        "hours",
        DOWN,
        "mean",
        "mean hours from start to completion, over work orders completed in the period with a start time",
    ),
    _wo(
        "TURNAROUND_AVG",
        "平均处理周期",
        "Average turnaround",
        "hours",
        DOWN,
        "mean",
        "mean hours from creation to completion, over work orders completed in the period",
        advisor=True,
    ),
    _wo(
        "ON_TIME_RATE",
        "工单准时完成率",
        "On-time completion",
        "%",
        UP,
        "rate",
        "work orders completed in the period by their due time, out of those completed in the "
        "period that have a due time",
        scale=100,
        advisor=True,
    ),
    _wo(
        "REPAIR_SUCCESS_RATE",
        "维修成功率",
        "Repair success",
        "%",
        UP,
        "rate",
        "work orders completed in the period as fixed, out of those completed with a resolution",
        scale=100,
    ),
    _wo(
        "FTFR",
        "首次修复率",
        "First-time fix rate",
        "%",
        UP,
        "rate",
        "work orders completed in the period as fixed in one visit, out of those completed with a resolution",
        scale=100,
    ),
    _wo(
        "REWORK_RATE",
        "返修率",
        "Comeback (rework) rate",
        "%",
        DOWN,
        "rate",
        "comebacks created in the period (within the comeback window after the original's "
        "completion) of originals the person led, out of work orders the person completed in "
        "the period",
        scale=100,
    ),
    _wo(
        "FLAGGED_HOURS",
        "产值工时",
        "Flagged hours",
        "hours",
        UP,
        "sum",
        "standard hours of the person's labour lines on work orders completed in the period",
    ),
    _wo(
        "EFFICIENCY",
        "技师效率",
        "Technician efficiency",
        "%",
        UP,
        "rate",
        "standard hours out of clocked hours, the person's labour lines on work orders completed "
        "in the period",
        scale=100,
    ),
    _wo(
        "PRODUCTIVITY",
        "技师生产率",
        "Technician productivity",
        "%",
        UP,
        "rate",
        "clocked hours (as above) out of the person's available hours (fact AVAILABLE_HOURS)",
        scale=100,
    ),
    _wo(
        "LABOR_REVENUE",
        "工时收入",
        "Labour revenue",
        "currency",
        UP,
        "sum",
        "labour amount of the work orders completed in the period",
        advisor=True,
    ),
    _wo(
        "PARTS_COST_PER_WO",
        "单均配件成本",
        "Parts cost per order",
        "currency",
        DOWN,
        "mean",
        "parts cost of the work orders completed in the period, per work order completed",
    ),
    _wo(
        "TRAVEL_COST_PER_VISIT",
        "单次差旅成本",
        "Travel cost per visit",
        "currency",
        DOWN,
        "mean",
        "travel cost of the work orders completed in the period, per visit",
    ),
]

INDICATORS: dict[str, Indicator] = {i.code: i for i in WORK_ORDER_INDICATORS}


def indicator(code: str) -> Indicator:
    """The built-in indicator with this code; KeyError names it otherwise."""
    return INDICATORS[code]


UNITS_NOTE = {
    "count": "value = the count (0 when there is none)",
    "sum": "value = the total (0 when there is none)",
    "mean": "value = numerator ÷ denominator; null when the denominator is 0",
    "rate": "value = scale × numerator ÷ denominator; null when the denominator is 0",
}


def markdown() -> str:
    """docs/kpi.md: the indicator table, generated from these definitions."""
    lines = [
        "# Indicators",
        "",
        "Generated by `servicescore kpi docs > docs/kpi.md` from `src/servicescore/kpi/registry.py`;",
        "do not edit by hand. The formulas follow shared/spec/kpi-library.md.",
        "",
        "| code | 名称 | name | unit | direction | shape | advisor version | formula |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for item in INDICATORS.values():
        arrow = "↑" if item.direction == UP else "↓"
        lines.append(
            f"| {item.code} | {item.name_zh} | {item.name_en} | {item.unit} | {arrow} | {item.shape} | "
            f"{'yes' if item.advisor_version else ''} | {item.formula} |"
        )
    lines += ["", "Shapes:", ""]
    lines += [f"- **{shape}**: {note}" for shape, note in UNITS_NOTE.items()]
    lines += [
        "",
        "Cancelled work orders never count. Periods are months or quarters in the company time",
        "zone; a quarter pools its records. Advisor versions apply to people whose position is",
        "service advisor: the work order counts for its `advisor` instead of its lead technician.",
        "",
    ]
    return "\n".join(lines)
