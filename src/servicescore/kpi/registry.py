"""The built-in indicators of kpi-library.md: one definition each, the single source for
the engine, the scorecards, the command line and docs/kpi.md.

Each computed indicator names where its numerator and denominator come from: a component
group (one aggregate query of a family, per person) and a key in it. Value shapes:
- count / sum: `value` is the total (0 when there is nothing to count); no denominator.
- mean: `numerator` is the sum of the measured quantity in the indicator's unit,
  `denominator` the number of records; value = numerator ÷ denominator.
- rate: value = scale × numerator ÷ denominator (scale 100 for a percentage).
- fact: the figure imported from another system (a quarter sums or averages its months).
- derived: a formula over other indicators of the same person and period.
- manual: reviewers' 1–5 ratings, used by scoring templates only.
A mean or rate whose denominator is 0 has no value (null): "no data", never 0.

Facts and derived indicators a company adds live in the database (`kpi.models`);
`kpi.catalog` merges them with these.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_noop

UP, DOWN = "up", "down"
WORK_ORDERS, VOICE, FACTS, DERIVED, MANUAL = "work_orders", "voice", "facts", "derived", "manual"
GOALS = "goals"
FAMILIES = [WORK_ORDERS, VOICE, FACTS, DERIVED, GOALS, MANUAL]

# Component groups whose records follow the service advisor when the person is one.
ADVISOR_GROUPS = {"done": "done_advisor", "made": "made_advisor"}


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    family: str
    shape: str  # count | sum | mean | rate | fact | derived | goal | manual
    formula: str  # in words, for the scorecard and docs/kpi.md
    population: str = ""  # who it counts for, in words
    numerator: tuple[str, str] | None = None  # (component group, key)
    denominator: tuple[str, str] | None = None
    scale: int = 1
    convert: str = ""  # "hours" or "minutes": the numerator is a summed duration
    # Advisor versions (kpi-library.md): for a service advisor the work orders count
    # through `advisor` instead of the lead technician.
    advisor_version: bool = False
    # Derived indicators: the expression; facts: how a quarter and an org unit combine
    # the monthly figures ("sum" pools, "mean" averages months and does not roll up).
    expression: str = ""
    fact_aggregation: str = "sum"

    @property
    def has_denominator(self) -> bool:
        return self.shape in ("mean", "rate")

    @property
    def computed(self) -> bool:
        """Printed by `kpi compute` and stored; manual ratings are entered by reviewers,
        goal attainment is given by the appraisal cycle."""
        return self.shape not in ("manual", "goal")

    @property
    def shrinkable(self) -> bool:
        """Small-sample shrinkage applies to values that are a ratio of records."""
        return self.shape in ("mean", "rate")

    @property
    def higher_is_better(self) -> bool:
        return self.direction == UP

    @property
    def pooled_without_advisors(self) -> bool:
        """A work order counts for both its technician and its advisor here, so org units
        pool only the technicians' side (otherwise it would count twice)."""
        return self.advisor_version or self.population in (THROUGH, COMPLAINED)

    def name(self, language: str | None = None) -> str:
        """The name in `language`, by default the active one (Chinese unless English)."""
        from django.utils.translation import get_language

        language = language or get_language() or "zh-hans"
        return self.name_zh if language.lower().startswith("zh") else self.name_en

    def groups(self, advisor: bool) -> tuple[str | None, str | None]:
        """The component groups of numerator and denominator for this person."""

        def group(part):
            if part is None:
                return None
            if advisor and self.advisor_version:
                return ADVISOR_GROUPS.get(part[0], part[0])
            return part[0]

        return group(self.numerator), group(self.denominator)


LEAD = gettext_noop("the work order's lead technician (service advisors: its advisor)")
LEAD_ONLY = gettext_noop("the work order's lead technician")
LINES = gettext_noop("the technician on each labour line")
THROUGH = gettext_noop("through the work order: its lead technician and its service advisor")
COMPLAINED = gettext_noop("the complaint's employee when given, otherwise through the work order")
AGENT = gettext_noop("the agent who made the call")
HANDLER = gettext_noop("the complaint's handler")
PRAISED = gettext_noop("the praised employee")


def _i(code, zh, en, unit, direction, family, shape, formula, population, num, den=None, **kw):
    return Indicator(code, zh, en, unit, direction, family, shape, formula, population, num, den, **kw)


