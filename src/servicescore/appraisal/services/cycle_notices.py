"""The messages of an appraisal cycle, in the inbox and by e-mail (core.notify): "your
turn" when a stage opens, the result when it is published, and the scheduled reminders —
"due tomorrow" the day before a step's deadline and "late" after it, to whoever must act,
with the late people listed for the cycle's creator.

Each message is sent once per evaluation, step, kind and recipient: a CycleReminder row
is written first (its unique key makes two runs at once safe — the second fails to
insert and sends nothing) and the message goes with it in the same savepoint."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from servicescore.core.notify.services import notify
from servicescore.core.periods import local_today

from ..models import Cycle, CycleReminder, Evaluation
from ..selectors.cycles import STEP_DUE, evaluation_link
from .cycles import has_left, pending_step

KIND = "appraisal_cycle"
# The stages whose steps remind (calibration and 360° wait on no one person per evaluation).
OPEN_STAGES = (
    Cycle.Stage.TARGETS,
    Cycle.Stage.SELF_REVIEW,
    Cycle.Stage.MANAGER_REVIEW,
    Cycle.Stage.FEEDBACK,
    Cycle.Stage.CALIBRATION,
)


def _actor(evaluation: Evaluation, role: str | None):
    """The user account of who must act, or None (nobody acts on a leaver's evaluation:
    services/cycles.py, Leavers)."""
    if role is None or has_left(evaluation):
        return None
    person = evaluation.employee if role == "employee" else getattr(evaluation, role)
    user = getattr(person, "user", None) if person is not None else None
    return user if user is not None and user.is_active else None


def _send_once(
    evaluation: Evaluation, step: str, kind: str, recipient, *, subject: str, body: str, link: str
) -> bool:
    """Record the reminder and send it, unless it was sent before (or is being sent by a
    run at the same time). Whether it was sent now."""
    try:
        with transaction.atomic():
            CycleReminder.objects.create(evaluation=evaluation, step=step, kind=kind, recipient=recipient)
            notify(recipients=[recipient], subject=subject, body=body, link=link, kind=KIND)
    except IntegrityError:
        return False
    return True


def _language(user) -> str:
    """The language messages are written in: the company's (users have no language of
    their own; the pages follow the browser)."""
    return settings.LANGUAGE_CODE


def _turn_text(evaluation: Evaluation, step: str) -> tuple[str, str]:
    cycle = evaluation.cycle
    if step == Cycle.Stage.TARGETS:
        subject = _("%(cycle)s: please confirm your targets") % {"cycle": cycle.name}
        body = _(
            "Your appraisal for %(period)s has started. Read your template and targets and confirm them."
        )
    elif step == Cycle.Stage.SELF_REVIEW:
        subject = _("%(cycle)s: your self review") % {"cycle": cycle.name}
        body = _("The figures of %(period)s are frozen and scored. Write your self review.")
    else:
        subject = _("%(cycle)s: please review %(name)s") % {
            "cycle": cycle.name,
            "name": evaluation.employee.name,
        }
        body = _("%(name)s's appraisal for %(period)s is waiting for your review.")
    return subject, body % {"period": cycle.period, "name": evaluation.employee.name}


def notify_turn(evaluations, step: str, *, by=None, groups: bool = False) -> int:
    """Tell whoever must act on each evaluation at `step` (a cycle stage) that it is their
    turn, once each, with a link to the evaluation; with `groups` (a whole stage opening)
    also post it to the people's group channels (`post_stage`). The number of messages
    sent to people."""
    evaluations = list(evaluations)
    if groups and evaluations:
        post_stage(evaluations[0].cycle, step, evaluations, by=by)
    sent = 0
    for evaluation in evaluations:
        role = "reviewer" if step == Cycle.Stage.MANAGER_REVIEW else "employee"
        recipient = _actor(evaluation, role)
        if recipient is None:
            continue
        with override(_language(recipient)):
            subject, body = _turn_text(evaluation, step)
        sent += _send_once(
            evaluation,
            step,
            "turn",
            recipient,
            subject=subject,
            body=body,
            link=evaluation_link(evaluation.pk),
        )
    return sent


def notify_published(evaluations, *, by=None) -> int:
    """Tell each person their result is published and until when they may confirm or
    appeal it, and post it to their group channels (`post_stage`)."""
    evaluations = list(evaluations)
    if evaluations:
        post_stage(evaluations[0].cycle, Cycle.Stage.PUBLISHED, evaluations, by=by)
    sent = 0
    for evaluation in evaluations:
        recipient = _actor(evaluation, "employee")
        if recipient is None:
            continue
        due = (
            timezone.localtime(evaluation.confirm_due).strftime("%Y-%m-%d %H:%M")
            if evaluation.confirm_due
            else ""
        )
        with override(_language(recipient)):
            subject = _("%(cycle)s: your result is published") % {"cycle": evaluation.cycle.name}
            body = _("Your grade is %(grade)s. Confirm it or appeal by %(due)s.") % {
                "grade": evaluation.shown_grade or "—",
                "due": due,
            }
        sent += _send_once(
            evaluation,
            Cycle.Stage.PUBLISHED,
            "turn",
            recipient,
            subject=subject,
            body=body,
            link=evaluation_link(evaluation.pk),
        )
    return sent


def send_due_reminders(now: datetime.datetime | None = None) -> dict:
    """The scheduled job (hourly): for each open cycle, each evaluation waiting on someone
    for its step — "due tomorrow" on the day before the step's deadline, "late" after it
    (and the newly late people listed for the cycle's creator). Each message once."""
    today = local_today(now or timezone.now())
    counts = {"due": 0, "late": 0, "creator": 0, "groups": 0}
    cycles = Cycle.objects.filter(stage__in=OPEN_STAGES).select_related("created_by")
    for cycle in cycles:
        windows = {}
        for state, name in STEP_DUE.items():
            due = getattr(cycle, name)
            if due is None:
                continue
            if due == today + datetime.timedelta(days=1):
                windows[state] = "due"
            elif due < today:
                windows[state] = "late"
        if not windows:
            continue
        evaluations = (
            Evaluation.objects.filter(cycle=cycle, state__in=list(windows))
            .select_related("employee__user", "reviewer__user", "second_reviewer__user")
            .order_by("pk")
        )
        newly_late = []
        for evaluation in evaluations:
            evaluation.cycle = cycle
            role = pending_step(evaluation, cycle)
            recipient = _actor(evaluation, role)
            if recipient is None:
                continue
            kind = windows[evaluation.state]
            due = getattr(cycle, STEP_DUE[evaluation.state])
            with override(_language(recipient)):
                if kind == "due":
                    subject = _("%(cycle)s: due tomorrow") % {"cycle": cycle.name}
                    body = _("%(name)s's appraisal step “%(step)s” is due on %(due)s.")
                else:
                    subject = _("%(cycle)s: overdue") % {"cycle": cycle.name}
                    body = _("%(name)s's appraisal step “%(step)s” was due on %(due)s and is not done.")
                body = body % {
                    "name": evaluation.employee.name,
                    "step": evaluation.get_state_display(),
                    "due": due,
                }
            if _send_once(
                evaluation,
                evaluation.state,
                kind,
                recipient,
                subject=subject,
                body=body,
                link=evaluation_link(evaluation.pk),
            ):
                counts[kind] += 1
                if kind == "late":
                    newly_late.append(evaluation)
        counts["creator"] += _tell_creator(cycle, newly_late)
        counts["groups"] += post_late(cycle, newly_late)
    return counts


def _tell_creator(cycle: Cycle, late: list[Evaluation]) -> int:
    """One message to the cycle's creator listing the people who became late now."""
    creator = cycle.created_by
    if creator is None or not creator.is_active or not late:
        return 0
    rows = [CycleReminder(evaluation=ev, step=ev.state, kind="late", recipient=creator) for ev in late]
    fresh = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save()
            fresh.append(row.evaluation)
        except IntegrityError:
            continue
    if not fresh:
        return 0
    by_step = defaultdict(list)
    for ev in fresh:
        by_step[ev.get_state_display()].append(ev.employee.name)
    with override(_language(creator)):
        subject = _("%(cycle)s: %(count)s people are late") % {"cycle": cycle.name, "count": len(fresh)}
        body = "\n".join(f"{step}: {', '.join(names)}" for step, names in by_step.items())
    from django.urls import reverse

    notify(
        recipients=[creator],
        subject=subject,
        body=body,
        link=reverse("appraisal:cycle", args=[cycle.pk]),
        kind=KIND,
    )
    return 1


# --- the units' group channels (WeCom, DingTalk and Feishu robots, group mailboxes) --------
# One message per group when a stage opens or the results are published, and the people
# who became late listed in their group: service teams run their day in these groups, so
# the cycle's turns are seen there too. A group is the unit's own channels or its nearest
# ancestor's (org.notify); nothing is posted where no unit up the tree has one.


def _group_text(cycle: Cycle, step: str, count: int, due) -> tuple[str, str]:
    values = {"cycle": cycle.name, "count": count, "due": due or "—"}
    if step == Cycle.Stage.TARGETS:
        subject = _("%(cycle)s has started: confirm your targets")
        body = _(
            "%(count)s people here: confirm your template and targets under “My appraisal tasks” by %(due)s."
        )
    elif step == Cycle.Stage.SELF_REVIEW:
        subject = _("%(cycle)s: self reviews are open")
        body = _("%(count)s people here: write your self review under “My appraisal tasks” by %(due)s.")
    elif step == Cycle.Stage.MANAGER_REVIEW:
        subject = _("%(cycle)s: manager reviews are open")
        body = _("%(count)s people here wait for their reviewer's review, due %(due)s.")
    else:
        subject = _("%(cycle)s: results are published")
        body = _("%(count)s people here can read their result, and confirm or appeal it by %(due)s.")
    return subject % values, body % values


def _by_group(evaluations) -> dict:
    """The unit whose channels reach each evaluation's people → those evaluations (leavers
    left out). Three queries whatever the number."""
    from servicescore.org.models import OrgUnit
    from servicescore.org.notify import channel_owners

    evaluations = [ev for ev in evaluations if not has_left(ev)]
    units = OrgUnit.objects.in_bulk({ev.org_unit_id for ev in evaluations})
    owners = channel_owners(units.values())
    groups = defaultdict(list)
    for ev in evaluations:
        owner = owners.get(ev.org_unit_id)
        if owner is not None:
            groups[owner].append(ev)
    return groups


def post_stage(cycle: Cycle, step: str, evaluations, *, by=None) -> int:
    """Post that `step` (a stage, or published) has opened to the group channels of the
    evaluations' people, one message per group. The number of groups posted to."""
    from django.urls import reverse

    from servicescore.org.notify import notify_unit

    groups = _by_group(evaluations)
    for owner, mine in groups.items():
        if step == Cycle.Stage.PUBLISHED:
            dues = [ev.confirm_due for ev in mine if ev.confirm_due]
            due = timezone.localtime(min(dues)).strftime("%Y-%m-%d") if dues else None
        else:
            name = STEP_DUE.get(step)
            due = getattr(cycle, name) if name else None
        with override(settings.LANGUAGE_CODE):
            subject, body = _group_text(cycle, step, len(mine), due)
        notify_unit(unit=owner, subject=subject, body=body, link=reverse("appraisal:todo"), kind=KIND, by=by)
    return len(groups)


def post_late(cycle: Cycle, late: list[Evaluation]) -> int:
    """List the people who became late in their group channels, by step. The number of
    groups posted to."""
    from django.urls import reverse

    from servicescore.org.notify import notify_unit

    groups = _by_group(late)
    for owner, mine in groups.items():
        by_step = defaultdict(list)
        for ev in mine:
            by_step[ev.get_state_display()].append(ev.employee.name)
        with override(settings.LANGUAGE_CODE):
            subject = _("%(cycle)s: %(count)s people here are late") % {
                "cycle": cycle.name,
                "count": len(mine),
            }
            body = "\n".join(f"{step}: {', '.join(names)}" for step, names in by_step.items())
        notify_unit(unit=owner, subject=subject, body=body, link=reverse("appraisal:todo"), kind=KIND)
    return len(groups)
