"""Reads of one employee's scorecards: the scorecard of a period item by item, the periods
that have one, and the rank in the service centre. Each takes the requesting user and
starts from org.scope (`visible_appraisees`, through kpi.selectors.visible_employee), so
an employee outside the scope reads as 404, never 403."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.periods import parse_period
from servicescore.kpi.catalog import catalog
from servicescore.kpi.fact_selectors import vetoes_with_facts
from servicescore.kpi.registry import GOALS
from servicescore.kpi.selectors import figures_status, indicator_name, unit_label, visible_employee
from servicescore.org.models import Employee, OrgUnit
from servicescore.org.scope import visible_appraisees

from ..models import Evaluation, Scorecard, TemplateItem
from ..policy import may_see_team


def newest_first(codes) -> list[str]:
    """Period codes newest first: by end, and a month before the quarter that ends with it
    (as text, '2026-Q1' would sort after '2026-12')."""

    def key(code):
        try:
            period = parse_period(code)
        except ValueError:
            return (datetime.datetime.min, datetime.datetime.min)
        return (period.end.replace(tzinfo=None), period.start.replace(tzinfo=None))

    return sorted(set(codes), key=key, reverse=True)


def own_employee(user) -> Employee | None:
    """The signed-in user's own active employee record, or None (an unlinked account)."""
    return (
        visible_appraisees(user)
        .filter(user=user, status=Employee.Status.ACTIVE)
        .only("pk", "employee_no", "position")
        .first()
    )


def scorecard_periods(employee: Employee) -> list[str]:
    """The periods the employee has a scorecard for, newest first. One query."""
    return newest_first(Scorecard.objects.filter(employee=employee).values_list("period", flat=True))


def running(code: str, now: datetime.datetime | None = None) -> bool:
    """Whether the period has not ended yet: its scorecards are provisional (kpi-library.md,
    Scoring). False for a malformed code."""
    try:
        return (now or timezone.now()) < parse_period(code).end
    except ValueError:
        return False


def default_period(codes: list[str]) -> str | None:
    """Of period codes newest first, the one a page opens on: the newest that has ended
    (a running month is provisional), else the newest."""
    now = timezone.now()
    return next((code for code in codes if not running(code, now)), next(iter(codes), None))


def latest_period(employee: Employee) -> str | None:
    """The period the employee's scorecard opens on: the newest complete one with a
    scorecard, else the newest (a running month's)."""
    return default_period(scorecard_periods(employee))


def data_shares(scorecard: Scorecard) -> tuple[float | None, float]:
    """(% of the declared scored weight whose items had data, the version's minimum %)
    from the stored lines: an item scored by its no-data policy is not data."""
    scored = [line for line in scorecard.items or [] if line.get("kind") == TemplateItem.Kind.SCORED]
    declared = sum(float(line.get("weight") or 0) for line in scored)
    with_data = sum(float(line.get("weight") or 0) for line in scored if not line.get("no_data"))
    share = 100.0 * with_data / declared if declared > 0 else None
    return share, float(scorecard.version.min_data_share)


def service_centre_of(employee: Employee) -> OrgUnit | None:
    """The service centre at or above the employee's unit (no query with UNIT_CHAIN)."""
    unit = employee.org_unit
    while unit is not None:
        if unit.kind == OrgUnit.Kind.SERVICE_CENTER:
            return unit
        unit = unit.parent
    return None


@dataclass(frozen=True)
class Rank:
    """Place of a scorecard among those of the same position and period in the employee's
    service centre (1 = best; vetoed scorecards come after all others)."""

    position: int
    out_of: int
    centre: OrgUnit


def rank_in_centre(scorecard: Scorecard) -> Rank | None:
    """Rank by final score within the same position in the employee's service centre, for
    the same period; None without a centre or a final score. One query."""
    employee = scorecard.employee
    centre = service_centre_of(employee)
    if centre is None or scorecard.final_score is None:
        return None
    peers = Scorecard.objects.filter(
        period=scorecard.period,
        employee__position=employee.position,
        employee__org_unit__path__startswith=centre.path,
        final_score__isnull=False,
    )
    higher = Q(final_score__gt=scorecard.final_score)
    ahead = (Q(vetoed=False) | higher) if scorecard.vetoed else (Q(vetoed=False) & higher)
    counts = peers.aggregate(out_of=Count("pk"), ahead=Count("pk", filter=ahead))
    return Rank(counts["ahead"] + 1, counts["out_of"], centre)


