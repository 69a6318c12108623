"""Signals the indicator engine sends to the apps above it. kpi never imports those apps
(docs/architecture.md); they connect their receivers in their `AppConfig.ready()`."""

from django.dispatch import Signal

# Sent by a recompute inside its transaction, once a period's employee figures and org-unit
# roll-ups are stored, so that what a receiver writes commits (or rolls back) with them.
# Arguments: `period` (core.periods.Period), `people` (the employee ids recomputed; None:
# everyone), `stored` (kpi.figures.StoredFigures), `items` (the catalogue without manual
# ratings), `now` (the run's timestamp). A receiver may return a dict of counts for the
# recompute's summary; its "seconds" are merged into the summary's timings.
figures_stored = Signal()

# Sent by an incremental recompute before it stores the figures, with `period`, `people`
# (the employee ids about to be recomputed), `items`, `reader` and `handover` (a dict the
# same run passes to `figures_stored` as `handover`). `reader` is a
# core.second_connection.SecondConnection: a receiver may `reader.submit(...)` the reads it
# will need once the figures are stored — reads of data the recompute does not change
# (other people's results, the scorecards' versions, ratings) — and leave the future in
# `handover` under a key of its own; they then run on the other core while this connection
# stores the figures.
figures_storing = Signal()
