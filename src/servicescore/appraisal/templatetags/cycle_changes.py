"""`{% evaluation_history evaluation %}`: the evaluation page's history card — the
changes to this evaluation the viewer may read (selectors/cycle_changes.py), with their
reasons, and for those who read the cycle's log a link to it narrowed to this person."""

from django import template
from django.urls import reverse

from ..selectors.cycle_changes import evaluation_history as history_of
from ..selectors.cycle_changes import may_read_cycle_log

register = template.Library()


@register.inclusion_tag("appraisal/cycles/_evaluation_history.html", takes_context=True)
def evaluation_history(context, evaluation):
    user = context["request"].user
    log = ""
    if may_read_cycle_log(user):
        log = (
            reverse("appraisal:cycle_changes", args=[evaluation.cycle_id])
            + f"?employee={evaluation.employee_id}"
        )
    return {"rows": history_of(user, evaluation), "log_link": log}


@register.simple_tag(takes_context=True)
def cycle_log_link(context, cycle) -> str:
    """The cycle's change log for those who read it, else ""."""
    if not may_read_cycle_log(context["request"].user):
        return ""
    return reverse("appraisal:cycle_changes", args=[cycle.pk])
