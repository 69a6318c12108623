"""Confirmation and appeals (申诉) of a published evaluation.

The appraised person confirms a published result, or appeals it (the whole result or some
items, with a reason and evidence files) within the cycle's window (`confirm_due`); after
the window the result is final (`finalise_due`, hourly). An appeal is decided by HR, an
administrator or the cycle's appeal reviewer — never the evaluation's reviewer or
second-level reviewer, never the appraised person — who may ask for more information,
uphold the result, or adjust it: leave a work order out of an indicator for this
evaluation only (the frozen figure loses that record's part of the numerator and
denominator, the evaluation is scored again) and/or change the score within the cycle's
adjustment limit. Every decision makes the evaluation final and tells the employee the
decision and its reason. An appeal not decided by its deadline is escalated once to HR
and the administrators (`escalate_overdue_appeals`).

Every service is keyword-only and one transaction; each change to a state or a score
leaves an EvaluationChange with its audit entry (services.evaluations.record_change). A
final evaluation is locked: nothing here changes it again.
"""

import os
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record
from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.core.models import User
from servicescore.core.notify import notify
from servicescore.core.periods import Period, add_working_days, company_zone, parse_span
from servicescore.core.roles import Role
from servicescore.core.uploads import check_document
from servicescore.kpi.catalog import catalog
from servicescore.kpi.compute import sample_of, value_of
from servicescore.kpi.derived import Formula
from servicescore.kpi.evidence import as_number, evidence
from servicescore.kpi.registry import DERIVED, FACTS
from servicescore.org.scope import employee_of
from servicescore.workorders.models import WorkOrder

from ..errors import (
    APPEAL_ADJUSTMENT_EMPTY,
    APPEAL_ADJUSTMENT_LIMIT,
    APPEAL_CLOSED,
    APPEAL_EVIDENCE_FILE,
    APPEAL_NOT_AN_ITEM,
    APPEAL_REASON_MISSING,
    CONFIRM_WINDOW_CLOSED,
    DECIDER_IS_REVIEWER,
    DECISION_TEXT_MISSING,
    EXCLUSION_NOT_AN_ITEM,
    EXCLUSION_NOT_BEHIND,
    EXCLUSION_NOT_SEPARABLE,
    EXCLUSION_REPEATED,
    NOT_A_DECIDER,
    NOT_OWN_EVALUATION,
    NOT_PUBLISHED,
)
from ..models import Appeal, AppealEvidence, Evaluation, EvaluationChange, Exclusion
from ..policy import allows
from ..selectors.evaluations import readable_evaluations
from .cycle_months import scored_from_months
from .evaluations import claim_revision, record_change, rescore, save_scored

# At most this many evidence files per appeal or answer; each within core.uploads'
# DOCUMENT_MAX_BYTES, checked by content.
MAX_EVIDENCE_FILES = 10
MAX_TEXT = 4000
OPEN_STATES = (Appeal.State.OPEN, Appeal.State.INFO_REQUESTED)


# --- who -------------------------------------------------------------------------------------
def decider_refusal(user, evaluation: Evaluation) -> Refused | None:
    """Why `user` may not decide an appeal against `evaluation` (None: they may). Deciders:
    HR and administrators (policy "decide_appeals") and the cycle's appeal reviewer; never
    the appraised person, the evaluation's reviewer or second-level reviewer (even HR).
    Needs the evaluation's employee and cycle loaded; one query for the user's employee."""
    if not getattr(user, "is_authenticated", False):
        return Refused(_("Sign in to decide appeals."), code=NOT_A_DECIDER)
    me = employee_of(user)
    mine = {me.pk} if me is not None else set()
    if evaluation.employee.user_id == user.pk or evaluation.employee_id in mine:
        return Refused(_("Nobody decides an appeal against their own result."), code=DECIDER_IS_REVIEWER)
    if mine & {evaluation.reviewer_id, evaluation.second_reviewer_id}:
        return Refused(
            _(
                "You reviewed this evaluation, so its appeal goes to someone else: HR or the cycle's "
                "appeal reviewer."
            ),
            code=DECIDER_IS_REVIEWER,
        )
    if allows(user, "decide_appeals"):
        return None
    if evaluation.cycle.appeal_reviewer_id is not None and evaluation.cycle.appeal_reviewer_id in mine:
        return None
    return Refused(
        _("Appeals are decided by HR, administrators or the cycle's appeal reviewer."), code=NOT_A_DECIDER
    )


