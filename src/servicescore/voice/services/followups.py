"""Customer voice, followups: the writes (one transaction each, audited).

- `followup_task_queue`: on closing a work order, queue a follow-up call when the rules of
  VoicePolicy say so (every complaint, every comeback, a stable sample of the rest);
- `followup_task_cancel`: the order was cancelled, its open task goes with it;
- `followup_task_add`: a manager puts any closed order in the queue by hand;
- `followup_task_take`: an agent takes a task;
- `followup_record`: the outcome of one call (the call screen);
- `voice_policy_update`: the customer-voice settings page.

A FollowUp saved here queues the recompute of its agent's FOLLOWUP_* figures like any
other (kpi/auto_recompute.py listens to its post_save), so nothing is queued by hand.
"""

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicescore.core.audit import audit_record, diff, snapshot
from servicescore.core.errors import Conflict, Invalid, NotFound, Refused
from servicescore.org.scope import employee_of
from servicescore.workorders.models import State, WorkOrder
from servicescore.workorders.scope import visible_work_orders

from .. import policy
from ..errors import followups as codes
from ..models import Complaint, FollowUp, FollowUpTask, VoicePolicy
from ..scope_followups import visible_followup_tasks

# What a note or the issues of a call may hold: a few paragraphs, not a file.
TEXT_LIMIT = 5000
TASK_FIELDS = ["state", "reason", "due_at", "next_try_at", "attempts", "assigned_to", "closed_at"]


def in_sample(order_id: int, percent: int) -> bool:
    """Whether the order falls in the `percent` % sample: a stable hash of its id, so that a
    re-run (or another process) picks the same orders."""
    if percent <= 0:
        return False
    if percent >= 100:
        return True
    digest = hashlib.sha256(f"followup-sample:{order_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def followup_reason(order: WorkOrder, rules: VoicePolicy) -> str | None:
    """Why the closed order is due for a call (FollowUpTask.Reason), or None: a complaint
    first, then a comeback (an order with `rework_of`), then the sample."""
    if rules.followup_all_complaints and Complaint.objects.filter(work_order_id=order.pk).exists():
        return FollowUpTask.Reason.COMPLAINT
    if rules.followup_all_comebacks and order.rework_of_id is not None:
        return FollowUpTask.Reason.COMEBACK
    if in_sample(order.pk, rules.followup_sample_percent):
        return FollowUpTask.Reason.SAMPLE
    return None


def _created(task) -> dict:
    return {name: [None, value] for name, value in snapshot(task, TASK_FIELDS + ["work_order"]).items()}


def followup_task_queue(*, order: WorkOrder, by=None, now=None) -> FollowUpTask | None:
    """Queue the follow-up call of a just-closed order when VoicePolicy's rules pick it;
    due `followup_due_hours` after closing. Idempotent: an order has one task at most."""
    if order.state != State.CLOSED:
        return None
    existing = FollowUpTask.objects.filter(work_order_id=order.pk).first()
    if existing is not None:
        return existing
    rules = VoicePolicy.current()
    reason = followup_reason(order, rules)
    if reason is None:
        return None
    closed_at = order.closed_at or now or timezone.now()
    with transaction.atomic():
        task = FollowUpTask.objects.create(
            work_order=order,
            reason=reason,
            due_at=closed_at + datetime.timedelta(hours=rules.followup_due_hours),
        )
        audit_record(actor=by, action="create", obj=task, changes=_created(task))
    return task


def followup_task_cancel(*, order: WorkOrder, by=None, now=None) -> FollowUpTask | None:
    """The order was cancelled: its open follow-up task is cancelled too (the calls already
    made stay). None when it had no open task."""
    now = now or timezone.now()
    with transaction.atomic():
        task = FollowUpTask.objects.select_for_update().filter(work_order_id=order.pk).first()
        if task is None or task.state != FollowUpTask.State.OPEN:
            return None
        before = snapshot(task, TASK_FIELDS)
        task.state = FollowUpTask.State.CANCELLED
        task.closed_at = now
        task.next_try_at = None
        task.save(update_fields=["state", "closed_at", "next_try_at", "modified"])
        audit_record(actor=by, action="cancel", obj=task, changes=diff(before, snapshot(task, TASK_FIELDS)))
    return task


def followup_task_add(*, by, order_id: int, now=None) -> FollowUpTask:
    """A manager adds a closed work order in his scope to the queue (reason: by hand), due
    `followup_due_hours` from now. A finished or cancelled task of the order is opened
    again; an open one is a conflict."""
    if not policy.may_queue_followups(by):
        raise Refused(
            _("Your role may not add work orders to the follow-up queue."), code=codes.FOLLOWUP_ROLE
        )
    order = visible_work_orders(by).filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("No such work order."), code=codes.FOLLOWUP_NOT_FOUND)
    if order.state != State.CLOSED:
        raise Invalid(
            _("Only a closed work order can be added to the follow-up queue."),
            code=codes.FOLLOWUP_ORDER_NOT_CLOSED,
        )
    now = now or timezone.now()
    due_at = now + datetime.timedelta(hours=VoicePolicy.current().followup_due_hours)
    with transaction.atomic():
        task = FollowUpTask.objects.select_for_update().filter(work_order_id=order.pk).first()
        if task is None:
            task = FollowUpTask.objects.create(
                work_order=order, reason=FollowUpTask.Reason.MANUAL, due_at=due_at
            )
            audit_record(actor=by, action="create", obj=task, changes=_created(task))
            return task
        if task.state == FollowUpTask.State.OPEN:
            raise Conflict(
                _("This work order is already in the follow-up queue."), code=codes.FOLLOWUP_ALREADY_QUEUED
            )
        before = snapshot(task, TASK_FIELDS)
        task.state = FollowUpTask.State.OPEN
        task.reason = FollowUpTask.Reason.MANUAL
        task.due_at = due_at
        task.next_try_at = None
        task.attempts = 0
        task.closed_at = None
        task.save()
        audit_record(actor=by, action="reopen", obj=task, changes=diff(before, snapshot(task, TASK_FIELDS)))
    return task


