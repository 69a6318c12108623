"""appraisal reads, by page: `schemes`, `whatif`, `scorecards` (one employee's), `evidence`
(a scorecard value's) and `team` (the team view)."""
