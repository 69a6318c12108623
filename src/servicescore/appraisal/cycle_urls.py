"""The appraisal-cycle pages, mounted at /appraisal/ (namespace `appraisal`): the cycles
and their progress (urls_cycles), the evaluations with their targets and reviews and the
to-do list (urls_reviews), 360° feedback, calibration and results (urls_calibration),
publication and appeals (urls_appeals), goals (urls_goals), the change log (urls_changes)."""

from . import (
    urls_appeals,
    urls_calibration,
    urls_changes,
    urls_cycle_ratings,
    urls_cycles,
    urls_goals,
    urls_reviews,
)

app_name = "appraisal"

urlpatterns = [
    *urls_cycles.urlpatterns,
    *urls_reviews.urlpatterns,
    *urls_calibration.urlpatterns,
    *urls_appeals.urlpatterns,
    *urls_goals.urlpatterns,
    *urls_changes.urlpatterns,
    *urls_cycle_ratings.urlpatterns,
]
