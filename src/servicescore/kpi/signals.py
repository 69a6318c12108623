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
