"""Scoring many people at once from the stored figures: the active scheme versions, which
one scores whom, each person's figures and manual ratings, and the service centres'
rates as shrinkage priors. Shared by the stored scorecards (services/scorecards.py) and
the what-if (selectors/whatif.py). A fixed number of queries however many people.

A scheme whose subject is "unit" (team leads, service managers: docs/scoring.md) scores
the work-order, voice and derived indicators on the pooled results of the org unit the
person belongs to, never shrunk; facts and manual ratings stay the person's own."""

import dataclasses
from collections import defaultdict

from django.db.models import Avg, Count
from django.utils import timezone

from servicescore.core.periods import Period
from servicescore.kpi import compute
from servicescore.kpi.catalog import catalog
from servicescore.kpi.figures import NOTHING_STORED, Figure, StoredFigures
from servicescore.kpi.models import IndicatorResult, ManualRating
from servicescore.kpi.registry import DERIVED, MANUAL_RATINGS, VOICE, WORK_ORDERS, Indicator
from servicescore.kpi.results import figures_of
from servicescore.kpi.services.recompute import unit_chains
from servicescore.org.models import OrgUnit

from .models import Scorecard, Template, TemplateVersion
from .scoring import Prepared, prepare, score_prepared

# The families an org unit pools from its people (kpi-library.md, Attribution; kpi roll_up)
# and a unit-subject scheme reads from the unit. Facts are imported for the person (their
# attendance, a team lead's attrition) and manual ratings rate the person: their own.
UNIT_FAMILIES = frozenset({WORK_ORDERS, VOICE, DERIVED})


def from_unit(version, indicator: Indicator | None) -> bool:
    """Whether an item of `version` on `indicator` is scored on the person's unit."""
    return (
        indicator is not None
        and indicator.family in UNIT_FAMILIES
        and version.template.subject == Template.Subject.UNIT
    )


def prepare_version(version, lookup: dict) -> list[Prepared]:
    """The version's items prepared once (`scoring.prepare`); on a unit-subject scheme the
    lines scored on the unit say so (`"source": "unit"`) and are not shrunk: a unit's
    pooled rate already rests on all its people's records."""
    prepared = prepare(version.items.all(), lookup)
    if version.template.subject != Template.Subject.UNIT:
        return prepared
    return [
        dataclasses.replace(p, shrink_k=None, line=p.line | {"source": "unit"})
        if from_unit(version, p.indicator)
        else p
        for p in prepared
    ]


def active_versions() -> dict[tuple[str, int | None], TemplateVersion]:
    """(position, org unit id or None for company-wide) → the active template version."""
    versions = (
        TemplateVersion.objects.filter(status=TemplateVersion.Status.ACTIVE)
        .select_related("template")
        .prefetch_related("items")
        .order_by("template__code")
    )
    found = {}
    for version in versions:
        found.setdefault((version.template.position, version.template.org_unit_id), version)
    return found


def version_for(versions: dict, position: str, chain: list[int]) -> TemplateVersion | None:
    """The active version for a person: the template of the deepest unit above them wins
    over a company-wide one."""
    for unit in reversed(chain):
        if (position, unit) in versions:
            return versions[position, unit]
    return versions.get((position, None))


def centre_of_units(chains, kinds) -> dict[int, int | None]:
    """org unit id → the service centre at or above it."""
    return {
        unit: next((a for a in reversed(chain) if kinds.get(a) == OrgUnit.Kind.SERVICE_CENTER), None)
        for unit, chain in chains.items()
    }


def figures_for(
    period: Period,
    people: list[int],
    codes: set[str],
    known: StoredFigures | None = None,
    *,
    unit_of: dict[int, int] | None = None,
    unit_codes: set[str] = frozenset(),
) -> dict[int, dict[str, Figure]]:
    """employee id → code → Figure, from the stored results and the manual ratings.
    `known`: the figures a recompute has just stored (kpi.signals.figures_stored), not
    read again. `unit_of`: employee id → the org unit whose stored results stand for
    theirs in `unit_codes` (unit-subject schemes; the roll-up has stored them before the
    scorecards are scored). One query more when there is any."""
    known = known or NOTHING_STORED
    read = _read_figures(period, people, codes, known.people)
    return _merge_figures(period, people, read, known, unit_of or {}, unit_codes)


