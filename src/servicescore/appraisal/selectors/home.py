"""Reads of the appraisal sections of the home page (core/sections.py, registered in
appraisal/apps.py): everyone's own score of the last complete month, and for leads,
service managers and HR the score panel of the people in their scope — the grade
distribution, the six-month trend of the average final score and of the heaviest items,
the best and weakest people, and those without a scorecard.

Scorecards without a grade (insufficient data, or a provisional month) are counted apart
from the grades and left out of the averages, as on the team view (selectors/team.py).
Every read starts from org.scope (`visible_appraisees`) and takes a fixed number of
queries, however many people."""

import datetime
from collections import defaultdict
from urllib.parse import urlencode

from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from servicescore.core.periods import last_complete_month, month_of, parse_period
from servicescore.core.roles import Role
from servicescore.kpi.catalog import catalog
from servicescore.kpi.fact_selectors import indicator_label
from servicescore.kpi.models import FactIndicator, MetricFact
from servicescore.kpi.results import mean_values
from servicescore.kpi.selectors import figures_status, indicator_name, unit_label
from servicescore.org.models import Employee
from servicescore.org.scope import visible_appraisees

from ..models import Scorecard, TemplateItem, TemplateVersion
from ..policy import may_see_team, shows_scheme_pages
from .scorecards import own_employee
from .team import APART, INSUFFICIENT, PROVISIONAL, grade_order

# Roles whose home page shows the score panel of their scope.
SCORE_PANEL_ROLES = frozenset({Role.FOREMAN, Role.SERVICE_MANAGER, Role.HR})
TREND_MONTHS = 6
HEAVIEST_ITEMS = 4
BEST_AND_WEAKEST = 5
UNSCORED_NAMED = 5
# The team view's grade filter for the scorecards counted apart (selectors/team.py).
GRADE_PROVISIONAL = "provisional"
GRADE_INSUFFICIENT = "insufficient"
# Units read on the score's 0–100 axis; the others get an axis of their own.
SCORE_AXIS_UNITS = {"%", "points"}


def months_up_to(last: str, count: int) -> list[str]:
    """`count` month codes ending with `last`, oldest first."""
    codes = [last]
    while len(codes) < count:
        codes.append(month_of(parse_period(codes[-1]).start - datetime.timedelta(seconds=1)))
    return list(reversed(codes))


def team_url(period: str, **params) -> str:
    query = urlencode({"period": period, **params})
    return f"{reverse('kpi:team_scores')}?{query}"


def shows_score_panel(user) -> bool:
    return getattr(user, "effective_role", None) in SCORE_PANEL_ROLES and may_see_team(user)


def my_score(user, *, now: datetime.datetime) -> dict | None:
    """The user's own scorecard of the last complete month and, when there is one, the
    running month's provisional one. Without a scorecard, the figures other systems gave
    the person and why there is no score (`figures_without_scorecard`); None without an
    employee record, or with neither a scorecard nor figures. At most eight queries."""
    employee = own_employee(user)
    if employee is None:
        return None
    period = last_complete_month(now)
    running = month_of(now)
    cards = {
        card.period: card
        for card in Scorecard.objects.filter(employee=employee, period__in=[period, running]).only(
            "period", "final_score", "grade", "vetoed", "provisional", "insufficient_data"
        )
    }
    final, provisional = cards.get(period), cards.get(running)
    if final is None and provisional is None:
        return figures_without_scorecard(user, employee, period, running)
    for card in (final, provisional):
        if card is not None:
            card.url = reverse("kpi:scorecard", args=[employee.employee_no, card.period])
    context = {
        "period": period,
        "running_period": running,
        "scorecard": final,
        "running_scorecard": provisional,
        "my_scorecard_url": reverse("kpi:my_scorecard"),
    }
    if user.effective_role == Role.PARTS_MANAGER:
        context["facts"] = my_facts(employee, period)
        context["facts_url"] = f"{reverse('indicators:facts')}?{urlencode({'period': period})}"
    return context