def may_decide(user, evaluation: Evaluation) -> bool:
    return decider_refusal(user, evaluation) is None


def deciders(evaluation: Evaluation) -> list:
    """The users an appeal against `evaluation` goes to: the cycle's appeal reviewer and
    the active HR users, without the appraised person and the evaluation's reviewers."""
    barred = {
        pk for pk in (evaluation.employee_id, evaluation.reviewer_id, evaluation.second_reviewer_id) if pk
    }
    users = list(User.objects.filter(role=Role.HR, is_active=True).exclude(employee__pk__in=barred))
    reviewer = evaluation.cycle.appeal_reviewer
    if reviewer is not None and reviewer.pk not in barred and reviewer.user_id is not None:
        users.append(reviewer.user)
    return [
        user for user in {user.pk: user for user in users}.values() if user.pk != evaluation.employee.user_id
    ]


def _readable(by, pk, *, lock: bool = True) -> Evaluation:
    """The evaluation `pk` if `by` may read it, locked for the transaction; NotFound otherwise."""
    if not readable_evaluations(by).filter(pk=pk).exists():
        raise NotFound(_("No such evaluation."))
    rows = Evaluation.objects.select_related("cycle__appeal_reviewer__user", "employee", "version")
    if lock:
        rows = rows.select_for_update(of=("self",))
    return rows.get(pk=pk)


def _own(by, evaluation, *, now) -> Evaluation:
    """The caller's own published evaluation within its window, locked; the coded refusal
    otherwise (NotFound when the caller cannot read it at all)."""
    found = _readable(by, evaluation.pk)
    if found.employee.user_id != by.pk:
        raise Refused(
            _("Only %(name)s confirms or appeals this result.") % {"name": found.employee.name},
            code=NOT_OWN_EVALUATION,
        )
    window_over = found.confirm_due is not None and now >= found.confirm_due
    if found.state in (Evaluation.State.PUBLISHED, Evaluation.State.FINAL) and window_over:
        raise Refused(
            _("The window to confirm or appeal closed on %(due)s; the result is final.")
            % {"due": timezone.localtime(found.confirm_due, company_zone()).strftime("%Y-%m-%d %H:%M")},
            code=CONFIRM_WINDOW_CLOSED,
        )
    if found.state != Evaluation.State.PUBLISHED:
        message = {
            Evaluation.State.APPEALED: _("Your appeal against this result is being decided."),
            Evaluation.State.FINAL: _("This result is final."),
        }.get(found.state, _("This result is not published yet."))
        raise Conflict(message, code=NOT_PUBLISHED)
    return found


def _text(value, code, message, field) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(message, code=code, field=field)
    if len(text) > MAX_TEXT:
        raise Invalid(_("At most %(max)d characters, please.") % {"max": MAX_TEXT}, code=code, field=field)
    return text


def _checked_files(files) -> list:
    """The uploads, each checked by its content (never its name or type) and size; Invalid
    naming the first bad one. Nothing is written."""
    files = [upload for upload in (files or []) if upload]
    if len(files) > MAX_EVIDENCE_FILES:
        raise Invalid(
            _("At most %(max)d files per appeal.") % {"max": MAX_EVIDENCE_FILES},
            code=APPEAL_EVIDENCE_FILE,
            field="files",
        )
    for upload in files:
        try:
            check_document(upload)
        except ValidationError as error:
            raise Invalid(error.messages[0], code=APPEAL_EVIDENCE_FILE, field="files") from None
    return files


