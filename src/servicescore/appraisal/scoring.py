"""Scoring (kpi-library.md, Scoring): an appraisal scheme's (a `Template`'s) items turn
indicator values into points, a weighted base score, bonus/deductions, vetoes and a grade.

Pure functions over plain numbers: `score()` takes the items (TemplateItem objects, saved
or not — the editor and what-if score drafts), the person's figures and the priors, and
returns the working of every item as the scorecard shows it. `problems()` lists what is
wrong with a template before it may be activated.

Minimum data and provisional (kpi-library.md, Scoring; docs/scoring.md): when the scored
items with data carry less than `min_data_share` % of the declared scored weight, the
score is "insufficient data" — no base, no final score, no grade. An item scored 0 or as
on target by its no-data policy is not data. A veto that applies still sets the lowest
grade (a recorded violation is a fact, not missing data). A provisional score (a period
still running) gets no grade at all unless the scheme opts in (`grade_provisional`),
veto or not; `vetoed` stays true so the page can say so.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from servicescore.kpi.figures import NO_FIGURE, Figure
from servicescore.kpi.registry import DOWN, MANUAL_RATINGS, Indicator

from .errors import Problem

DEFAULT_SHRINK_K = 10
TOTAL_WEIGHT = Decimal(100)


@dataclass
class Score:
    base: float | None
    adjustment: float
    final: float | None
    grade: str
    vetoed: bool
    items: list[dict] = field(default_factory=list)
    reweighted: bool = False
    insufficient: bool = False
    provisional: bool = False
    # % of the declared scored weight carried by items with data (None: no scored items).
    data_share: float | None = None


def _f(number) -> float | None:
    return None if number is None else float(number)


def _clamp(points: float, cap: float) -> float:
    return max(0.0, min(points, cap))


def linear_points(value: float, target: float, threshold: float, cap: float) -> float:
    """threshold → 0, target → 100, straight between, clamped to [0, cap]. The same line
    serves ↓ indicators, whose threshold lies above the target."""
    if target == threshold:
        return cap if value == target else 0.0
    return _clamp(100.0 * (value - threshold) / (target - threshold), cap)


def ratio_points(value: float, target: float, cap: float, higher_is_better: bool) -> float:
    if higher_is_better:
        return _clamp(100.0 * value / target, cap) if target else 0.0
    if value <= 0:
        return cap
    return _clamp(100.0 * target / value, cap)


def band_points(value: float, bands: list[dict], cap: float) -> float | None:
    """The points of the band holding the value (from inclusive, to exclusive); None when
    no band holds it."""
    for band in bands:
        low, high = band.get("from"), band.get("to")
        if (low is None or value >= float(low)) and (high is None or value < float(high)):
            return _clamp(float(band["points"]), cap)
    return None


def manual_points(mean_rating: float) -> float:
    """Reviewers' mean 1–5 rating mapped 1 → 20 … 5 → 100."""
    return 20.0 * mean_rating


def shrunk_value(indicator: Indicator, figure: Figure, prior: float | None, k: float) -> float | None:
    """(k × prior + numerator) ÷ (k + denominator), in the indicator's unit (the numerator
    is scaled like the value, so rates in % and means shrink alike)."""
    if figure.value is None or prior is None or not figure.denominator:
        return None
    return (k * prior + indicator.scale * float(figure.numerator)) / (k + float(figure.denominator))


def grade_for(score: float | None, bands: list[dict]) -> str:
    if score is None:
        return ""
    for band in bands:
        if band.get("min") is None or score >= float(band["min"]):
            return band["grade"]
    return bands[-1]["grade"] if bands else ""


def lowest_grade(bands: list[dict]) -> str:
    return bands[-1]["grade"] if bands else ""


@dataclass(frozen=True)
class Prepared:
    """One template item's working that does not depend on the person: its line's fixed
    fields and its numbers as floats, worked out once per template version."""

    item: object
    indicator: Indicator | None
    line: dict
    cap: float
    target: float | None
    threshold: float | None
    points_per_unit: float
    max_points: float | None
    shrink_k: float | None


