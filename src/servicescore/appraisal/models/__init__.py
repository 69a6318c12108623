"""Appraisal data: the schemes with their versions, items and changes and the scorecards a
recompute stores (schemes.py), and the appraisal cycles run on top of them (cycles.py)."""

from .cycles import (
    Appeal,
    AppealEvidence,
    Cycle,
    CycleReminder,
    CycleVersion,
    Evaluation,
    EvaluationChange,
    EvaluationRating,
    Exclusion,
    FeedbackRequest,
    Goal,
    KeyResult,
    default_forced_distribution,
)
from .schemes import (
    DEFAULT_GRADE_BANDS,
    Scorecard,
    Template,
    TemplateChange,
    TemplateItem,
    TemplateVersion,
    _in_reader_language,
    default_grade_bands,
)

__all__ = [
    "DEFAULT_GRADE_BANDS",
    "Appeal",
    "AppealEvidence",
    "Cycle",
    "CycleReminder",
    "CycleVersion",
    "Evaluation",
    "EvaluationChange",
    "EvaluationRating",
    "Exclusion",
    "FeedbackRequest",
    "Goal",
    "KeyResult",
    "Scorecard",
    "Template",
    "TemplateChange",
    "TemplateItem",
    "TemplateVersion",
    "_in_reader_language",
    "default_forced_distribution",
    "default_grade_bands",
]