def scorecard_lines(scorecard: Scorecard, items: dict) -> list[dict]:
    """The scorecard's items as the page shows them: each stored item dict with `name`,
    `unit_label`, `kind_label`, `rule_label`, `no_data_label` and `code` added; a goal
    attainment line has no records behind it (`goals`): in an evaluation it links to the
    evaluation's goals (`goals_url`), on a monthly scorecard to nothing."""
    kinds, rules, policies = (
        dict(TemplateItem.Kind.choices),
        dict(TemplateItem.Rule.choices),
        dict(TemplateItem.NoData.choices),
    )
    lines = []
    for stored in scorecard.items or []:
        line = dict(stored)
        code = line.get("indicator", "")
        indicator = items.get(code)
        line.update(
            code=code,
            known=indicator is not None,
            name=indicator_name(indicator, line.get("label", "")),
            unit_label=unit_label(line.get("unit", "")),
            kind_label=kinds.get(line.get("kind"), line.get("kind")),
            rule_label=rules.get(line.get("rule"), line.get("rule")),
            no_data_label=policies.get(line.get("no_data_policy"), ""),
            direction_label=_("higher is better") if line.get("direction") == "up" else _("lower is better"),
            note=_(line["note"]) if line.get("note") else "",
        )
        line["goals"] = indicator is not None and indicator.family == GOALS
        line["goals_url"] = (
            reverse("appraisal:goals", args=[scorecard.pk])
            if line["goals"] and isinstance(scorecard, Evaluation)
            else ""
        )
        lines.append(line)
    return lines


def scorecard_for(user, employee_no: str, period_code: str) -> dict:
    """One employee's scorecard for a period, its items with their working, the periods
    that have one, and the rank in the service centre. ValueError for a malformed period,
    404 for an employee out of scope."""
    period = parse_period(period_code)
    employee = visible_employee(user, employee_no)
    scorecard = (
        Scorecard.objects.select_related("version__template")
        .filter(employee=employee, period=period.code)
        .first()
    )
    periods = scorecard_periods(employee)
    context = {
        "employee": employee,
        "period": period,
        "periods": periods,
        "scorecard": scorecard,
        "centre": service_centre_of(employee),
        "is_own": employee.user_id is not None and employee.user_id == user.pk,
        "may_see_team": may_see_team(user),
        "figures": figures_status(user, period.code),
        "running": running(period.code),
        "running_periods": {code for code in periods if running(code)},
    }
    if scorecard is None:
        return context | {"lines": [], "scored": [], "adjustments": [], "vetoes": [], "rank": None}
    scorecard.employee = employee
    lines = scorecard_lines(scorecard, catalog())
    scored = [line for line in lines if line.get("kind") == TemplateItem.Kind.SCORED]
    share, minimum = data_shares(scorecard)
    return context | {
        "lines": lines,
        "scored": scored,
        "missing": [line for line in scored if line.get("no_data")] if scorecard.insufficient_data else [],
        "data_share": share,
        "min_data_share": minimum,
        "adjustments": [line for line in lines if line.get("kind") in ("bonus", "deduction")],
        # A veto that applies shows the facts behind it (note, reference, attachment).
        "vetoes": vetoes_with_facts(
            [line for line in lines if line.get("kind") == TemplateItem.Kind.VETO], period, employee=employee
        ),
        "reweighted": not scorecard.insufficient_data
        and any(
            line.get("no_data")
            and line.get("no_data_policy") == TemplateItem.NoData.REWEIGHT
            and line.get("kind") == TemplateItem.Kind.SCORED
            for line in lines
        ),
        "rank": rank_in_centre(scorecard),
    }