def prepare(items, indicators: dict) -> list[Prepared]:
    prepared = []
    for item in items:
        indicator = indicators.get(item.indicator) or MANUAL_RATINGS.get(item.indicator)
        target, threshold = _f(item.target), _f(item.threshold)
        line = {
            "item": item.pk,
            "indicator": item.indicator,
            "label": item.label,
            "kind": item.kind,
            "rule": item.rule,
            "unit": indicator.unit if indicator else "",
            "direction": indicator.direction if indicator else "",
            "raw_value": None,
            "value": None,
            "numerator": None,
            "denominator": None,
            "sample": 0,
            "shrunk": False,
            "prior": None,
            "k": None,
            "target": target,
            "threshold": threshold,
            "cap": float(item.cap),
            "no_data": True,
            "no_data_policy": item.no_data,
            "points": None,
            "weight": float(item.weight) if item.kind == "scored" else 0.0,
            "effective_weight": 0.0,
            "contribution": 0.0,
            "adjustment": 0.0,
            "vetoed": False,
            "note": "",
        }
        prepared.append(
            Prepared(
                item,
                indicator,
                line,
                float(item.cap),
                target,
                threshold,
                float(item.points_per_unit or 0),
                _f(item.max_points),
                _f(item.shrink_k) if indicator is not None and indicator.shrinkable else None,
            )
        )
    return prepared


def _points(p: Prepared, value: float) -> tuple[float | None, str]:
    rule, cap = p.item.rule, p.cap
    if rule == "linear":
        return linear_points(value, p.target, p.threshold, cap), ""
    if rule == "ratio":
        return ratio_points(value, p.target, cap, p.indicator.higher_is_better), ""
    if rule == "bands":
        points = band_points(value, p.item.bands or [], cap)
        if points is None:
            return 0.0, gettext_noop("No band holds this value; scored 0.")
        return points, ""
    if rule == "manual":
        return _clamp(manual_points(value), cap), ""
    raise ValueError(f"unknown rule {rule}")


def _vetoed(p: Prepared, basis: float | None) -> bool:
    if basis is None:
        return False
    limit = p.threshold if p.threshold is not None else 1.0
    return basis >= limit if p.indicator.direction == DOWN else basis < limit


def score(
    items,
    grade_bands,
    figures: dict,
    priors: dict,
    indicators: dict,
    *,
    min_data_share=0,
    provisional: bool = False,
    grade_provisional: bool = False,
) -> Score:
    """Score one person. `figures`: code → Figure (manual codes: the mean rating as value);
    `priors`: code → the service centre's value for the period (shrinkage).
    `min_data_share`: the % of the scored weight that must have data for a score (the
    version's, 0 = no minimum); `provisional`: the period has not ended, so no grade
    unless `grade_provisional`."""
    return score_prepared(
        prepare(items, indicators),
        grade_bands,
        figures,
        priors,
        min_data_share=min_data_share,
        provisional=provisional,
        grade_provisional=grade_provisional,
    )