def _store_files(appeal: Appeal, files, by) -> None:
    for upload in files:
        name = os.path.basename(getattr(upload, "name", "") or "")[:200] or _("file")
        AppealEvidence.objects.create(appeal=appeal, file=upload, name=name, uploaded_by=by)


def _link(appeal: Appeal) -> str:
    return reverse("appraisal:appeal", args=[appeal.pk])


# --- confirmation ------------------------------------------------------------------------------
@transaction.atomic
def evaluation_confirm(*, by, evaluation: Evaluation, now=None) -> Evaluation:
    """The employee confirms their published result within the window: it becomes final."""
    now = now or timezone.now()
    found = _own(by, evaluation, now=now)
    claim_revision(found, None)
    found.finalise()
    found.confirmed_at = now
    found.save(update_fields=["state", "confirmed_at", "final_at", "modified"])
    record_change(
        found,
        kind=EvaluationChange.Kind.STAGE,
        by=by,
        field="state",
        old=Evaluation.State.PUBLISHED,
        new=Evaluation.State.FINAL,
        reason=_("Confirmed by the employee."),
        action="cycle.confirm",
    )
    return found


def finalise_due(now=None) -> int:
    """Published evaluations whose window has passed become final (locked). Returns how many."""
    now = now or timezone.now()
    due = list(
        Evaluation.objects.filter(state=Evaluation.State.PUBLISHED, confirm_due__lte=now).values_list(
            "pk", flat=True
        )
    )
    count = 0
    for pk in due:
        with transaction.atomic():
            found = (
                Evaluation.objects.select_for_update()
                .filter(pk=pk, state=Evaluation.State.PUBLISHED, confirm_due__lte=now)
                .first()
            )
            if found is None:
                continue
            claim_revision(found, None)
            found.finalise()
            found.save(update_fields=["state", "final_at", "modified"])
            record_change(
                found,
                kind=EvaluationChange.Kind.STAGE,
                by=None,
                field="state",
                old=Evaluation.State.PUBLISHED,
                new=Evaluation.State.FINAL,
                reason=_("The window to confirm or appeal passed."),
                action="cycle.finalise",
            )
            count += 1
    return count


# --- filing and answering -----------------------------------------------------------------------
@transaction.atomic
def appeal_file(*, by, evaluation: Evaluation, indicators=(), reason: str, files=(), now=None) -> Appeal:
    """The employee appeals their published result within the window: the whole result
    (`indicators` empty) or the items named, with a reason and evidence files. The
    evaluation becomes 'appealed'; the deciders are told."""
    now = now or timezone.now()
    found = _own(by, evaluation, now=now)
    reason = _text(reason, APPEAL_REASON_MISSING, _("Say why you appeal."), "reason")
    # a quarter or year scored from its months is appealed as a whole (its items' records
    # are appealed in the months' cycles)
    items = (
        set()
        if scored_from_months(found.cycle)
        else set(found.version.items.values_list("indicator", flat=True))
    )
    chosen = list(dict.fromkeys(str(code) for code in (indicators or [])))
    strangers = [code for code in chosen if code not in items]
    if strangers:
        raise Invalid(
            _("%(codes)s is not an item of your evaluation.") % {"codes": ", ".join(strangers)},
            code=APPEAL_NOT_AN_ITEM,
            field="indicators",
        )
    files = _checked_files(files)
    appeal = Appeal.objects.create(
        evaluation=found,
        indicators=chosen,
        reason=reason,
        by=by,
        due_at=add_working_days(now, found.cycle.appeal_days),
    )
    _store_files(appeal, files, by)
    claim_revision(found, None)
    found.appeal()
    found.save(update_fields=["state", "modified"])
    record_change(
        found,
        kind=EvaluationChange.Kind.STAGE,
        by=by,
        field="state",
        old=Evaluation.State.PUBLISHED,
        new=Evaluation.State.APPEALED,
        reason=reason,
        action="cycle.appeal_filed",
    )
    subject = _("%(name)s appeals their result in %(cycle)s") % {
        "name": found.employee.name,
        "cycle": found.cycle.name,
    }
    notify(recipients=deciders(found), subject=subject, body=reason, link=_link(appeal), kind="appeal", by=by)
    return appeal


