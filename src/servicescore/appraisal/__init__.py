"""Appraisal: how a person is judged from the indicators (kpi) — the schemes (考核方案),
scoring, the stored scorecards, the what-if and the default schemes."""