def score_prepared(
    prepared: list[Prepared],
    grade_bands,
    figures: dict,
    priors: dict,
    *,
    min_data_share=0,
    provisional: bool = False,
    grade_provisional: bool = False,
) -> Score:
    """`score` with the items prepared once (`prepare`), for scoring many people."""
    lines, weighted = [], []
    adjustment, vetoed = 0.0, False
    for p in prepared:
        item, indicator = p.item, p.indicator
        figure = figures.get(item.indicator, NO_FIGURE)
        line = p.line.copy()
        line["raw_value"] = line["value"] = figure.value
        line["numerator"] = figure.numerator
        line["denominator"] = figure.denominator
        line["sample"] = figure.sample
        line["no_data"] = figure.value is None
        lines.append(line)
        if indicator is None:
            line["note"] = gettext_noop("Unknown indicator: not scored.")
            continue
        kind = item.kind
        if kind in ("bonus", "deduction"):
            basis = figure.numerator if item.basis == "numerator" else figure.value
            amount = p.points_per_unit * float(basis or 0)
            if p.max_points is not None:
                amount = min(amount, p.max_points)
            line["adjustment"] = amount if kind == "bonus" else (-amount or 0.0)
            adjustment += line["adjustment"]
            continue
        if kind == "veto":
            basis = figure.numerator if item.basis == "numerator" else figure.value
            line["vetoed"] = _vetoed(p, basis)
            vetoed = vetoed or line["vetoed"]
            continue
        value = figure.value
        if value is not None and p.shrink_k is not None:
            prior = priors.get(item.indicator)
            shrunk = shrunk_value(indicator, figure, prior, p.shrink_k)
            line["prior"], line["k"] = prior, p.shrink_k
            if shrunk is not None:
                value = shrunk
                line["value"], line["shrunk"] = shrunk, True
            else:
                line["note"] = gettext_noop("No centre value to shrink towards; scored on the raw value.")
        if value is None:
            if item.no_data == "reweight":
                line["note"] = gettext_noop("No data: left out, the other weights are scaled up.")
                continue
            line["points"] = 0.0 if item.no_data == "zero" else min(100.0, p.cap)
            line["note"] = (
                gettext_noop("No data: scored 0 points.")
                if item.no_data == "zero"
                else gettext_noop("No data: scored as on target.")
            )
        else:
            line["points"], note = _points(p, value)
            line["note"] = line["note"] or note
        weighted.append(line)
    total = sum(line["weight"] for line in weighted)
    declared = sum(line["weight"] for line in lines if line["kind"] == "scored")
    with_data = sum(line["weight"] for line in weighted if not line["no_data"])
    share = 100.0 * with_data / declared if declared > 0 else None
    # A hair of tolerance: 50.000000001 % of weights summed as floats is 50 %.
    insufficient = share is not None and share + 1e-9 < float(min_data_share or 0)
    if insufficient:
        for line in lines:
            if line["kind"] == "scored" and line["no_data"]:
                line["points"] = None
                line["note"] = gettext_noop("No data: too little of the weight has data for a score.")
        weighted = []
    base = None
    if weighted and total > 0:
        base = 0.0
        for line in weighted:
            line["effective_weight"] = 100.0 * line["weight"] / total
            line["contribution"] = line["points"] * line["effective_weight"] / 100.0
            base += line["contribution"]
    final = None if base is None else max(0.0, base + adjustment)
    if provisional and not grade_provisional:
        grade = ""
    elif vetoed:
        grade = lowest_grade(grade_bands)
    else:
        grade = grade_for(final, grade_bands)
    return Score(
        base,
        adjustment,
        final,
        grade,
        vetoed,
        lines,
        reweighted=not insufficient and abs(total - declared) > 1e-9,
        insufficient=insufficient,
        provisional=provisional,
        data_share=share,
    )


def item_text(item, indicator: Indicator) -> str:
    """An item as messages name it: its label, else its indicator's name in the reader's
    language, with the code after it ("客户满意度 (CSAT)"), as the template pages do."""
    from .selectors.schemes import indicator_text  # the selectors import this module

    return indicator_text(item.indicator, {item.indicator: indicator}, label=getattr(item, "label", "") or "")


def problems(items, grade_bands, indicators: dict, *, activating: bool = True) -> list[Problem]:
    """What stops a template version from being used, as Problems. The weight sum is only
    enforced when activating, so drafts can be saved half-done."""
    found = []
    weights = Decimal(0)
    for n, item in enumerate(items):

        def problem(field_name, message, code, n=n):
            found.append(Problem(n, field_name, message, code))

        indicator = indicators.get(item.indicator) or MANUAL_RATINGS.get(item.indicator)
        if indicator is None:
            problem(
                "indicator", _("Unknown indicator %(code)s.") % {"code": item.indicator}, "unknown_indicator"
            )
            continue
        name = item_text(item, indicator)
        if item.kind == "scored":
            weights += Decimal(item.weight or 0)
            if (item.weight or 0) <= 0:
                problem(
                    "weight",
                    _("%(item)s: a scored item needs a weight above 0.") % {"item": name},
                    "weight_not_positive",
                )
            problems_of_rule(item, indicator, problem)
        elif item.kind in ("bonus", "deduction"):
            if not item.points_per_unit or item.points_per_unit <= 0:
                problem(
                    "points_per_unit",
                    _("%(item)s: give the points per unit (above 0).") % {"item": name},
                    "points_per_unit_missing",
                )
            if item.max_points is not None and item.max_points < 0:
                problem(
                    "max_points",
                    _("%(item)s: the cap cannot be negative.") % {"item": name},
                    "max_points_negative",
                )
        if item.shrink_k is not None:
            if not indicator.shrinkable:
                problem(
                    "shrink_k",
                    _("%(item)s is not a rate or mean; it cannot be shrunk.") % {"item": name},
                    "not_shrinkable",
                )
            elif item.shrink_k < 0:
                problem(
                    "shrink_k", _("%(item)s: k cannot be negative.") % {"item": name}, "shrink_k_negative"
                )
    if activating and weights != TOTAL_WEIGHT:
        found.append(
            Problem(
                None,
                "weight",
                _("The weights sum to %(sum)s; they must sum to exactly 100.") % {"sum": _plain(weights)},
                "weight_sum",
            )
        )
    found += [
        Problem(None, "grade_bands", message, "grade_bands") for message in grade_band_problems(grade_bands)
    ]
    return found


