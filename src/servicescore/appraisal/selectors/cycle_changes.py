"""The history of an appraisal cycle in words: its evaluations' changes (EvaluationChange:
who, when, old → new, why) for the cycle's audit log page and the history card of one
evaluation.

Who reads what:
- the cycle's log (`cycle_change_log`) is for those who run cycles or read their results
  (policy: manage_cycles, read_cycle_results): HR, administrators and auditors read the
  changes of everyone, a service manager those of the people in his scope (the
  evaluations he may read, selectors/evaluations.py); anyone else gets 404;
- an evaluation's history card (`evaluation_history`) is for everyone who reads the
  evaluation, the appraised person included, with the reasons: the employee sees every
  decision on his result and why (the product's promise of transparency).

One thing stays hidden from the appraised person: the manager's score adjustment while
the manager's review is still a draft (the reviews' rule: the manager's review is hidden
from the employee until it is submitted). Changes are never edited or deleted here; the
admin shows them read-only.
"""

import json
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from servicescore.kpi.catalog import catalog
from servicescore.kpi.registry import MANUAL_RATINGS

from ..models import Cycle, Evaluation, EvaluationChange
from ..policy import allows
from .evaluations import readable_evaluations

CHANGES_PER_PAGE = 50
# The stored fields whose values are points (shown with two decimals).
SCORE_FIELDS = {
    "final_score",
    "base_score",
    "kpi_score",
    "manual_score",
    "review_adjustment",
    "calibration_adjustment",
    "appeal_adjustment",
}
GRADE_FIELDS = {"grade", "calibrated_grade"}
# Who made a change the product made by itself (a scheduled task): the actor filter's value.
SYSTEM = "system"


def may_read_cycle_log(user) -> bool:
    """Whether the user's role reads a cycle's change log (within their scope)."""
    return allows(user, "manage_cycles") or allows(user, "read_cycle_results")


def _hidden_from(user) -> Q:
    """The changes `user` may not see although he reads the evaluation: the manager's
    adjustment to the user's own evaluation while the manager's review is a draft."""
    return (
        Q(kind=EvaluationChange.Kind.REVIEW_ADJUSTMENT)
        & Q(evaluation__employee__user=user)
        & Q(evaluation__manager_submitted_at__isnull=True)
    )


def visible_changes(user) -> QuerySet:
    """The evaluation changes `user` may read: those of the evaluations he reads, less
    what stays hidden from the appraised person."""
    if not getattr(user, "is_authenticated", False):
        return EvaluationChange.objects.none()
    return EvaluationChange.objects.filter(evaluation__in=readable_evaluations(user)).exclude(
        _hidden_from(user)
    )


def cycle_changes(user, cycle: Cycle) -> QuerySet:
    """The changes of `cycle` the user may read in its log, newest first (empty unless the
    user's role reads cycle logs)."""
    if not may_read_cycle_log(user):
        return EvaluationChange.objects.none()
    return (
        visible_changes(user)
        .filter(evaluation__cycle=cycle)
        .select_related("evaluation__employee", "by__employee")
        .order_by("-at", "-pk")
    )


def filter_changes(
    changes: QuerySet, *, employee=None, actor=None, kind: str = "", search: str = ""
) -> QuerySet:
    """`changes` narrowed to one appraised person (an Employee id), one actor (a user id,
    or SYSTEM for the product's own changes), one kind, and an employee no. or name."""
    if employee:
        changes = changes.filter(evaluation__employee_id=employee)
    if actor == SYSTEM:
        changes = changes.filter(by__isnull=True)
    elif actor:
        changes = changes.filter(by_id=actor)
    if kind:
        changes = changes.filter(kind=kind)
    search = (search or "").strip()
    if search:
        changes = changes.filter(
            Q(evaluation__employee__employee_no__iexact=search)
            | Q(evaluation__employee__name__icontains=search)
        )
    return changes


