"""The calibration view and the results table of an appraisal cycle (issue 18).

Both read the cycle's evaluations of the people in the user's scope
(`readable_evaluations` narrowed to `visible_appraisees`: a service manager sees his part,
HR and auditors everyone); the calibration view leaves out the user's own evaluation
(nobody calibrates himself). Out-of-scope cycles, org units and positions are 404.

The numbers, as the page explains them:

- KPI-implied rating. The KPI part as points 0–100 — the person's `kpi_score` divided by
  the share of the (re-weighted) weight the KPI items carry — mapped onto the 1–5 scale
  the way manual ratings map onto points (scoring.manual_points: rating × 20), i.e.
  points ÷ 20, clamped to 1–5: 100 points ↔ 5, 60 ↔ 3, 20 or less ↔ 1.
- Leniency of a reviewer. For each person reviewed: the reviewer's mean submitted rating
  of the manual items − the KPI-implied rating. Over the n people: the mean d̄ and the
  sample standard deviation s, shrunk towards 0 by n ÷ (n + k), k = 3 (`LENIENCY_K`):
  a reviewer of one person moves a quarter of the way, of twelve four fifths. The interval
  is shrunk mean ± 1.96 × s ÷ √n × n ÷ (n + k) (a normal approximation; none for n < 2).
  Lenient when the interval lies above 0, severe when below.
- Boundary flags. The KPI part's standard error: for each scored rate item (an indicator
  of shape "rate" with a sample), the rate's binomial standard error — Agresti–Coull, so
  that 3 of 3 is not certain: p̃ = (x + 2) ÷ (n + 4), se = √(p̃(1 − p̃) ÷ (n + 4)) — in the
  indicator's unit, times the rule's slope (points per unit: linear 100 ÷ |target −
  threshold|, ratio 100 ÷ target or 100 × target ÷ value² for ↓; bands and caps ignored),
  times n ÷ (n + k) when the value was shrunk, times the item's weight share; the items
  combined as independent (root of the sum of squares). A person is flagged when the
  final score lies within one such standard error of a grade boundary.
"""

import math
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from servicescore.core.errors import NotFound
from servicescore.kpi.registry import MANUAL_RATINGS
from servicescore.org.models import Employee, OrgUnit, Position
from servicescore.org.scope import scope_for, visible_appraisees, visible_org_units

from ..models import Cycle, Evaluation, EvaluationRating
from ..policy import allows
from .evaluations import readable_evaluations

LENIENCY_K = 3
Z_95 = 1.96
HISTOGRAM_WIDTH = 10
RESULTS_PAGE_SIZE = 100
CALIBRATION_PAGE_SIZE = 100
# An evaluation's frozen figures and scored lines: kilobytes each, which no list shows.
SNAPSHOT_FIELDS = ("figures", "priors", "items", "targets")


# --- the numbers ---------------------------------------------------------------------------
def kpi_points(evaluation_items: list[dict], kpi_score: float | None) -> float | None:
    """The KPI part as points 0–100: the KPI contribution over the KPI items' weight share."""
    if kpi_score is None:
        return None
    share = sum(
        float(line.get("effective_weight") or 0)
        for line in evaluation_items or []
        if line.get("kind") == "scored"
        and line.get("indicator") not in MANUAL_RATINGS
        and line.get("points") is not None
    )
    if share <= 0:
        return None
    return 100.0 * kpi_score / share


def implied_rating(points: float | None) -> float | None:
    """KPI points 0–100 on the 1–5 rating scale (points ÷ 20, clamped)."""
    if points is None:
        return None
    return min(5.0, max(1.0, points / 20.0))


@dataclass(frozen=True)
class Leniency:
    n: int
    mean: float
    sd: float | None
    shrunk: float
    low: float | None
    high: float | None

    @property
    def flag(self) -> str:
        """ "lenient", "severe" or "" (the interval holds 0, or there is none)."""
        if self.low is not None and self.low > 0:
            return "lenient"
        if self.high is not None and self.high < 0:
            return "severe"
        return ""


def leniency(differences: list[float], k: float = LENIENCY_K) -> Leniency | None:
    """The shrunk mean of (manual rating − KPI-implied rating) with its 95 % interval."""
    n = len(differences)
    if not n:
        return None
    mean = sum(differences) / n
    factor = n / (n + k)
    if n < 2:
        return Leniency(n, mean, None, mean * factor, None, None)
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1))
    half = Z_95 * sd / math.sqrt(n) * factor
    shrunk = mean * factor
    return Leniency(n, mean, sd, shrunk, shrunk - half, shrunk + half)


