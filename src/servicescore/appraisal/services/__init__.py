"""appraisal writes, by subdomain: `schemes` (the schemes, their versions and items) and
`scorecards` (the scorecards a recompute stores)."""