def people_choices(user, cycle: Cycle) -> list[tuple[int, str]]:
    """The cycle's appraised people in the user's scope, for the employee filter: (id,
    "no. name"). One query."""
    rows = (
        readable_evaluations(user)
        .filter(cycle=cycle)
        .order_by("employee__employee_no")
        .values_list("employee_id", "employee__employee_no", "employee__name")
    )
    return [(pk, f"{no} {name}") for pk, no, name in rows]


def actor_choices(user, cycle: Cycle) -> list[tuple[str, str]]:
    """Who made the cycle's changes the user may read, for the actor filter: (user id or
    SYSTEM, name). One query."""
    rows = (
        cycle_changes(user, cycle)
        .order_by()
        .values_list("by_id", "by__employee__name", "by__username")
        .distinct()
    )
    found = {}
    for pk, name, username in rows:
        if pk is None:
            found[SYSTEM] = _("The system (scheduled task)")
        else:
            found[str(pk)] = name or username
    return sorted(found.items(), key=lambda pair: (pair[0] == SYSTEM, pair[1]))


@dataclass
class ChangeRow:
    change: EvaluationChange
    actor: str
    person: str
    employee_no: str
    kind: str
    field: str
    old: str
    new: str


def in_words(changes) -> list[ChangeRow]:
    """The changes as rows in the reader's language: the kind's label, the field's name,
    old and new as labels (states), grades and points with two decimals. The changes must
    come with their person and actor (select_related); the indicators' names cost two
    queries, once."""
    changes = list(changes)
    names = _indicator_names() if any(_needs_names(c.field) for c in changes) else {}
    rows = []
    for change in changes:
        by = change.by
        if by is None:
            actor = _("The system (scheduled task)")
        else:
            employee = getattr(by, "employee", None)
            actor = employee.name if employee is not None else by.get_username()
        person = change.evaluation.employee
        rows.append(
            ChangeRow(
                change=change,
                actor=actor,
                person=person.name,
                employee_no=person.employee_no,
                kind=change.get_kind_display(),
                field=field_label(change.field, names),
                old=value_text(change.field, change.old, names),
                new=value_text(change.field, change.new, names),
            )
        )
    return rows


def _needs_names(field: str) -> bool:
    return field == "targets" or field.startswith("figures.")


def _indicator_names() -> dict[str, str]:
    return {code: indicator.name() for code, indicator in (catalog(manual=False) | MANUAL_RATINGS).items()}