def _slope(line: dict) -> float | None:
    """Points per unit of the item's value, as its rule scores it (None: no slope)."""
    rule, target, threshold = line.get("rule"), line.get("target"), line.get("threshold")
    if rule == "linear" and target is not None and threshold is not None and target != threshold:
        return 100.0 / abs(float(target) - float(threshold))
    if rule == "ratio" and target:
        if line.get("direction") == "down":
            value = line.get("value")
            return 100.0 * float(target) / float(value) ** 2 if value else None
        return 100.0 / float(target)
    return None


def kpi_standard_error(items: list[dict], indicators: dict) -> float:
    """The KPI part's standard error from its rate items' samples (module docstring)."""
    variance = 0.0
    for line in items or []:
        indicator = indicators.get(line.get("indicator"))
        if (
            indicator is None
            or indicator.shape != "rate"
            or line.get("kind") != "scored"
            or line.get("points") is None
            or not line.get("denominator")
        ):
            continue
        n = float(line["denominator"])
        # A "rate" counted per order may count more events than orders (complaints per
        # 100 orders): the binomial bound then treats it as at most every order.
        x = min(max(float(line.get("numerator") or 0), 0.0), n)
        p = (x + 2) / (n + 4)
        se_value = math.sqrt(p * (1 - p) / (n + 4)) * (indicator.scale or 1)
        slope = _slope(line)
        if slope is None:
            continue
        if line.get("shrunk") and line.get("k"):
            slope *= n / (n + float(line["k"]))
        variance += (slope * se_value * float(line.get("effective_weight") or 0) / 100.0) ** 2
    return math.sqrt(variance)


def near_boundary(score: float | None, error: float, bands: list[dict]) -> float | None:
    """The grade boundary the score lies within `error` of (the nearest), or None."""
    if score is None or error <= 0:
        return None
    boundaries = [float(band["min"]) for band in bands if band.get("min") is not None]
    close = [b for b in boundaries if abs(score - b) <= error]
    return min(close, key=lambda b: abs(score - b)) if close else None


def forced_shares(grades: list[str], rules: list[dict]) -> list[dict]:
    """Each forced-distribution rule with the current share (% of the graded people) and
    whether it is kept."""
    graded = [grade for grade in grades if grade]
    total = len(graded)
    shares = []
    for rule in rules or []:
        names = list(rule.get("grades") or [])
        count = sum(1 for grade in graded if grade in names)
        share = 100.0 * count / total if total else 0.0
        limit_max, limit_min = rule.get("max"), rule.get("min")
        kept = total > 0 and (limit_max is None or share <= float(limit_max) + 1e-9)
        kept = kept and (limit_min is None or share + 1e-9 >= float(limit_min))
        shares.append(
            {
                "grades": names,
                "max": limit_max,
                "min": limit_min,
                "count": count,
                "share": share,
                "kept": kept,
            }
        )
    return shares


# --- the reads -----------------------------------------------------------------------------
def _scoped(user, cycle_pk, action: str) -> tuple[Cycle, QuerySet]:
    if not allows(user, action):
        raise NotFound(_("No such appraisal cycle."))
    rows = readable_evaluations(user).filter(cycle_id=cycle_pk)
    if not scope_for(user).everything:  # a reviewer's reach ends at the scope here
        rows = rows.filter(employee__in=visible_appraisees(user))
    cycle = Cycle.objects.filter(pk=cycle_pk, pk__in=rows.values("cycle")).first()
    if cycle is None:
        raise NotFound(_("No such appraisal cycle."))
    return cycle, rows


def _filtered(user, rows: QuerySet, org_unit, position) -> tuple[QuerySet, OrgUnit | None, str]:
    unit = None
    if org_unit:
        unit = visible_org_units(user).filter(pk=int(org_unit) if str(org_unit).isdigit() else 0).first()
        if unit is None:
            raise NotFound(_("No such org unit."))
        rows = rows.filter(Q(org_unit=unit) | Q(org_unit__path__startswith=unit.path))
    if position:
        if position not in Position.values:
            raise NotFound(_("No such position."))
        rows = rows.filter(position=position)
    return rows, unit, position or ""


