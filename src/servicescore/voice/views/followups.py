"""Customer voice, followups: the pages.

- the queue (/voice/follow-ups/?list=due|overdue|retries|later|mine) with its counts;
- the call screen (/voice/follow-ups/<id>/): the order, the customer's phone, the calls
  made, and the outcome in a few taps; "take" assigns the task to the agent;
- "add to the follow-up queue" on a closed order's page, for managers;
- the customer-voice settings (/voice/follow-ups/settings/), for HR and administrators.

Views parse the request and call one selector or service; out-of-scope ids are 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicescore.core.errors import DomainError, Invalid
from servicescore.core.phones import mask_phone
from servicescore.core.roles import can_see_full_phone
from servicescore.org.scope import employee_of
from servicescore.workorders.models import State
from servicescore.workorders.scope import visible_work_orders

from .. import policy
from .. import selectors_followups as selectors
from ..models import FollowUpTask, VoicePolicy
from ..services import followups as services

LIST_LABELS = {
    "due": gettext_lazy("Due today"),
    "overdue": gettext_lazy("Overdue"),
    "retries": gettext_lazy("Retries today"),
    "later": gettext_lazy("Later"),
    "mine": gettext_lazy("Taken by me"),
}


def _require_agent(user):
    if not policy.may_work_followups(user):
        raise PermissionDenied


@login_required
def queue(request):
    """One list of the queue (due today by default) and the counts of all of them."""
    _require_agent(request.user)
    which = request.GET.get("list") or "due"
    if which not in selectors.LISTS:
        raise Http404
    now = timezone.now()
    employee = employee_of(request.user)
    counts = selectors.queue_counts(request.user, now=now, employee=employee)
    tasks = selectors.queue_tasks(request.user, which=which, now=now, employee=employee)
    full_phone = can_see_full_phone(request.user)
    for task in tasks:
        phone = task.work_order.customer.phone if task.work_order.customer_id else ""
        task.display_phone = phone if full_phone else mask_phone(phone)
    tabs = [{"key": key, "label": LIST_LABELS[key], "count": counts[key]} for key in selectors.LISTS]
    return render(
        request,
        "voice/followups/queue.html",
        {
            "tabs": tabs,
            "which": which,
            "which_label": LIST_LABELS[which],
            "tasks": tasks,
            "limit": selectors.LIST_LIMIT,
            "now": now,
        },
    )


def _back(value: str | None) -> str:
    """Where the call screen returns to: a list of the queue, never another site."""
    queue_url = reverse("voice:followup_queue")
    value = value or ""
    return value if value.startswith(queue_url + "?") or value == queue_url else queue_url


def _parse_call(post) -> dict:
    """The call form's fields as the service takes them; what cannot be parsed is passed on
    as given, so that the service names the error."""
    reached = post.get("reached")
    if reached not in ("yes", "no"):
        raise Invalid(_("Say whether the customer was reached."), field="reached")
    raw = (post.get("satisfied") or "").strip()
    satisfied = None
    if raw:
        try:
            satisfied = int(raw)
        except ValueError:
            satisfied = raw
    return {
        "reached": reached == "yes",
        "satisfied": satisfied,
        "note": post.get("note", ""),
        "issues": post.get("issues", ""),
        "open_complaint": post.get("open_complaint") == "on",
    }


@login_required
def task(request, pk):
    """The call screen: GET shows it, POST records the call's outcome. The scope first, so
    that a technician guessing ids gets 404 like an agent of another centre."""
    found = selectors.followup_task(request.user, pk)
    _require_agent(request.user)
    error = None
    status = 200
    values = {}
    if request.method == "POST":
        values = request.POST
        try:
            call = services.followup_record(task=found, by=request.user, **_parse_call(request.POST))
        except DomainError as problem:
            error, status = problem, problem.status
        else:
            if call.reached:
                messages.success(request, _("Call recorded: the customer was reached."))
            elif found.state == FollowUpTask.State.UNREACHABLE:
                messages.warning(
                    request, _("Call recorded: the customer is unreachable after every attempt.")
                )
            else:
                messages.info(
                    request,
                    _("Call recorded: try again at %(time)s.")
                    % {"time": timezone.localtime(found.next_try_at).strftime("%Y-%m-%d %H:%M")},
                )
            return redirect(_back(request.POST.get("back")))
    order = found.work_order
    phone = order.customer.phone if order.customer_id else ""
    full_phone = can_see_full_phone(request.user)
    employee = employee_of(request.user)
    return render(
        request,
        "voice/followups/task.html",
        {
            "task": found,
            "order": order,
            "order_visible": visible_work_orders(request.user).filter(pk=order.pk).exists(),
            "phone": phone if full_phone else mask_phone(phone),
            "dial": phone if full_phone else "",
            "calls": list(selectors.task_calls(found)),
            "is_open": found.state == FollowUpTask.State.OPEN,
            "taken_by_me": employee is not None and found.assigned_to_id == employee.pk,
            "error": error,
            "error_field": getattr(error, "field", None),
            "values": values,
            "scores": range(1, 6),
            "rules": VoicePolicy.current(),
            "back": _back(request.GET.get("back") or request.POST.get("back")),
        },
        status=status,
    )


@login_required
@require_POST
def take(request, pk):
    """The agent takes the task (assigned to him)."""
    found = selectors.followup_task(request.user, pk)
    _require_agent(request.user)
    try:
        services.followup_task_take(task=found, by=request.user)
    except DomainError as problem:
        messages.error(request, problem.message_text)
    else:
        messages.success(request, _("The task is yours."))
    return redirect("voice:followup_task", pk=found.pk)


@login_required
@require_POST
def add(request, order_pk):
    """A manager adds a closed work order to the queue (from the order's page)."""
    if not policy.may_queue_followups(request.user):
        raise PermissionDenied
    try:
        services.followup_task_add(by=request.user, order_id=order_pk)
    except DomainError as problem:
        if problem.status == 404:
            raise Http404 from None
        messages.error(request, problem.message_text)
    else:
        messages.success(request, _("Added to the follow-up queue."))
    return redirect("workorders:detail", pk=order_pk)


def work_order_followup_section(request, *, work_order, **_page) -> dict | None:
    """On a closed order's page, the manager's "add to the follow-up queue" button (the
    page found the order in his scope; the service checks it again)."""
    if work_order.state != State.CLOSED or not policy.may_queue_followups(request.user):
        return None
    existing = (
        FollowUpTask.objects.filter(work_order_id=work_order.pk).values_list("state", flat=True).first()
    )
    if existing == FollowUpTask.State.OPEN:
        return None
    return {"followup_order": work_order, "followup_again": existing is not None}


# --- the customer-voice settings ------------------------------------------------------------

HELP_TEXTS = {
    "survey_delay_minutes": gettext_lazy(
        "How long after closing the order the survey goes out; at most 24 hours."
    ),
    "survey_reminder_hours": gettext_lazy(
        "One reminder if the customer has not answered by then; 0 sends none."
    ),
    "survey_expiry_days": gettext_lazy("After this the link shows an expired page; 1 to 90 days."),
    "followup_sample_percent": gettext_lazy(
        "The share of the other closed orders that get a follow-up call, picked the same way each time."
    ),
    "followup_all_complaints": gettext_lazy("Call back every order a complaint was made about."),
    "followup_all_comebacks": gettext_lazy("Call back every order that is a comeback of an earlier one."),
    "followup_due_hours": gettext_lazy("A task is overdue this many hours after the order was closed."),
    "followup_max_attempts": gettext_lazy(
        "Unanswered calls before the customer counts as unreachable; 1 to 10."
    ),
    "followup_retry_hours": gettext_lazy("How long to wait after an unanswered call before trying again."),
    "complaint_sla_hours": gettext_lazy("A complaint not resolved within this time is escalated."),
    "fraud_fast_seconds": gettext_lazy(
        "Survey answers given faster than this after opening are flagged for review."
    ),
    "fraud_device_limit": gettext_lazy("A device answering more surveys than this within 7 days is flagged."),
    "fraud_top_marks_run": gettext_lazy("A longer run of top marks for one employee is flagged for review."),
}


class VoicePolicyForm(forms.ModelForm):
    class Meta:
        model = VoicePolicy
        fields = services.POLICY_FIELDS
        help_texts = HELP_TEXTS


@login_required
def settings_page(request):
    """Edit the customer-voice settings (HR, administrators); audited by the service."""
    if not policy.may_manage_surveys(request.user):
        raise PermissionDenied
    current = VoicePolicy.current()
    form = VoicePolicyForm(request.POST or None, instance=VoicePolicy.objects.get(pk=current.pk))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.voice_policy_update(by=request.user, values=form.cleaned_data)
            except ValidationError as problem:
                form.add_error(None, problem)
            else:
                messages.success(request, _("The customer-voice settings are saved."))
                return redirect("voice:settings")
        status = 422
    for field in form:
        css = "form-check-input" if isinstance(field.field.widget, forms.CheckboxInput) else "form-control"
        field.field.widget.attrs.setdefault("class", css + (" is-invalid" if field.errors else ""))
    return render(request, "voice/followups/settings.html", {"form": form}, status=status)