def field_label(field: str, names: dict) -> str:
    """A change's field as the reader names it: the evaluation's field label, or the
    indicator of a frozen figure."""
    if not field:
        return ""
    if field.startswith("figures."):
        code = field.partition(".")[2]
        return _("Figure of %(indicator)s") % {"indicator": names.get(code, code)}
    if field.startswith("months."):
        return _("Result of %(month)s") % {"month": field.partition(".")[2]}
    try:
        return str(Evaluation._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:  # a field the model no longer has: its stored name
        return field


def points(value) -> str:
    """Points with two decimals, "—" for none."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{value:.2f}"


def value_text(field: str, value, names: dict) -> str:
    """An old or new value in words (labels, not stored codes or JSON where a label exists)."""
    if value is None or value == "" or value == {} or value == []:
        return "—"
    if field == "state" and isinstance(value, str):
        return str(Evaluation.State(value).label) if value in Evaluation.State.values else value
    if field in GRADE_FIELDS and isinstance(value, str):
        return value
    if isinstance(value, dict) and "grade" in value:
        score = value.get("final_score", value.get("score"))
        return _("%(score)s points, grade %(grade)s") % {
            "score": points(score),
            "grade": value.get("grade") or "—",
        }
    if field == "targets" and isinstance(value, dict):
        return "; ".join(f"{names.get(code, code)} {_number(target)}" for code, target in value.items())
    if field.startswith("figures.") and isinstance(value, list) and value:
        shown = _number(value[0])
        if len(value) >= 3 and value[1] is not None and value[2] is not None:
            shown += f" ({_number(value[1])}/{_number(value[2])})"
        return shown
    if isinstance(value, int | float) and not isinstance(value, bool):
        return points(value) if field in SCORE_FIELDS else _number(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _number(value) -> str:
    """A number as short as it is exact to two decimals (12, 12.5, 12.35); other values as stored."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def evaluation_history(user, evaluation: Evaluation) -> list[ChangeRow]:
    """The changes of one evaluation `user` reads (the caller has checked he reads the
    evaluation; this asks again), oldest first, in words."""
    changes = (
        visible_changes(user)
        .filter(evaluation=evaluation)
        .select_related("evaluation__employee", "by__employee")
        .order_by("at", "pk")
    )
    return in_words(changes)


def cycle_audit_labels() -> None:
    """How the audit trail (/audit/, the admin's history pages) names what the cycle
    services record beyond the stage moves W registered (services.cycles
    .cycle_history_labels): the evaluation's changes, reviews, 360° requests, appeals and
    goals. Called from AppConfig.ready()."""
    from django.utils.translation import gettext_lazy

    from servicescore.core.history import register_history_labels

    from ..models import Appeal, FeedbackRequest, Goal

    register_history_labels(
        Evaluation,
        actions={
            "cycle.stage": gettext_lazy("stage changed"),
            "cycle.skip": gettext_lazy("stage skipped"),
            "cycle.targets": gettext_lazy("personal targets set"),
            "cycle.review_adjustment": gettext_lazy("manager adjustment"),
            "cycle.calibration": gettext_lazy("calibration adjustment"),
            "cycle.grade": gettext_lazy("grade calibrated"),
            "cycle.recalculation": gettext_lazy("score recalculated"),
            "cycle.exclusion": gettext_lazy("record excluded"),
            "cycle.appeal": gettext_lazy("appeal decided"),
            "cycle.appeal_filed": gettext_lazy("appeal filed"),
            "cycle.appeal_upheld": gettext_lazy("appeal decided: result upheld"),
            "cycle.appeal_adjusted": gettext_lazy("appeal decided: result adjusted"),
            "cycle.confirm": gettext_lazy("result confirmed"),
            "cycle.finalise": gettext_lazy("result final"),
            "cycle.self_review_draft": gettext_lazy("self review saved"),
            "cycle.self_review_submit": gettext_lazy("self review submitted"),
            "cycle.manager_review_draft": gettext_lazy("manager review saved"),
            "cycle.manager_review_submit": gettext_lazy("manager review submitted"),
            "cycle.second_review_draft": gettext_lazy("second-level review saved"),
            "cycle.second_review_submit": gettext_lazy("second-level review submitted"),
            "cycle.feedback_request": gettext_lazy("360° feedback requested"),
        },
        changes={
            "self_ratings": gettext_lazy("self-ratings"),
            "manager_ratings": gettext_lazy("manager's ratings"),
            "second_ratings": gettext_lazy("second-level ratings"),
            "feedback_request": gettext_lazy("360° feedback request"),
            "stage": gettext_lazy("stage"),
            "skip": gettext_lazy("stage skipped"),
            "freeze": gettext_lazy("data frozen"),
        },
        values={"state": dict(Evaluation.State.choices)},
    )
    register_history_labels(
        FeedbackRequest,
        actions={
            "cycle.feedback_submit": gettext_lazy("360° feedback submitted"),
            "cycle.feedback_decline": gettext_lazy("360° feedback declined"),
        },
    )
    register_history_labels(
        Appeal,
        actions={
            "appeal.request_info": gettext_lazy("more information requested"),
            "appeal.answer": gettext_lazy("information given"),
            "appeal.uphold": gettext_lazy("result upheld"),
            "appeal.adjust": gettext_lazy("result adjusted"),
            "appeal.escalate": gettext_lazy("escalated"),
        },
        values={"state": dict(Appeal.State.choices)},
    )
    register_history_labels(
        Goal,
        actions={
            "goal.add": gettext_lazy("goal added"),
            "goal.update": gettext_lazy("goal changed"),
            "goal.remove": gettext_lazy("goal removed"),
            "goal.mark": gettext_lazy("key result marked"),
        },
        changes={"goal": gettext_lazy("goal")},
    )