WORK_ORDER_INDICATORS = [
    _i(
        "WO_COMPLETED",
        "完成工单数",
        "Completed work orders",
        "count",
        UP,
        WORK_ORDERS,
        "count",
        gettext_noop("work orders completed in the period"),
        LEAD,
        ("done", "completed"),
        advisor_version=True,
    ),
    _i(
        "WORKLOAD",
        "加权工作量",
        "Difficulty-weighted workload",
        "points",
        UP,
        WORK_ORDERS,
        "sum",
        gettext_noop("sum of the difficulty coefficients of the work orders completed in the period"),
        LEAD_ONLY,
        ("done", "difficulty"),
    ),
    _i(
        "RESPONSE_TIME_AVG",
        "平均响应时长",
        "Average response time",
        "minutes",
        DOWN,
        WORK_ORDERS,
        "mean",
        gettext_noop(
            "mean minutes from creation to first response, over work orders created in the period "
            "that have a first response"
        ),
        LEAD,
        ("made", "response_time"),
        ("made", "responded"),
        convert="minutes",
        advisor_version=True,
    ),
    _i(
        "RESPONSE_30MIN_RATE",
        "30分钟响应率",
        "Responded within 30 min",
        "%",
        UP,
        WORK_ORDERS,
        "rate",
        gettext_noop(
            "work orders created in the period and answered within 30 minutes, out of all created in "
            "the period (never-answered ones count in the denominator)"
        ),
        LEAD,
        ("made", "within_30_min"),
        ("made", "created"),
        scale=100,
        advisor_version=True,
    ),
    _i(
        "REPAIR_TIME_AVG",
        "平均维修时长",
        "Average repair time",
        "hours",
        DOWN,
        WORK_ORDERS,
        "mean",
        gettext_noop(
            "mean hours from start to completion, over work orders completed in the period with a start time"
        ),
        LEAD_ONLY,
        ("done", "repair_time"),
        ("done", "started"),
        convert="hours",
    ),
    _i(
        "TURNAROUND_AVG",
        "平均处理周期",
        "Average turnaround",
        "hours",
        DOWN,
        WORK_ORDERS,
        "mean",
        gettext_noop("mean hours from creation to completion, over work orders completed in the period"),
        LEAD,
        ("done", "turnaround"),
        ("done", "completed"),
        convert="hours",
        advisor_version=True,
    ),
    _i(
        "ON_TIME_RATE",
        "工单准时完成率",
        "On-time completion",
        "%",
        UP,
        WORK_ORDERS,
        "rate",
        gettext_noop(
            "work orders completed in the period by their due time, out of those completed in the "
            "period that have a due time"
        ),
        LEAD,
        ("done", "on_time"),
        ("done", "with_due"),
        scale=100,
        advisor_version=True,
    ),
    _i(
        "REPAIR_SUCCESS_RATE",
        "维修成功率",
        "Repair success",
        "%",
        UP,
        WORK_ORDERS,
        "rate",
        gettext_noop(
            "work orders completed in the period as fixed, out of those completed with a resolution"
        ),
        LEAD_ONLY,
        ("done", "fixed"),
        ("done", "resolved"),
        scale=100,
    ),
    _i(
        "FTFR",
        "首次修复率",
        "First-time fix rate",
        "%",
        UP,
        WORK_ORDERS,
        "rate",
        gettext_noop(
            "work orders completed in the period as fixed in one visit, out of those completed with a "
            "resolution"
        ),
        LEAD_ONLY,
        ("done", "fixed_first_visit"),
        ("done", "resolved"),
        scale=100,
    ),
    _i(
        "REWORK_RATE",
        "返修率",
        "Comeback (rework) rate",
        "%",
        DOWN,
        WORK_ORDERS,
        "rate",
        gettext_noop(
            "comebacks created in the period at most the comeback window after their original's "
            "completion, for originals the person led, out of work orders the person completed in the "
            "period"
        ),
        gettext_noop("the original work order's lead technician"),
        ("rework", "comebacks"),
        ("done", "completed"),
        scale=100,
    ),
    _i(
        "FLAGGED_HOURS",
        "产值工时",
        "Flagged hours",
        "hours",
        UP,
        WORK_ORDERS,
        "sum",
        gettext_noop("standard hours of the person's labour lines on work orders completed in the period"),
        LINES,
        ("hours", "standard_hours"),
    ),
    _i(
        "EFFICIENCY",
        "技师效率",
        "Technician efficiency",
        "%",
        UP,
        WORK_ORDERS,
        "rate",
        gettext_noop(
            "standard hours out of clocked hours, the person's labour lines on work orders completed in "
            "the period"
        ),
        LINES,
        ("hours", "standard_hours"),
        ("hours", "clocked_hours"),
        scale=100,
    ),
    _i(
        "PRODUCTIVITY",
        "技师生产率",
        "Technician productivity",
        "%",
        UP,
        WORK_ORDERS,
        "rate",
        gettext_noop("clocked hours (as above) out of the person's available hours (fact AVAILABLE_HOURS)"),
        LINES,
        ("hours", "clocked_hours"),
        ("available", "available_hours"),
        scale=100,
    ),
    _i(
        "LABOR_REVENUE",
        "工时收入",
        "Labour revenue",
        "currency",
        UP,
        WORK_ORDERS,
        "sum",
        gettext_noop("labour amount of the work orders completed in the period"),
        LEAD,
        ("done", "labor_amount"),
        advisor_version=True,
    ),
    _i(
        "PARTS_COST_PER_WO",
        "单均配件成本",
        "Parts cost per order",
        "currency",
        DOWN,
        WORK_ORDERS,
        "mean",
        gettext_noop("parts cost of the work orders completed in the period, per work order completed"),
        LEAD_ONLY,
        ("done", "parts_cost"),
        ("done", "completed"),
    ),
    _i(
        "TRAVEL_COST_PER_VISIT",
        "单次差旅成本",
        "Travel cost per visit",
        "currency",
        DOWN,
        WORK_ORDERS,
        "mean",
        gettext_noop("travel cost of the work orders completed in the period, per visit"),
        LEAD_ONLY,
        ("done", "travel_cost"),
        ("done", "visits"),
    ),
]