def _appeal_locked(pk) -> Appeal:
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("evaluation__cycle__appeal_reviewer__user", "evaluation__employee__user")
        .get(pk=pk)
    )


@transaction.atomic
def appeal_answer(*, by, appeal: Appeal, text: str, files=()) -> Appeal:
    """The employee answers the decider's question (and may add files): the appeal is open again."""
    if not readable_evaluations(by).filter(pk=appeal.evaluation_id).exists():
        raise NotFound(_("No such appeal."))
    found = _appeal_locked(appeal.pk)
    if found.by_id != by.pk:
        raise Refused(_("Only the employee who appealed answers."), code=NOT_OWN_EVALUATION)
    if found.state != Appeal.State.INFO_REQUESTED:
        raise Conflict(_("Nobody asked for more information on this appeal."), code=APPEAL_CLOSED)
    text = _text(text, DECISION_TEXT_MISSING, _("Write your answer."), "text")
    files = _checked_files(files)
    _store_files(found, files, by)
    found.answer()
    found.info_response = text
    found.save(update_fields=["state", "info_response", "modified"])
    audit_record(actor=by, action="appeal.answer", obj=found, changes={"state": ["info_requested", "open"]})
    notify(
        recipients=deciders(found.evaluation),
        subject=_("%(name)s answered your question on their appeal")
        % {"name": found.evaluation.employee.name},
        body=text,
        link=_link(found),
        kind="appeal",
        by=by,
    )
    return found


# --- decisions -----------------------------------------------------------------------------------
def _for_decider(by, appeal: Appeal) -> Appeal:
    """The appeal locked, if `by` may decide it and it is still undecided."""
    if not readable_evaluations(by).filter(pk=appeal.evaluation_id).exists():
        raise NotFound(_("No such appeal."))
    found = _appeal_locked(appeal.pk)
    refusal = decider_refusal(by, found.evaluation)
    if refusal is not None:
        raise refusal
    if found.state not in OPEN_STATES:
        raise Conflict(_("This appeal has been decided already."), code=APPEAL_CLOSED)
    return found


def _tell_employee(appeal: Appeal, subject: str, body: str, by) -> None:
    user = appeal.evaluation.employee.user
    if user is not None:
        notify(recipients=[user], subject=subject, body=body, link=_link(appeal), kind="appeal", by=by)


@transaction.atomic
def appeal_request_info(*, by, appeal: Appeal, question: str) -> Appeal:
    """The decider asks the employee for more information; the employee is told."""
    found = _for_decider(by, appeal)
    if found.state != Appeal.State.OPEN:
        raise Conflict(_("The employee has not answered the last question yet."), code=APPEAL_CLOSED)
    question = _text(question, DECISION_TEXT_MISSING, _("Write your question."), "question")
    found.request_info()
    found.info_request = question
    found.save(update_fields=["state", "info_request", "modified"])
    audit_record(
        actor=by, action="appeal.request_info", obj=found, changes={"state": ["open", "info_requested"]}
    )
    _tell_employee(found, _("More information is asked for your appeal"), question, by)
    return found


@transaction.atomic
def appeal_uphold(*, by, appeal: Appeal, reason: str) -> Appeal:
    """The decider upholds the result: the score stays, the evaluation becomes final."""
    found = _for_decider(by, appeal)
    reason = _text(reason, DECISION_TEXT_MISSING, _("Give the reason for the decision."), "reason")
    before = found.state
    found.uphold()
    found.decision_reason, found.decided_by = reason, by
    found.save(update_fields=["state", "decision_reason", "decided_by", "decided_at", "modified"])
    audit_record(
        actor=by, action="appeal.uphold", obj=found, changes={"state": [before, found.state]}, reason=reason
    )
    evaluation = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("employee")
        .get(pk=found.evaluation_id)
    )
    claim_revision(evaluation, None)
    evaluation.finalise()
    evaluation.save(update_fields=["state", "final_at", "modified"])
    record_change(
        evaluation,
        kind=EvaluationChange.Kind.APPEAL,
        by=by,
        field="state",
        old=Evaluation.State.APPEALED,
        new=Evaluation.State.FINAL,
        reason=reason,
        action="cycle.appeal_upheld",
    )
    _tell_employee(found, _("Your appeal was decided: the result is upheld"), reason, by)
    return found