def _agent(by):
    if not policy.may_work_followups(by):
        raise Refused(_("Your role may not work the follow-up queue."), code=codes.FOLLOWUP_ROLE)
    employee = employee_of(by)
    if employee is None:
        raise Refused(
            _("Your account has no employee record: calls are recorded for an agent."),
            code=codes.FOLLOWUP_NO_EMPLOYEE,
        )
    return employee


def _locked_task(by, task_id: int) -> FollowUpTask:
    """The task, locked for the write, if the user may see it; else not found."""
    task = (
        visible_followup_tasks(by)
        .select_for_update(of=("self",))
        .select_related("work_order")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound(_("No such follow-up task."), code=codes.FOLLOWUP_NOT_FOUND)
    if task.state != FollowUpTask.State.OPEN:
        raise Conflict(
            _("This follow-up task is no longer open (%(state)s).") % {"state": task.get_state_display()},
            code=codes.FOLLOWUP_TASK_NOT_OPEN,
        )
    return task


def followup_task_take(*, task: FollowUpTask, by) -> FollowUpTask:
    """The agent takes an open task in his scope (assigned to him). A task another agent
    took stays his, unless a manager or administrator takes it over."""
    employee = _agent(by)
    with transaction.atomic():
        locked = _locked_task(by, task.pk)
        if locked.assigned_to_id == employee.pk:
            return locked
        if locked.assigned_to_id is not None and not policy.may_queue_followups(by):
            raise Conflict(_("Another agent has taken this follow-up task."), code=codes.FOLLOWUP_TASK_TAKEN)
        before = snapshot(locked, TASK_FIELDS)
        locked.assigned_to = employee
        locked.save(update_fields=["assigned_to", "modified"])
        audit_record(actor=by, action="take", obj=locked, changes=diff(before, snapshot(locked, TASK_FIELDS)))
    return locked


def _check_call(*, reached, satisfied, note, issues, open_complaint):
    if len(note) > TEXT_LIMIT:
        raise Invalid(
            _("The note is too long (%(limit)s characters at most).") % {"limit": TEXT_LIMIT},
            code=codes.FOLLOWUP_TEXT_TOO_LONG,
            field="note",
        )
    if len(issues) > TEXT_LIMIT:
        raise Invalid(
            _("The issues are too long (%(limit)s characters at most).") % {"limit": TEXT_LIMIT},
            code=codes.FOLLOWUP_TEXT_TOO_LONG,
            field="issues",
        )
    if not reached:
        if satisfied is not None:
            raise Invalid(
                _("Give a satisfaction only when the customer was reached."),
                code=codes.FOLLOWUP_SATISFACTION_NOT_REACHED,
                field="satisfied",
            )
        if issues or open_complaint:
            raise Invalid(
                _("Issues and complaints come from a call that reached the customer."),
                code=codes.FOLLOWUP_SATISFACTION_NOT_REACHED,
                field="issues",
            )
        return
    if satisfied is not None and (
        isinstance(satisfied, bool) or not isinstance(satisfied, int) or not 1 <= satisfied <= 5
    ):
        raise Invalid(
            _("The satisfaction is a whole number from 1 to 5."),
            code=codes.FOLLOWUP_SATISFACTION_RANGE,
            field="satisfied",
        )
    if open_complaint and not issues:
        raise Invalid(
            _("Write down the issues the customer raised to open a complaint from them."),
            code=codes.FOLLOWUP_ISSUES_REQUIRED,
            field="issues",
        )


def _complaint_summary(issues: str) -> str:
    first = issues.strip().splitlines()[0].strip()
    return first if len(first) <= 200 else first[:199] + "…"


def followup_record(
    *,
    task: FollowUpTask,
    by,
    reached: bool,
    satisfied: int | None = None,
    note: str = "",
    issues: str = "",
    open_complaint: bool = False,
    now=None,
) -> FollowUp:
    """Record one call of an open task in the agent's scope. Reached: the task is done (and
    a complaint is opened from the issues when asked). Not reached: one more attempt, the
    next try `followup_retry_hours` later, or unreachable after `followup_max_attempts`."""
    employee = _agent(by)
    note = (note or "").strip()
    issues = (issues or "").strip()
    reached = bool(reached)
    _check_call(reached=reached, satisfied=satisfied, note=note, issues=issues, open_complaint=open_complaint)
    now = now or timezone.now()
    rules = VoicePolicy.current()
    with transaction.atomic():
        locked = _locked_task(by, task.pk)
        before = snapshot(locked, TASK_FIELDS)
        call = FollowUp.objects.create(
            task=locked,
            work_order=locked.work_order,
            agent=employee,
            called_at=now,
            reached=reached,
            satisfied=satisfied if reached else None,
            note=note,
            issues=issues,
        )
        locked.attempts += 1
        if locked.assigned_to_id is None:
            locked.assigned_to = employee
        if reached:
            locked.state = FollowUpTask.State.DONE
            locked.closed_at = now
            locked.next_try_at = None
        elif locked.attempts >= rules.followup_max_attempts:
            locked.state = FollowUpTask.State.UNREACHABLE
            locked.closed_at = now
            locked.next_try_at = None
        else:
            locked.next_try_at = now + datetime.timedelta(hours=rules.followup_retry_hours)
        locked.save()
        if reached and open_complaint:
            from .complaints import complaint_register

            call.complaint = complaint_register(
                by=by,
                work_order=locked.work_order,
                summary=_complaint_summary(issues),
                description=issues,
                source=Complaint.Source.FOLLOWUP,
                now=now,
            )
            call.save(update_fields=["complaint", "modified"])
        audit_record(
            actor=by,
            action="create",
            obj=call,
            changes={
                name: [None, value]
                for name, value in snapshot(
                    call,
                    [
                        "task",
                        "work_order",
                        "agent",
                        "called_at",
                        "reached",
                        "satisfied",
                        "note",
                        "issues",
                        "complaint",
                    ],
                ).items()
            },
        )
        audit_record(actor=by, action="call", obj=locked, changes=diff(before, snapshot(locked, TASK_FIELDS)))
    task.refresh_from_db()
    return call


POLICY_FIELDS = [
    "survey_delay_minutes",
    "survey_reminder_hours",
    "survey_expiry_days",
    "followup_sample_percent",
    "followup_all_complaints",
    "followup_all_comebacks",
    "followup_due_hours",
    "followup_max_attempts",
    "followup_retry_hours",
    "central_customer_service",
    "complaint_sla_hours",
    "fraud_fast_seconds",
    "fraud_device_limit",
    "fraud_top_marks_run",
]


def voice_policy_update(*, by, values: dict) -> VoicePolicy:
    """Change the customer-voice settings (HR, administrators): every value checked by the
    model's validators, nothing written when one is wrong; one audit entry with the diff."""
    if not policy.may_manage_surveys(by):
        raise Refused(_("Your role may not change the customer-voice settings."), code=codes.FOLLOWUP_ROLE)
    unknown = sorted(set(values) - set(POLICY_FIELDS))
    if unknown:
        raise Invalid(
            _("Unknown setting: %(name)s.") % {"name": unknown[0]},
            code=codes.VOICE_SETTINGS_INVALID,
            field=unknown[0],
        )
    with transaction.atomic():
        current = VoicePolicy.current()
        rules = VoicePolicy.objects.select_for_update().get(pk=current.pk)
        before = snapshot(rules, POLICY_FIELDS)
        for name, value in values.items():
            setattr(rules, name, value)
        try:
            rules.full_clean()
        except ValidationError as error:
            raise Invalid(
                {name: ValidationError(messages) for name, messages in error.message_dict.items()},
                code=codes.VOICE_SETTINGS_INVALID,
            ) from None
        changes = diff(before, snapshot(rules, POLICY_FIELDS))
        if changes:
            rules.save()
            audit_record(actor=by, action="update", obj=rules, changes=changes)
    return rules