VOICE_INDICATORS = [
    _i(
        "CSAT",
        "客户满意度",
        "Customer satisfaction",
        "%",
        UP,
        VOICE,
        "rate",
        gettext_noop(
            "survey responses submitted in the period rating 4 or 5 overall, out of all responses "
            "submitted in the period"
        ),
        THROUGH,
        ("responses", "satisfied"),
        ("responses", "responses"),
        scale=100,
    ),
    _i(
        "CSAT_AVG",
        "满意度均分",
        "Average rating",
        "1–5",
        UP,
        VOICE,
        "mean",
        gettext_noop("mean overall rating of the survey responses submitted in the period"),
        THROUGH,
        ("responses", "overall"),
        ("responses", "responses"),
    ),
    _i(
        "NPS",
        "净推荐值",
        "Net promoter score",
        "−100…100",
        UP,
        VOICE,
        "rate",
        gettext_noop(
            "promoters (9–10) minus detractors (0–6), out of the responses in the period with an NPS answer"
        ),
        THROUGH,
        ("responses", "net_promoters"),
        ("responses", "with_nps"),
        scale=100,
    ),
    _i(
        "SURVEY_RESPONSE_RATE",
        "评价回收率",
        "Survey response rate",
        "%",
        UP,
        VOICE,
        "rate",
        gettext_noop(
            "survey invitations sent in the period that were answered, out of all sent in the period"
        ),
        THROUGH,
        ("invitations", "answered"),
        ("invitations", "sent"),
        scale=100,
    ),
    _i(
        "FOLLOWUP_COVERAGE",
        "回访覆盖率",
        "Follow-up coverage",
        "%",
        UP,
        VOICE,
        "rate",
        gettext_noop(
            "work orders closed in the period with a reached follow-up call or a survey response within "
            "7 days after closing, out of all closed in the period"
        ),
        THROUGH,
        ("closed", "covered"),
        ("closed", "closed"),
        scale=100,
    ),
    _i(
        "FOLLOWUP_REACH_RATE",
        "回访接通率",
        "Follow-up reach rate",
        "%",
        UP,
        VOICE,
        "rate",
        gettext_noop(
            "the person's follow-up calls in the period that reached the customer, out of all their "
            "calls in the period"
        ),
        AGENT,
        ("calls", "reached"),
        ("calls", "calls"),
        scale=100,
    ),
    _i(
        "COMPLAINT_RATE",
        "投诉率",
        "Complaints per 100 orders",
        "per 100",
        DOWN,
        VOICE,
        "rate",
        gettext_noop(
            "valid complaints received in the period counted for the person, per 100 work orders the "
            "person completed in the period"
        ),
        COMPLAINED,
        ("complaints", "complaints"),
        ("done", "completed"),
        scale=100,
        advisor_version=True,
    ),
    _i(
        "COMPLAINT_ON_TIME_RATE",
        "投诉及时处理率",
        "Complaints resolved in time",
        "%",
        UP,
        VOICE,
        "rate",
        gettext_noop(
            "complaints received in the period and resolved within 48 hours, out of all received in the "
            "period that the person handles"
        ),
        HANDLER,
        ("handled", "in_time"),
        ("handled", "received"),
        scale=100,
    ),
    _i(
        "COMPLAINT_RECOVERY_RATE",
        "投诉挽回率",
        "Complaint recovery",
        "%",
        UP,
        VOICE,
        "rate",
        gettext_noop(
            "complaints resolved in the period with the customer satisfied afterwards, out of all the "
            "person resolved in the period"
        ),
        HANDLER,
        ("resolved", "recovered"),
        ("resolved", "resolved"),
        scale=100,
    ),
    _i(
        "PRAISE_COUNT",
        "表扬次数",
        "Praise received",
        "count",
        UP,
        VOICE,
        "count",
        gettext_noop("praise records received in the period"),
        PRAISED,
        ("praise", "praise"),
    ),
]

