"""The months a quarter or year scored from its months rests on, as its evaluation page
shows them (services/cycle_months.py has the rules)."""

from dataclasses import dataclass

from django.urls import reverse

from servicescore.core.periods import parse_span

from ..models import Evaluation
from ..services.cycle_months import month_cycles_running, month_results, months_summary, scored_from_months
from .evaluations import readable_evaluations

BEFORE_FREEZE = (Evaluation.State.TARGETS, Evaluation.State.SIGNED)


@dataclass(frozen=True)
class MonthRow:
    period: str
    cycle_name: str = ""
    final_score: float | None = None
    grade: str = ""
    vetoed: bool = False
    insufficient: bool = False
    url: str = ""  # the month's evaluation page, when the reader may open it
    published: bool = False  # a published month result exists
    running: str = ""  # before the freeze: the name of a month cycle still running for it


def month_rows(user, evaluation: Evaluation) -> dict | None:
    """{"rows": [MonthRow per month of the span], "frozen": bool, "summary": str} for an
    evaluation scored from its months (None otherwise). Before the freeze the rows are the
    published results so far (a preview of what the freeze will take), and the month
    cycles still running that the freeze waits for. Two or three queries."""
    cycle = evaluation.cycle
    if not scored_from_months(cycle):
        return None
    frozen = evaluation.state not in BEFORE_FREEZE
    running = {}
    if frozen:
        found = evaluation.months or []
    else:
        found = month_results(cycle, [evaluation.employee_id]).get(evaluation.employee_id, [])
        running = {c.period: c.name for c in month_cycles_running(cycle, [evaluation.employee_id])}
    by_period = {m["period"]: m for m in found}
    ids = [m["evaluation"] for m in found]
    readable = set(readable_evaluations(user).filter(pk__in=ids).values_list("pk", flat=True))
    rows = []
    for code in parse_span(cycle.period).months:
        month = by_period.get(code)
        if month is None:
            rows.append(MonthRow(code, running=running.get(code, "")))
            continue
        rows.append(
            MonthRow(
                code,
                month.get("cycle_name", ""),
                month.get("final_score"),
                month.get("grade") or "",
                bool(month.get("vetoed")),
                month.get("final_score") is None,
                reverse("appraisal:evaluation", args=[month["evaluation"]])
                if month["evaluation"] in readable
                else "",
                True,
            )
        )
    return {"rows": rows, "frozen": frozen, "summary": months_summary(evaluation) if frozen else ""}