def figures_without_scorecard(user, employee: Employee, period: str, running: str) -> dict | None:
    """For a person with no scorecard of `period` nor of the `running` month: the figures
    other systems gave him for `period`, each a link to the fact behind it, and why there is
    no score — no active scheme covers his position (the scheme coverage, linked for those
    who may open it), or his scorecard is not computed yet (when the figures were last
    computed). None without figures. At most five queries."""
    facts = my_facts(employee, period)
    if not facts:
        return None
    return {
        "period": period,
        "running_period": running,
        "scorecard": None,
        "running_scorecard": None,
        "my_scorecard_url": reverse("kpi:my_scorecard"),
        "facts": facts,
        "facts_url": f"{reverse('indicators:facts')}?{urlencode({'period': period})}",
        "unscored": {
            "no_scheme": not has_active_scheme(employee),
            "position": employee.get_position_display(),
            "coverage_url": reverse("kpi_templates:coverage") if shows_scheme_pages(user) else "",
            "figures": figures_status(user, period),
        },
    }


def has_active_scheme(employee: Employee) -> bool:
    """Whether an active scheme scores the employee: one of his position, company-wide or of
    his unit or a unit above it (as `people_scoring.version_for` and the scheme coverage
    decide). Two queries."""
    unit, path = Employee.objects.filter(pk=employee.pk).values_list(
        "org_unit", "org_unit__path"
    ).first() or (None, "")
    chain = [int(part) for part in (path or "").strip("/").split("/") if part] or [unit]
    return (
        TemplateVersion.objects.filter(
            status=TemplateVersion.Status.ACTIVE, template__position=employee.position
        )
        .filter(Q(template__org_unit__isnull=True) | Q(template__org_unit__in=[u for u in chain if u]))
        .exists()
    )


def my_facts(employee: Employee, period: str) -> list[dict]:
    """The figures other systems gave for the employee in `period` (the parts manager's
    stock turnover, stock-outs, accuracy), by indicator name, each with `url`: the facts
    list filtered to the employee, the indicator and the month (the fact behind it). Two
    queries (one without figures)."""
    facts = list(MetricFact.objects.filter(employee=employee, period=period).order_by("indicator"))
    if not facts:
        return []
    names = {item.code: item for item in FactIndicator.objects.filter(code__in={f.indicator for f in facts})}
    base = reverse("indicators:facts")
    rows = []
    for fact in facts:
        indicator = names.get(fact.indicator)
        query = urlencode({"period": period, "indicator": fact.indicator, "q": employee.employee_no})
        rows.append(
            {
                "code": fact.indicator,
                "name": indicator_label(indicator) if indicator else fact.indicator,
                "value": fact.value.normalize(),
                "unit": unit_label(indicator.unit) if indicator else "",
                "url": f"{base}?{query}",
            }
        )
    return rows


def score_panel(user, *, now: datetime.datetime) -> dict:
    """The score panel of the people in the user's scope for the last complete month: grade
    distribution with the scorecards counted apart, the trend, best and weakest, and those
    without a scorecard. A fixed number of queries."""
    period = last_complete_month(now)
    months = months_up_to(period, TREND_MONTHS)
    people = visible_appraisees(user)
    cards = Scorecard.objects.filter(employee__in=people, period=period)
    graded = cards.exclude(APART)
    counts = {row["grade"]: row["n"] for row in graded.order_by().values("grade").annotate(n=Count("pk"))}
    summary = cards.aggregate(
        total=Count("pk"),
        mean=Avg("final_score", filter=~APART),
        provisional=Count("pk", filter=PROVISIONAL),
        insufficient=Count("pk", filter=INSUFFICIENT),
    )
    distribution = [
        {"grade": grade or _("No score"), "count": counts[grade], "url": team_url(period, grade=grade)}
        for grade in grade_order(counts)
    ]
    best = list(
        graded.select_related("employee").order_by("-final_score", "employee__employee_no")[:BEST_AND_WEAKEST]
    )
    shown = {card.pk for card in best}
    weakest = [
        card
        for card in graded.select_related("employee").order_by("final_score", "employee__employee_no")[
            :BEST_AND_WEAKEST
        ]
        if card.pk not in shown
    ]
    for card in best + weakest:
        card.url = reverse("kpi:scorecard", args=[card.employee.employee_no, period])
    return {
        "period": period,
        "total": summary["total"],
        "mean_final": summary["mean"],
        "distribution": distribution,
        "provisional_count": summary["provisional"],
        "provisional_url": team_url(period, grade=GRADE_PROVISIONAL),
        "insufficient_count": summary["insufficient"],
        "insufficient_url": team_url(period, grade=GRADE_INSUFFICIENT),
        "team_url": team_url(period),
        "best": best,
        "weakest": weakest,
        "trend": score_trend(people, months, cards),
        **without_scorecard(user, people, period),
    }


