"""What a recompute hands on once it has stored a period's figures: each figure as the
database would give it back, and the sums the org-unit roll-up pools."""

from typing import NamedTuple


class Figure(NamedTuple):
    """One indicator's value for one person and period, with what it rests on."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    sample: int = 0


NO_FIGURE = Figure(None)


class StoredFigures(NamedTuple):
    """The figures a recompute has just stored, kept in memory so that neither the roll-up
    nor the scorecards read them back: `people` the ids given, `figures` employee id →
    code → Figure, `pools` (org unit id, code) → [numerator, denominator, sample] summed
    over the unit's own employees, `units` the org units' figures."""

    people: set[int]
    figures: dict[int, dict[str, Figure]]
    pools: dict[tuple[int, str], list]
    # Every org unit's figures as the roll-up stored them (org unit id → code → Figure),
    # once it has run; None when not known (read them from the database).
    units: dict[int, dict[str, Figure]] | None = None


NOTHING_STORED = StoredFigures(set(), {}, {})
