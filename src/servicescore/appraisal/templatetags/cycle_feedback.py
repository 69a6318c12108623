"""The 360° feedback panel of the evaluation page (`{% evaluation_feedback evaluation
request %}`, used by appraisal/cycles/_evaluation_feedback.html): what the reader may see
of the feedback (selectors/feedback.py's rule) and, for the reviewer, the invitation form."""

from django import template

from ..selectors.feedback import evaluation_feedback as feedback_for

register = template.Library()


@register.inclusion_tag("appraisal/cycles/feedback_panel.html")
def evaluation_feedback(evaluation, request):
    """The panel's context for the signed-in reader of `evaluation`."""
    context = feedback_for(request.user, evaluation)
    context.update(evaluation=evaluation, request=request)
    return context