def _read_figures(
    period: Period, people: list[int], codes: set[str], known_people
) -> dict[int, dict[str, Figure]]:
    """The stored results of `people` not in `known_people`, and everyone's manual ratings
    (employee id → code → Figure). Reads nothing a recompute writes for `known_people`,
    so it may run on a second connection while they are stored."""
    result: dict[int, dict[str, Figure]] = defaultdict(dict)
    unread = [pk for pk in people if pk not in known_people]
    if unread:
        wanted = codes - set(MANUAL_RATINGS)
        for employee, _period, figures in figures_of(
            period.code, unread if len(unread) <= compute.PEOPLE_FILTER_LIMIT else None, wanted
        ):
            if employee not in known_people and figures:
                result[employee].update(figures)
    manual = codes & set(MANUAL_RATINGS)
    if manual:
        ratings = ManualRating.objects.filter(
            period=period.code, indicator__in=manual, employee__anyof=people
        )
        for row in ratings.values("employee", "indicator").annotate(mean=Avg("rating"), n=Count("pk")):
            result[row["employee"]][row["indicator"]] = Figure(float(row["mean"]), None, None, row["n"])
    return result


def _unit_figures(period: Period, units, codes, known: StoredFigures) -> dict[int, dict[str, Figure]]:
    """The org units' stored figures in `codes`: from the roll-up just run (`known.units`)
    or read."""
    if known.units is not None:
        return {
            unit: {code: figure for code, figure in known.units[unit].items() if code in codes}
            for unit in units
            if unit in known.units
        }
    pooled: dict[int, dict[str, Figure]] = defaultdict(dict)
    for unit, code, value, num, den, sample in IndicatorResult.objects.filter(
        period=period.code, org_unit__in=set(units), indicator__in=codes
    ).values_list("org_unit", "indicator", "value", "numerator", "denominator", "sample"):
        pooled[unit][code] = Figure(value, num, den, sample)
    return pooled


def _merge_figures(period, people, read, known: StoredFigures, unit_of, unit_codes):
    """`read` (`_read_figures`) with the figures just stored (`known`) and, for the people
    of unit-subject schemes, their unit's."""
    result: dict[int, dict[str, Figure]] = defaultdict(dict, read)
    for pk in people:
        if pk in known.figures:
            mine = result[pk] = dict(known.figures[pk]) | read.get(pk, {})
    if unit_of and unit_codes:
        pooled = _unit_figures(period, set(unit_of.values()), unit_codes, known)
        for pk, unit in unit_of.items():
            mine, theirs = result[pk], pooled.get(unit, {})
            for code in unit_codes:
                if code in theirs:
                    mine[code] = theirs[code]
                else:
                    mine.pop(code, None)  # the unit has none: no data (or 0), not the person's
    return result


def empty_figure(item) -> Figure:
    """What a missing stored row means: 0 for counts and sums, no data otherwise."""
    if item is not None and item.shape in ("count", "sum"):
        return Figure(0, 0, None, 0)
    return Figure(None)


def score_people(period: Period, employees, *, versions=None, items=None, keep_versions=True, known=None):
    """Score `employees` (a queryset) for the period: returns [(employee id, version, Score)].
    A finished period's existing scorecard keeps the version it was scored with (unless
    keep_versions=False); a period still running follows the active version."""
    return list(
        iter_scores(
            period, employees, versions=versions, items=items, keep_versions=keep_versions, known=known
        )
    )


def iter_scores(period: Period, employees, *, versions=None, items=None, keep_versions=True, known=None):
    """`score_people` one person at a time: the queries run now, then the generator
    returned scores one person per step and runs no query, so the scorecards can be
    streamed into a COPY on the same connection."""
    known = known or NOTHING_STORED
    inputs = scoring_reads(
        period,
        employees,
        versions=versions,
        items=items,
        keep_versions=keep_versions,
        known_people=known.people,
    )
    return scores_from(inputs, known)