@dataclass
class Planned:
    """One exclusion worked out before anything is written."""

    indicator: str
    work_order: WorkOrder
    reason: str
    old: list
    new: list


def cycle_period(cycle) -> Period:
    """The cycle's period as a core.periods.Period (a year too)."""
    return parse_span(cycle.period)


def _not_separable(indicator) -> Invalid:
    return Invalid(
        _("%(code)s is not counted from work orders, so no work order can be left out of it.")
        % {"code": indicator.code},
        code=EXCLUSION_NOT_SEPARABLE,
        field="exclusions",
    )


def exclusion_sections(evaluation: Evaluation, indicator, period: Period | None = None) -> list:
    """kpi's evidence sections behind `indicator` for the evaluation's person and period,
    when each record of them links to a work order; Invalid when the evidence cannot give
    a work order's part (derived, manual or imported figures). No query."""
    if indicator.family in (DERIVED, FACTS) or indicator.shape in ("manual", "fact", "derived"):
        raise _not_separable(indicator)
    found = evidence(indicator, evaluation.employee, period or cycle_period(evaluation.cycle))
    if not found.sections or any(section.order_field is None for section in found.sections):
        raise _not_separable(indicator)
    return found.sections


def record_part(evaluation: Evaluation, indicator, work_order_id: int, period: Period | None = None):
    """(numerator part, denominator part, records) of one work order's records behind
    `indicator` for the evaluation's person and period, from kpi's evidence; Invalid when
    the evidence cannot give a record's part. One query per section."""
    numerator = denominator = 0
    records = 0
    for section in exclusion_sections(evaluation, indicator, period):
        sums = {"records": Count("pk")}
        if section.numerator is not None:
            sums["numerator"] = Sum("numerator_part")
        if section.denominator is not None:
            sums["denominator"] = Sum("denominator_part")
        row = section.records.filter(**{section.order_field: work_order_id}).aggregate(**sums)
        records += row["records"] or 0
        if section.numerator is not None:
            numerator += as_number(row["numerator"], section.convert) or 0
        if section.denominator is not None:
            denominator += as_number(row["denominator"]) or 0
    return numerator, denominator, records


def _plain(number):
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _without(indicator, stored: list, numerator_part, denominator_part) -> list:
    """The frozen figure [value, numerator, denominator, sample] less one record's parts."""
    value, numerator, denominator, *rest = list(stored) + [None] * (4 - len(stored))
    if numerator is None or (indicator.has_denominator and denominator is None):
        raise Invalid(
            _("The frozen figure of %(code)s has no numerator and denominator to take a record out of.")
            % {"code": indicator.code},
            code=EXCLUSION_NOT_SEPARABLE,
            field="exclusions",
        )
    numerator = _plain(float(numerator) - float(numerator_part))
    if indicator.has_denominator:
        denominator = _plain(float(denominator) - float(denominator_part))
    new_value = value_of(indicator, numerator, denominator)
    return [new_value, numerator, denominator, sample_of(indicator, numerator, denominator)]


def _work_order(value) -> WorkOrder | None:
    if isinstance(value, WorkOrder):
        return value
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return WorkOrder.objects.filter(pk=pk).first()


