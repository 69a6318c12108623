"""The stored scorecards: when a recompute has stored a period's figures
(`kpi.signals.figures_stored`, connected in apps.py) the people it touched are scored
again and their scorecards replaced, in the recompute's transaction, streamed into one
COPY. Derived data like the figures: the recompute's own audit entry covers them."""

import time

from servicescore.core.bulk import copy_rows
from servicescore.core.periods import Period
from servicescore.kpi import compute
from servicescore.kpi.figures import StoredFigures
from servicescore.kpi.services.recompute import unit_chains
from servicescore.org.models import Employee

from ..models import Scorecard
from ..people_scoring import centre_of_units, iter_scores, scores_from, scoring_reads

# Where `read_before_figures` leaves its reads in the recompute's handover.
HANDOVER_KEY = "appraisal.scoring_reads"


def read_before_figures(sender, *, period: Period, people, items, reader, handover: dict, **kwargs) -> None:
    """Receiver of `figures_storing`: the scorecards' reads that do not depend on the
    figures being stored (who is rescored, their versions, everyone else's figures, the
    ratings) go to the recompute's second connection, to run while it stores."""
    handover[HANDOVER_KEY] = reader.submit(_rescoring_reads, period, people, items)


def _rescoring_reads(period: Period, people, items):
    rescored = _sharing_priors(people)
    return rescored, scoring_reads(period, _rescored_employees(rescored), items=items, known_people=people)


def _rescored_employees(rescored):
    employees = Employee.objects.all()
    if rescored is not None and len(rescored) <= compute.PEOPLE_FILTER_LIMIT:
        employees = employees.filter(pk__anyof=rescored)
    return employees


def rescore_after_figures(
    sender, *, period: Period, people, stored: StoredFigures, items, now, handover=None, **kwargs
) -> dict:
    """Receiver of `figures_stored`: score everyone whose figures were just stored, and
    everyone sharing a service centre with them (see `_sharing_priors`), from the figures
    in memory; returns the count and the seconds for the recompute's summary."""
    started = time.perf_counter()
    ahead = (handover or {}).get(HANDOVER_KEY)
    if ahead is not None:
        rescored, reads = ahead.result()
        scored = scores_from(reads, stored)
    else:
        rescored = _sharing_priors(people)
        scored = iter_scores(period, _rescored_employees(rescored), items=items, known=stored)
    if rescored is not None:
        scored = (entry for entry in scored if entry[0] in rescored)  # `employees` may be everyone
    count = _store_scorecards(period, scored, rescored, now)
    return {"scorecards": count, "seconds": {"scorecards": round(time.perf_counter() - started, 3)}}


def _sharing_priors(people) -> set[int] | None:
    """`people`, everyone in their service centres and everyone in a unit above them: a
    centre's pooled rate is the shrinkage prior of all its people's scorecards, and the
    pooled results of every unit above a person score that unit's people on a unit-subject
    scheme (a team lead, a regional manager), so when some figures change, those are scored
    again (from the stored figures; nobody else's are recomputed)."""
    if people is None:
        return None
    chains, kinds = unit_chains()
    centre_of = centre_of_units(chains, kinds)
    staff = list(Employee.objects.values_list("pk", "org_unit"))
    units = dict(staff)
    touched = {units.get(pk) for pk in people}
    centres = {centre_of.get(unit) for unit in touched} - {None}
    above = {ancestor for unit in touched for ancestor in chains.get(unit, ())}
    return set(people) | {pk for pk, unit in staff if unit in above or centre_of.get(unit) in centres}


SCORECARD_COLUMNS = [
    "employee_id", "period", "version_id", "base_score", "adjustment", "final_score", "grade", "vetoed",
    "items", "computed_at", "provisional", "insufficient_data",
]  # fmt: skip


def _store_scorecards(period: Period, scored, people, now) -> int:
    """Replace the scorecards of `people` (None: everyone) by `scored` ((employee id,
    version, Score) as `iter_scores` yields them, stored as they come)."""
    stale = Scorecard.objects.filter(period=period.code)
    if people is not None:
        stale = stale.filter(employee__anyof=people)
    stale._raw_delete(stale.db)
    return copy_rows(
        Scorecard,
        SCORECARD_COLUMNS,
        (
            (
                pk,
                period.code,
                version.pk,
                result.base,
                result.adjustment,
                result.final,
                result.grade,
                result.vetoed,
                result.items,
                now,
                result.provisional,  # the period had not ended when scored
                result.insufficient,
            )  # fmt: skip
            for pk, version, result in scored
        ),
    )