def heaviest_items(cards, limit: int = HEAVIEST_ITEMS) -> list[str]:
    """The indicator codes of the computed scored items that weigh most in the scorecards:
    each version's item weight times the scorecards scored by that version. Two queries."""
    per_version = {
        row["version"]: row["n"] for row in cards.order_by().values("version").annotate(n=Count("pk"))
    }
    weight = defaultdict(float)
    # Manual ratings have no stored average per month (kpi's EmployeeResults): left out.
    items = (
        TemplateItem.objects.filter(version__in=list(per_version), kind=TemplateItem.Kind.SCORED)
        .exclude(rule=TemplateItem.Rule.MANUAL)
        .values_list("version", "indicator", "weight")
    )
    for version, indicator, item_weight in items:
        weight[indicator] += float(item_weight) * per_version[version]
    return [code for code, _weight in sorted(weight.items(), key=lambda entry: (-entry[1], entry[0]))[:limit]]


def score_trend(people, months: list[str], cards) -> dict:
    """Per month: the average final score of the graded scorecards and the average value of
    the heaviest items' indicators, as chart series and as table rows. Five queries."""
    finals = {
        row["period"]: row["mean"]
        for row in Scorecard.objects.filter(employee__in=people, period__in=months)
        .exclude(APART)
        .order_by()
        .values("period")
        .annotate(mean=Avg("final_score"))
    }
    codes = heaviest_items(cards)
    values = mean_values(people, months, codes)
    indicators = catalog(manual=False) if codes else {}
    series = [
        {
            "key": "final",
            "name": _("Average final score"),
            "unit": "",
            "axis": 0,
            "values": [_rounded(finals.get(month)) for month in months],
        }
    ]
    for code in codes:
        indicator = indicators.get(code)
        unit = indicator.unit if indicator else ""
        series.append(
            {
                "key": code,
                "name": indicator_name(indicator) if indicator else code,
                "unit": unit_label(unit),
                "axis": 0 if unit in SCORE_AXIS_UNITS else 1,
                "values": [_rounded(values.get((month, code))) for month in months],
            }
        )
    rows = [
        {"month": month, "values": [line["values"][n] for line in series]} for n, month in enumerate(months)
    ]
    has_data = any(value is not None for line in series for value in line["values"])
    return {
        "months": months,
        "series": series,
        "rows": rows,
        "has_data": has_data,
        "chart": {
            "months": months,
            "series": [{k: line[k] for k in ("name", "unit", "axis", "values")} for line in series],
            "score_axis": _("Score"),
            "other_axis": _("Other units"),
        },
    }


def _rounded(value):
    return None if value is None else round(float(value), 1)


def without_scorecard(user, people, period: str) -> dict:
    """The active people in scope with no scorecard for `period`: their count and the first
    few by name, and where to see why (the scheme coverage, for those who may open it).
    Two queries."""
    missing = (
        people.filter(status=Employee.Status.ACTIVE)
        .exclude(pk__in=Scorecard.objects.filter(period=period).values("employee_id"))
        .order_by("employee_no")
    )
    return {
        "unscored_count": missing.count(),
        "unscored": [
            {"name": person.name, "url": reverse("org:profile", args=[person.pk])}
            for person in missing.only("pk", "name", "employee_no")[:UNSCORED_NAMED]
        ],
        "coverage_url": reverse("kpi_templates:coverage") if shows_scheme_pages(user) else "",
    }


def score_panel_section(request, *, now: datetime.datetime) -> dict | None:
    """The home page's score panel, for leads, service managers and HR."""
    if not shows_score_panel(request.user):
        return None
    return {"panel": score_panel(request.user, now=now)}


def my_score_section(request, *, now: datetime.datetime) -> dict | None:
    """The home page's "my score" card, for everyone with a scorecard."""
    context = my_score(request.user, now=now)
    return None if context is None else {"my": context}