def plan_exclusions(evaluation: Evaluation, exclusions, default_reason: str) -> tuple[list[Planned], dict]:
    """Each (indicator, work order, reason) checked and its new figure worked out, in order
    (two on one indicator compound); the evaluation's figures after all of them. Invalid
    for the first bad one; nothing is written."""
    items = set(evaluation.version.items.values_list("indicator", flat=True))
    known = catalog()
    figures = {code: list(stored) for code, stored in (evaluation.figures or {}).items()}
    taken = set(evaluation.exclusions.values_list("indicator", "work_order_id"))
    period = cycle_period(evaluation.cycle)
    planned = []
    for entry in exclusions:
        code, order, reason = (list(entry) + ["", "", ""])[:3]
        code = str(code or "")
        if code not in items or code not in known:
            raise Invalid(
                _("%(code)s is not an item of this evaluation.") % {"code": code or "—"},
                code=EXCLUSION_NOT_AN_ITEM,
                field="exclusions",
            )
        indicator = known[code]
        work_order = _work_order(order)
        if work_order is None:
            raise Invalid(
                _("No such work order behind %(code)s for this person and period.") % {"code": code},
                code=EXCLUSION_NOT_BEHIND,
                field="exclusions",
            )
        if (code, work_order.pk) in taken:
            raise Invalid(
                _("Work order %(order)s is already left out of %(code)s.")
                % {"order": work_order.external_id, "code": code},
                code=EXCLUSION_REPEATED,
                field="exclusions",
            )
        if code not in figures:
            raise Invalid(
                _("The frozen figure of %(code)s has no numerator and denominator to take a record out of.")
                % {"code": code},
                code=EXCLUSION_NOT_SEPARABLE,
                field="exclusions",
            )
        numerator, denominator, records = record_part(evaluation, indicator, work_order.pk, period)
        if not records:
            raise Invalid(
                _("Work order %(order)s is not among the records behind %(code)s for this person and period.")
                % {"order": work_order.external_id, "code": code},
                code=EXCLUSION_NOT_BEHIND,
                field="exclusions",
            )
        old = figures[code]
        new = _without(indicator, old, numerator, denominator)
        figures[code] = new
        taken.add((code, work_order.pk))
        planned.append(
            Planned(code, work_order, (str(reason or "").strip() or default_reason)[:MAX_TEXT], old, new)
        )
    _derive_again(figures, {entry.indicator for entry in planned}, known)
    return planned, figures


def _derive_again(figures: dict, changed: set, known: dict) -> None:
    """Derived figures that use a changed indicator, worked out again from the figures."""
    for code, stored in figures.items():
        indicator = known.get(code)
        if indicator is None or indicator.family != DERIVED:
            continue
        formula = Formula(indicator.expression)
        if not formula.names & changed:
            continue
        values = {name: (figures.get(name) or [None])[0] for name in formula.names}
        value, _note = formula.evaluate(values)
        figures[code] = [value, *list(stored)[1:]]


def _adjustment(value, limit) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number != number or abs(number) > float(limit):
        raise Invalid(
            _("A score change is a number of points from -%(limit)s to %(limit)s.") % {"limit": f"{limit:g}"},
            code=APPEAL_ADJUSTMENT_LIMIT,
            field="adjustment",
        )
    return number or None