# kpi-library.md, "Manual ratings": rated 1–5 by reviewers during the appraisal cycle.
MANUAL_INDICATORS = [
    _i(
        code,
        zh,
        en,
        "1–5",
        UP,
        MANUAL,
        "manual",
        gettext_noop("mean of the reviewers' 1–5 ratings (a comment is required below 3 or at 5)"),
        gettext_noop("the employee rated"),
        None,
    )
    for code, zh, en in [
        ("TEAMWORK", "团队协作", "Teamwork"),
        ("COMPLIANCE", "服务规范", "Service compliance"),
        ("INITIATIVE", "主动性", "Initiative"),
        ("INNOVATION", "创新改进", "Innovation"),
        ("SKILL_GROWTH", "技能成长", "Skill growth"),
    ]
]

# Goal attainment: a scheme item may score how far the person got with their goals (OKR) in
# an appraisal cycle. Declared here so the catalogue, the scheme editor and the scoring know
# it; nothing here computes it: the appraisal cycle freezes it with the other figures
# (appraisal.services.goals.goal_figures). Outside a cycle it has no data.
GOAL_ATTAINMENT = "GOAL_ATTAINMENT"
GOAL_INDICATORS = [
    _i(
        GOAL_ATTAINMENT,
        "目标达成率",
        "Goal attainment",
        "%",
        UP,
        GOALS,
        "goal",
        gettext_noop(
            "mean progress of the person's goals in the appraisal cycle (each goal its key results' "
            "weighted progress, 0 to 100), frozen at the data freeze; no data outside a cycle"
        ),
        gettext_noop("the employee appraised"),
        None,
    )
]

INDICATORS: dict[str, Indicator] = {i.code: i for i in WORK_ORDER_INDICATORS + VOICE_INDICATORS}
MANUAL_RATINGS: dict[str, Indicator] = {i.code: i for i in MANUAL_INDICATORS}
GOAL_ITEMS: dict[str, Indicator] = {i.code: i for i in GOAL_INDICATORS}


def indicator(code: str) -> Indicator:
    """The built-in indicator with this code; KeyError names it otherwise."""
    return INDICATORS.get(code) or GOAL_ITEMS.get(code) or MANUAL_RATINGS[code]


FACT_SUMS = gettext_noop(
    "imported from another system (metric_facts) for the month; a quarter sums its months"
)
FACT_AVERAGES = gettext_noop(
    "imported from another system (metric_facts) for the month; a quarter averages the months given"
)


def fact_indicator(code, name_zh, name_en, unit, direction=UP, aggregation="sum") -> Indicator:
    return Indicator(
        code,
        name_zh,
        name_en,
        unit,
        direction,
        FACTS,
        "fact",
        FACT_SUMS if aggregation == "sum" else FACT_AVERAGES,
        gettext_noop("the employee the figure is imported for"),
        ("facts", code),
        fact_aggregation=aggregation,
    )


def derived_indicator(code, name_zh, name_en, unit, direction, expression) -> Indicator:
    return Indicator(
        code,
        name_zh,
        name_en,
        unit,
        direction,
        DERIVED,
        "derived",
        f"= {expression}",
        gettext_noop("as the indicators in the formula"),
        expression=expression,
    )


# kpi-library.md, "Facts from other systems" (created in the database by migrations 0002
# and 0004, where a company can add its own).
BUILTIN_FACTS = [
    fact_indicator("AVAILABLE_HOURS", "出勤可用工时", "Available hours", "hours"),
    fact_indicator("ATTENDANCE_RATE", "出勤率", "Attendance rate", "%", aggregation="mean"),
    fact_indicator("TRAINING_SCORE", "培训成绩", "Training score", "points", aggregation="mean"),
    fact_indicator("TRAINING_HOURS", "培训学时", "Training hours", "hours"),
    fact_indicator("INVENTORY_TURNOVER", "库存周转率", "Inventory turnover", "times", aggregation="mean"),
    fact_indicator("STOCKOUT_RATE", "缺货率", "Stock-out rate", "%", DOWN, aggregation="mean"),
    fact_indicator("INVENTORY_ACCURACY", "库存准确率", "Inventory accuracy", "%", aggregation="mean"),
    fact_indicator("TEAM_ATTRITION", "团队流失率", "Team attrition", "%", DOWN, aggregation="mean"),
]

