"""appraisal pages: `scorecards` (under /scores/) and `schemes` (under /appraisal-templates/)."""
