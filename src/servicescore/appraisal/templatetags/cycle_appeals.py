"""`{% evaluation_appeal evaluation %}`: the evaluation page's confirmation and appeal
panel (`_evaluation_appeal.html` includes it with `evaluation` and `request`): confirm or
appeal within the window for the appraised person; the appeals with their questions,
decisions and exclusions for everyone who reads the evaluation."""

from django import template

from ..selectors.appeals import evaluation_appeal_panel

register = template.Library()


@register.inclusion_tag("appraisal/cycles/appeal_panel.html", takes_context=True)
def evaluation_appeal(context, evaluation):
    request = context["request"]
    panel = evaluation_appeal_panel(request.user, evaluation)
    panel.update(request=request, csrf_token=context.get("csrf_token"))
    match = getattr(request, "resolver_match", None)
    if request.method == "POST" and match is not None and match.url_name == "appeal_file":
        # A refused appeal: the form stays open with what was typed.
        panel.update(
            form_open=True,
            posted_reason=request.POST.get("reason", ""),
            posted_indicators=request.POST.getlist("indicators"),
        )
    return panel