# sort key → the field sorted on, then the tie-breaker
SORTS = {
    "name": ("employee__name", "pk"),
    "unit": ("org_unit__name", "employee__name"),
    "position": ("position", "employee__name"),
    "kpi": ("kpi_score", "employee__name"),
    "manual": ("manual_score", "employee__name"),
    "adjustment": ("calibration_adjustment", "employee__name"),
    "final": ("final_score", "employee__name"),
    "grade": ("grade", "employee__name"),
    "reviewer": ("reviewer__name", "employee__name"),
    "state": ("state", "employee__name"),
    "rank": ("rank_in_position", "employee__name"),
}
DEFAULT_SORT = "-final"


def _order(rows: QuerySet, sort: str | None) -> tuple[QuerySet, str]:
    """Sorted by `sort` ("key" ascending, "-key" descending; empty places last)."""
    sort = sort if (sort or "").lstrip("-") in SORTS else DEFAULT_SORT
    field, tie = SORTS[sort.lstrip("-")]
    primary = F(field).desc(nulls_last=True) if sort.startswith("-") else F(field).asc(nulls_last=True)
    return rows.order_by(primary, tie, "pk"), sort


def _units_and_positions(rows: QuerySet, seen: tuple[set, set] | None = None) -> tuple[list, list]:
    """The org units and positions the filters offer: those of `rows`, or the (unit ids,
    position codes) already `seen` while reading them."""
    unit_ids, codes = seen if seen is not None else (rows.order_by().values("org_unit"), None)
    units = list(OrgUnit.objects.filter(pk__in=unit_ids).order_by("path").only("pk", "name"))
    if codes is None:
        codes = set(rows.order_by().values_list("position", flat=True).distinct())
    positions = [(code, label) for code, label in Position.choices if code in codes]
    return units, positions


def calibration_cycle(user, pk) -> Cycle:
    """The cycle `pk` if `user` calibrates and it has people in his scope; NotFound otherwise."""
    return _scoped(user, pk, "calibrate")[0]


