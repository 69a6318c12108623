"""Reads of the follow-up queue (回访队列): the lists an agent works from, their counts, one
task with its calls, and an agent's own reach rate and CSAT. Each takes the requesting
user and starts from voice/scope_followups.py.

The lists of open tasks are disjoint, so that their counts add up to the day's work:
- overdue: never called and past its due time;
- due today: never called, due later today;
- retries today: called without reaching the customer, next try before tomorrow;
- later: the rest (due, or to be retried, from tomorrow on).
"""

import datetime

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404

from servicescore.core.periods import day_start, local_today

from .models import FollowUp, FollowUpTask
from .scope_followups import visible_followup_tasks

LISTS = ("due", "overdue", "retries", "later", "mine")
# A list page shows this many tasks, soonest first: more than a day's calls of one agent.
LIST_LIMIT = 200


def _tomorrow(now: datetime.datetime) -> datetime.datetime:
    return day_start(local_today(now) + datetime.timedelta(days=1))


def list_filters(now: datetime.datetime, employee_id: int | None) -> dict[str, Q]:
    """The filter of each list of open tasks at `now` (see the module's docstring)."""
    tomorrow = _tomorrow(now)
    fresh = Q(attempts=0)
    return {
        "overdue": fresh & Q(due_at__lt=now),
        "due": fresh & Q(due_at__gte=now, due_at__lt=tomorrow),
        "retries": Q(attempts__gt=0, next_try_at__lt=tomorrow),
        "later": (fresh & Q(due_at__gte=tomorrow)) | Q(attempts__gt=0, next_try_at__gte=tomorrow),
        "mine": Q(assigned_to_id=employee_id) if employee_id else Q(pk__in=[]),
    }


def queue_counts(user, *, now: datetime.datetime, employee=None) -> dict[str, int]:
    """How many open tasks in the user's scope each list holds (`employee`: the user's
    record, for "mine"). One query (after the scope's own look-ups)."""
    filters = list_filters(now, employee.pk if employee is not None else None)
    return (
        visible_followup_tasks(user, employee=employee, counting=True)
        .filter(state=FollowUpTask.State.OPEN)
        .aggregate(**{name: Count("pk", filter=q) for name, q in filters.items()})
    )


def queue_tasks(user, *, which: str, now: datetime.datetime, employee=None) -> list:
    """The open tasks of one list, soonest first (at most LIST_LIMIT), with the order, its
    customer, vehicle and centre and the agent joined: one query however many."""
    if which not in LISTS:
        raise Http404
    order = ("next_try_at", "due_at", "pk") if which == "retries" else ("due_at", "pk")
    return list(
        visible_followup_tasks(user, employee=employee)
        .filter(
            list_filters(now, employee.pk if employee is not None else None)[which],
            state=FollowUpTask.State.OPEN,
        )
        .select_related(
            "work_order__customer", "work_order__asset", "work_order__service_center", "assigned_to"
        )
        .order_by(*order)[:LIST_LIMIT]
    )


def followup_task(user, pk) -> FollowUpTask:
    """One task the user may see, with its order and the people on it, or 404."""
    task = (
        visible_followup_tasks(user)
        .select_related(
            "work_order__customer",
            "work_order__asset",
            "work_order__service_center",
            "work_order__technician",
            "work_order__advisor",
            "assigned_to",
        )
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404
    return task


def task_calls(task: FollowUpTask) -> QuerySet:
    """The calls made for a task (the caller found it in scope), newest first."""
    return (
        FollowUp.objects.filter(task=task).select_related("agent", "complaint").order_by("-called_at", "-pk")
    )


def agent_call_stats(employee, *, since: datetime.datetime) -> dict:
    """The employee's follow-up calls since `since`: how many, how many reached the
    customer, the reach rate (%) and the average satisfaction given (CSAT). One query."""
    calls = FollowUp.objects.filter(agent=employee, called_at__gte=since).aggregate(
        total=Count("pk"), reached=Count("pk", filter=Q(reached=True)), satisfaction=Avg("satisfied")
    )
    calls["reach_rate"] = round(100.0 * calls["reached"] / calls["total"], 1) if calls["total"] else None
    if calls["satisfaction"] is not None:
        calls["satisfaction"] = round(float(calls["satisfaction"]), 2)
    return calls