def _plain(number) -> str:
    text = f"{Decimal(number):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def problems_of_rule(item, indicator: Indicator, problem) -> None:
    name = item_text(item, indicator)
    is_manual = indicator.shape == "manual"
    if is_manual != (item.rule == "manual"):
        problem(
            "rule",
            _("%(item)s: manual ratings use the manual rule, and only they do.") % {"item": name},
            "manual_rule",
        )
        return
    if item.cap is None or item.cap <= 0:
        problem("cap", _("%(item)s: the points cap must be above 0.") % {"item": name}, "cap_not_positive")
    if item.rule == "linear":
        if item.target is None or item.threshold is None:
            problem(
                "target",
                _("%(item)s: the linear rule needs a target and a threshold.") % {"item": name},
                "target_missing",
            )
        elif indicator.direction == DOWN and item.threshold <= item.target:
            problem(
                "threshold",
                _(
                    "%(item)s is lower-is-better: the threshold (%(threshold)s, 0 points) must "
                    "be above the target (%(target)s, 100 points)."
                )
                % {"item": name, "threshold": _plain(item.threshold), "target": _plain(item.target)},
                "threshold_wrong_side",
            )
        elif indicator.direction != DOWN and item.threshold >= item.target:
            problem(
                "threshold",
                _(
                    "%(item)s is higher-is-better: the threshold (%(threshold)s, 0 points) "
                    "must be below the target (%(target)s, 100 points)."
                )
                % {"item": name, "threshold": _plain(item.threshold), "target": _plain(item.target)},
                "threshold_wrong_side",
            )
    elif item.rule == "ratio":
        if item.target is None or item.target <= 0:
            problem(
                "target",
                _("%(item)s: the ratio rule needs a target above 0.") % {"item": name},
                "target_missing",
            )
    elif item.rule == "bands":
        for message in band_problems(item.bands or []):
            problem("bands", f"{name}: {message}", "bands")


def band_problems(bands: list[dict]) -> list[str]:
    """Gaps, overlaps and malformed rows in a band table (from inclusive, to exclusive)."""
    if not bands:
        return [_("give at least one band.")]
    found = []
    rows = []
    for n, band in enumerate(bands, start=1):
        try:
            low = None if band.get("from") in (None, "") else float(band["from"])
            high = None if band.get("to") in (None, "") else float(band["to"])
            float(band["points"])
        except (KeyError, TypeError, ValueError):
            found.append(_("band %(n)d needs numbers for from, to and points.") % {"n": n})
            continue
        if low is not None and high is not None and low >= high:
            found.append(
                _("band %(n)d: 'from' (%(low)g) must be below 'to' (%(high)g).")
                % {"n": n, "low": low, "high": high}
            )
            continue
        rows.append((float("-inf") if low is None else low, float("inf") if high is None else high))
    rows.sort()
    for (_low1, high1), (low2, _high2) in zip(rows, rows[1:], strict=False):
        if low2 > high1:
            found.append(
                _("gap between %(a)g and %(b)g: no band holds those values.") % {"a": high1, "b": low2}
            )
        elif low2 < high1:
            found.append(_("bands overlap between %(a)g and %(b)g.") % {"a": low2, "b": high1})
    return found


def grade_band_problems(bands: list[dict]) -> list[str]:
    if not bands:
        return [_("Give at least one grade.")]
    found = []
    previous = None
    for n, band in enumerate(bands):
        if not str(band.get("grade", "")).strip():
            found.append(_("Grade %(n)d has no name.") % {"n": n + 1})
        low = band.get("min")
        if low is None and n != len(bands) - 1:
            found.append(_("Only the last grade may have no lower bound."))
        if low is not None and previous is not None and float(low) >= previous:
            found.append(_("Grade bounds must go down: %(grade)s.") % {"grade": band.get("grade")})
        previous = None if low is None else float(low)
    return found