def calibration_board(user, pk, *, org_unit=None, position=None, sort=None, page=None) -> dict:
    """The calibration view of cycle `pk` for `user`: the people (not himself) in scope,
    filtered by org unit and position, sorted and paged; over all of them the score
    histogram, the grade counts and shares, the forced-distribution rule, the reviewers'
    leniency and the boundary flags. The figures come from each evaluation's stored
    scalars (`kpi_points`, `kpi_error`), never its items: a fixed number of queries, and
    no JSON read, however many people."""
    cycle, rows = _scoped(user, pk, "calibrate")
    # Nobody calibrates himself (a subquery: no join of every row to the people).
    rows = rows.exclude(employee__in=Employee.objects.filter(user=user).values("pk"))
    all_rows = rows
    rows, unit, position = _filtered(user, rows, org_unit, position)
    rows, sort = _order(rows, sort)
    bands = cycle.grade_bands or []
    figures = {}
    grades, scores = [], []
    in_feedback = 0
    unit_ids, codes = set(), set()
    left = 0
    for pk_, final, grade, calibrated, points, error, state, unit_id, code, status in rows.values_list(
        "pk",
        "final_score",
        "grade",
        "calibrated_grade",
        "kpi_points",
        "kpi_error",
        "state",
        "org_unit",
        "position",
        "employee__status",
    ):
        in_feedback += state == Evaluation.State.FEEDBACK
        unit_ids.add(unit_id)
        codes.add(code)
        implied = implied_rating(points)
        figures[pk_] = (implied, error or 0.0, near_boundary(final, error or 0.0, bands))
        if status == Employee.Status.LEFT:  # not in the shares (services/cycles.py, Leavers)
            left += 1
            continue
        grades.append(calibrated or grade)
        if final is not None:
            scores.append(final)
    ratings: dict[int, dict[int, list[int]]] = {}  # evaluation → rater → ratings
    raters: dict[int, str] = {}
    for evaluation_id, rater_id, rater_name, rating in EvaluationRating.objects.filter(
        evaluation__in=rows.order_by().values("pk"),
        role=EvaluationRating.Role.MANAGER,
        submitted_at__isnull=False,
    ).values_list("evaluation", "rater", "rater__name", "rating"):
        ratings.setdefault(evaluation_id, {}).setdefault(rater_id, []).append(rating)
        raters[rater_id] = rater_name
    differences: dict[int, list[float]] = {}
    for evaluation_id, by_rater in ratings.items():
        implied = figures.get(evaluation_id, (None,))[0]
        if implied is None:
            continue
        for rater_id, values in by_rater.items():
            differences.setdefault(rater_id, []).append(sum(values) / len(values) - implied)
    reviewers = sorted(
        ({"name": raters[rater_id], "stats": leniency(values)} for rater_id, values in differences.items()),
        key=lambda row: (-row["stats"].n, row["name"]),
    )
    graded = [g for g in grades if g]
    grade_rows = []
    for band in bands:
        count = graded.count(band["grade"])
        grade_rows.append(
            {"grade": band["grade"], "count": count, "share": 100.0 * count / len(graded) if graded else 0.0}
        )
    shown = rows.select_related("employee", "org_unit", "reviewer").defer(*SNAPSHOT_FIELDS)
    paginator = Paginator(shown, CALIBRATION_PAGE_SIZE)
    paginator.count = len(figures)  # counted above: no COUNT of the cycle again
    page_obj = paginator.get_page(page)
    people = []
    for evaluation in page_obj:
        implied, error, boundary = figures.get(evaluation.pk, (None, 0.0, None))
        people.append({"evaluation": evaluation, "implied": implied, "error": error, "boundary": boundary})
    # Unfiltered, the rows read above are the filters' choices: no second pass over them.
    units, positions = _units_and_positions(all_rows, None if unit or position else (unit_ids, codes))
    return {
        "cycle": cycle,
        "people": people,
        "page_obj": page_obj,
        "count": len(figures),
        "grades": grade_rows,
        "graded_count": len(graded),
        "histogram": _histogram(scores),
        "forced": forced_shares(grades, cycle.forced_distribution),
        "reviewers": reviewers,
        "boundary_count": sum(1 for _i, _e, boundary in figures.values() if boundary is not None),
        "org_unit": unit,
        "position": position,
        "org_units": units,
        "positions": positions,
        "sort": sort,
        "leniency_k": LENIENCY_K,
        "in_feedback": in_feedback,
        "left_count": left,
    }


def _histogram(scores: list[float]) -> list[dict]:
    """Final scores in bins of 10 points: 0–10 … 90–100, and 100 and above."""
    bins = []
    for low in range(0, 100, HISTOGRAM_WIDTH):
        high = low + HISTOGRAM_WIDTH
        bins.append({"label": f"{low}–{high}", "count": sum(1 for s in scores if low <= s < high)})
    bins.append({"label": "≥100", "count": sum(1 for s in scores if s >= 100)})
    return bins


def results_table(user, pk, *, org_unit=None, position=None, sort=None, page=None) -> dict:
    """The results table of cycle `pk` (read_cycle_results, within scope): every
    evaluation with its parts, adjustments, final score, grade, ranks and state; filtered,
    sorted and paged (`page=None` with `all=True` callers use `results_rows`)."""
    cycle, rows = _scoped(user, pk, "read_cycle_results")
    all_rows = rows
    rows, unit, position = _filtered(user, rows, org_unit, position)
    rows, sort = _order(rows, sort)
    rows = rows.select_related("employee", "org_unit", "reviewer").defer(*SNAPSHOT_FIELDS)
    paginator = Paginator(rows, RESULTS_PAGE_SIZE)
    page_obj = paginator.get_page(page)
    units, positions = _units_and_positions(all_rows)
    return {
        "cycle": cycle,
        "page_obj": page_obj,
        "count": paginator.count,
        "org_unit": unit,
        "position": position,
        "org_units": units,
        "positions": positions,
        "sort": sort,
    }


def results_rows(user, pk, *, org_unit=None, position=None, sort=None) -> tuple[Cycle, list[Evaluation]]:
    """Every evaluation of the results table (same scope, filters and order; not paged),
    for the export."""
    cycle, rows = _scoped(user, pk, "read_cycle_results")
    rows, _unit, _position = _filtered(user, rows, org_unit, position)
    rows, _sort = _order(rows, sort)
    return cycle, list(rows.select_related("employee", "org_unit", "reviewer").defer(*SNAPSHOT_FIELDS))