@dataclasses.dataclass
class ScoringReads:
    """What `scoring_reads` found: who is scored with which version, and the figures that
    are not the recompute's to hand over."""

    period: Period
    items: dict
    people: list[tuple]
    chosen: dict
    chains: dict
    kinds: dict
    codes: set
    unit_of: dict
    unit_codes: set
    read: dict


def scoring_reads(
    period: Period, employees, *, versions=None, items=None, keep_versions=True, known_people=frozenset()
) -> ScoringReads:
    """The reads of `iter_scores` that do not depend on the figures a recompute is storing
    for `known_people` — so they may run on a second connection meanwhile
    (kpi.signals.figures_storing)."""
    items = items or catalog(manual=False)
    versions = versions if versions is not None else active_versions()
    people = list(employees.values_list("pk", "position", "org_unit"))
    kept = {}
    if keep_versions and period.end <= timezone.now():
        existing = Scorecard.objects.filter(period=period.code, employee__anyof=[p[0] for p in people])
        version_of = dict(existing.values_list("employee", "version"))
        needed_ids = set(version_of.values()) - {v.pk for v in versions.values()}
        extra = {
            v.pk: v
            for v in TemplateVersion.objects.filter(pk__in=needed_ids)
            .select_related("template")
            .prefetch_related("items")
        }
        by_pk = {v.pk: v for v in versions.values()} | extra
        kept = {emp: by_pk[pk] for emp, pk in version_of.items() if pk in by_pk}
    chains, kinds = unit_chains()
    chosen = {}
    for pk, position, unit in people:
        version = kept.get(pk) or version_for(versions, position, chains.get(unit, []))
        if version is not None:
            chosen[pk] = version
    codes = {item.indicator for version in set(chosen.values()) for item in version.items.all()}
    unit_of = {
        pk: unit
        for pk, _position, unit in people
        if pk in chosen and chosen[pk].template.subject == Template.Subject.UNIT
    }
    unit_codes = {
        item.indicator
        for version in {chosen[pk] for pk in unit_of}
        for item in version.items.all()
        if from_unit(version, items.get(item.indicator))
    }
    read = _read_figures(period, list(chosen), codes, known_people) if chosen else {}
    return ScoringReads(period, items, people, chosen, chains, kinds, codes, unit_of, unit_codes, read)


def scores_from(inputs: ScoringReads, known: StoredFigures):
    """Score what `scoring_reads` found, with the figures just stored (`known`): (employee
    id, version, Score) one person at a time. Reads the centres' results (the shrinkage
    priors) and the units' unless the roll-up handed them over (`known.units`)."""
    period, items, people, chosen = inputs.period, inputs.items, inputs.people, inputs.chosen
    if not chosen:
        return iter(())
    figures = _merge_figures(period, list(chosen), inputs.read, known, inputs.unit_of, inputs.unit_codes)
    centre_of = centre_of_units(inputs.chains, inputs.kinds)
    centres = {centre_of.get(unit) for _pk, _pos, unit in people} - {None}
    priors: dict[int, dict[str, float]] = defaultdict(dict)
    for unit, by_code in _unit_figures(period, centres, inputs.codes, known).items():
        for code, figure in by_code.items():
            priors[unit][code] = figure.value
    lookup = items | MANUAL_RATINGS
    # Per version, its items prepared once and what a missing figure means for each.
    plans = {
        version: (
            prepare_version(version, lookup),
            [(line.indicator, empty_figure(lookup.get(line.indicator))) for line in version.items.all()],
        )
        for version in set(chosen.values())
    }
    # A period still running when scored is provisional (kpi-library.md, Scoring).
    provisional = timezone.now() < period.end
    return _scores(people, chosen, plans, figures, priors, centre_of, provisional)


def _scores(people, chosen, plans, figures, priors, centre_of, provisional=False):
    for pk, _position, unit in people:
        version = chosen.get(pk)
        if version is None:
            continue
        prepared, empties = plans[version]
        mine = figures.get(pk, {})
        person_figures = {code: mine.get(code) or empty for code, empty in empties}
        prior = priors.get(centre_of.get(unit), {})
        yield (
            pk,
            version,
            score_prepared(
                prepared,
                version.grade_bands,
                person_figures,
                prior,
                min_data_share=version.min_data_share,
                provisional=provisional,
                grade_provisional=version.grade_provisional,
            ),
        )