SHAPES_NOTE = {
    "count": "value = the count (0 when there is none)",
    "sum": "value = the total (0 when there is none)",
    "mean": "value = numerator ÷ denominator; null when the denominator is 0",
    "rate": "value = scale × numerator ÷ denominator; null when the denominator is 0",
    "fact": "value = the imported figure; null when none was imported",
    "derived": "value = the formula over the other indicators; null when one of them is null or "
    "the formula divides by zero",
    "goal": "value = the person's goal attainment in an appraisal cycle, frozen at the data freeze",
    "manual": "value = the mean of the reviewers' 1–5 ratings",
}


def markdown() -> str:
    """docs/kpi.md: the indicator table, generated from these definitions."""

    def table(items):
        rows = [
            "| code | 名称 | name | unit | direction | shape | counts for | formula |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for item in items:
            arrow = "↑" if item.direction == UP else "↓"
            scale = f" × {item.scale}" if item.scale != 1 else ""
            rows.append(
                f"| {item.code} | {item.name_zh} | {item.name_en} | {item.unit} | {arrow} | "
                f"{item.shape}{scale} | {item.population} | {item.formula} |"
            )
        return rows

    lines = [
        "# Indicators",
        "",
        "Generated by `servicescore kpi docs > docs/kpi.md` from `src/servicescore/kpi/registry.py`;",
        "do not edit by hand. The formulas follow shared/spec/kpi-library.md.",
        "",
        "## Work orders",
        "",
        *table(WORK_ORDER_INDICATORS),
        "",
        "Advisor versions (WO_COMPLETED, RESPONSE_TIME_AVG, RESPONSE_30MIN_RATE, TURNAROUND_AVG,",
        "ON_TIME_RATE, LABOR_REVENUE, and the denominator of COMPLAINT_RATE) apply to people whose",
        "position is service advisor: the work order counts for its `advisor` instead of its lead",
        "technician.",
        "",
        "## Customer voice",
        "",
        *table(VOICE_INDICATORS),
        "",
        "## Facts from other systems",
        "",
        *table(BUILTIN_FACTS),
        "",
        "A company adds its own fact indicators in the admin (Fact indicators).",
        "",
        "## Goals",
        "",
        *table(GOAL_INDICATORS),
        "",
        "Given by the appraisal cycle, not computed by `kpi compute`: at the data freeze each",
        "evaluation stores the person's goal attainment with its other figures (docs/scoring.md,",
        "Goals). A scheme item on it has no data on the monthly scorecards.",
        "",
        "## Manual ratings",
        "",
        *table(MANUAL_INDICATORS),
        "",
        "## Derived indicators",
        "",
        "A company defines them in the admin as a formula over other indicators of the same",
        "person and period, e.g. `0.5 * CSAT + 0.5 * FTFR`. The evaluator (simpleeval) allows",
        "numbers, indicator codes, `+ - * / ( )`, comparisons, `min`, `max`, `round`, `abs` and",
        "`if(condition, then, else)`; a cycle, an unknown code or a syntax error is refused when",
        "the definition is saved. A division by zero at run time gives null with the reason.",
        "",
        "## Shapes",
        "",
        *[f"- **{shape}**: {note}" for shape, note in SHAPES_NOTE.items()],
        "",
        "## Periods, attribution and roll-ups",
        "",
        "- Periods are months (`2026-10`) or quarters (`2026-Q4`) in the company time zone; a",
        "  quarter pools its records (numerators and denominators are summed). A year (`2026`) is",
        "  stored only when recomputed by name (`kpi recompute --period 2026`, for an annual",
        "  appraisal recomputed over the year) and pools its records the same way.",
        "- Cancelled work orders never count, nor the survey responses, follow-ups and complaints",
        "  that count through a cancelled work order.",
        "- A comeback is a work order with `rework_of` created at most the comeback window (company",
        "  setting, 30 days by default) after its original's completion.",
        "- Org units pool their employees' numerators and denominators (never an average of",
        "  rates). Where a record counts for both the technician and the service advisor (advisor",
        "  versions, and customer-voice indicators counted through the work order), service",
        "  advisors' values are left out of the pool so that no record counts twice. Fact",
        "  indicators that average (rates) are not pooled: an org unit has them only when they",
        "  are imported for the unit.",
        "",
    ]
    return "\n".join(lines)