@transaction.atomic
def appeal_adjust(*, by, appeal: Appeal, reason: str, exclusions=(), adjustment=None) -> Appeal:
    """The decider adjusts the result: each (indicator, work order, reason) in `exclusions`
    leaves that work order out of that indicator for this evaluation only, and
    `adjustment` (points, within the cycle's limit) is added to the evaluation's appeal
    adjustment (its own field: calibration's stays as calibration left it); the
    evaluation is scored again and becomes final."""
    found = _for_decider(by, appeal)
    reason = _text(reason, DECISION_TEXT_MISSING, _("Give the reason for the decision."), "reason")
    evaluation = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("cycle", "employee", "version")
        .get(pk=found.evaluation_id)
    )
    points = _adjustment(adjustment, evaluation.cycle.adjustment_limit)
    exclusions = list(exclusions or [])
    if not exclusions and points is None:
        raise Invalid(
            _("Leave out at least one work order or change the score; otherwise uphold the result."),
            code=APPEAL_ADJUSTMENT_EMPTY,
            field="exclusions",
        )
    planned, figures = plan_exclusions(evaluation, exclusions, reason)
    old_score, old_grade = evaluation.final_score, evaluation.shown_grade
    claim_revision(evaluation, None)
    for entry in planned:
        Exclusion.objects.create(
            evaluation=evaluation,
            appeal=found,
            indicator=entry.indicator,
            work_order=entry.work_order,
            reason=entry.reason,
            by=by,
        )
        record_change(
            evaluation,
            kind=EvaluationChange.Kind.EXCLUSION,
            by=by,
            field=f"figures.{entry.indicator}",
            old=entry.old,
            new=entry.new,
            reason=_("Work order %(order)s left out: %(reason)s")
            % {"order": entry.work_order.external_id, "reason": entry.reason},
        )
    evaluation.figures = figures
    fields = ["figures", "state", "final_at"]
    if points is not None:
        old_adjustment = evaluation.appeal_adjustment
        evaluation.appeal_adjustment = old_adjustment + points
        fields.append("appeal_adjustment")
        record_change(
            evaluation,
            kind=EvaluationChange.Kind.APPEAL,
            by=by,
            field="appeal_adjustment",
            old=old_adjustment,
            new=evaluation.appeal_adjustment,
            reason=reason,
        )
    rescore(evaluation)
    evaluation.finalise()
    save_scored(evaluation, fields)
    record_change(
        evaluation,
        kind=EvaluationChange.Kind.APPEAL,
        by=by,
        field="final_score",
        old={"score": old_score, "grade": old_grade},
        new={"score": evaluation.final_score, "grade": evaluation.shown_grade},
        reason=reason,
        action="cycle.appeal_adjusted",
    )
    before = found.state
    found.adjust()
    found.decision_reason, found.decided_by = reason, by
    found.save(update_fields=["state", "decision_reason", "decided_by", "decided_at", "modified"])
    audit_record(
        actor=by, action="appeal.adjust", obj=found, changes={"state": [before, found.state]}, reason=reason
    )
    score = "—" if evaluation.final_score is None else f"{evaluation.final_score:.1f}"
    _tell_employee(
        found,
        _("Your appeal was decided: the result is adjusted to %(score)s (%(grade)s)")
        % {"score": score, "grade": evaluation.shown_grade or "—"},
        reason,
        by,
    )
    return found


# --- deadlines -------------------------------------------------------------------------------------
def escalate_overdue_appeals(now=None) -> int:
    """Appeals still open or waiting for an answer past their deadline are escalated once:
    marked, audited and told to HR and the administrators. Returns how many."""
    now = now or timezone.now()
    overdue = list(
        Appeal.objects.filter(state__in=OPEN_STATES, due_at__lt=now, escalated_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if not overdue:
        return 0
    told = list(
        User.objects.filter(is_active=True, role__in=[Role.HR, Role.ADMIN])
        | User.objects.filter(is_active=True, is_superuser=True)
    )
    count = 0
    for pk in overdue:
        with transaction.atomic():
            found = (
                Appeal.objects.select_for_update(of=("self",))
                .select_related("evaluation__employee", "evaluation__cycle")
                .filter(pk=pk, state__in=OPEN_STATES, escalated_at__isnull=True)
                .first()
            )
            if found is None:
                continue
            found.escalated_at = now
            found.save(update_fields=["escalated_at", "modified"])
            audit_record(
                actor=None,
                action="appeal.escalate",
                obj=found,
                changes={"escalated_at": [None, now.isoformat()]},
            )
            recipients = [user for user in told if user.pk != found.evaluation.employee.user_id]
            notify(
                recipients=recipients,
                subject=_("Appeal past its deadline: %(name)s, %(cycle)s")
                % {"name": found.evaluation.employee.name, "cycle": found.evaluation.cycle.name},
                link=_link(found),
                kind="appeal_escalated",
            )
            count += 1
    return count
