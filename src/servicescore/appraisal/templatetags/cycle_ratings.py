"""Links to the team rating screen of a cycle (/appraisal/cycles/<pk>/ratings/), for a
reviewer who owes more than one review there:

- `{% team_ratings_links tasks %}` on the to-do list: one link per cycle with several
  review tasks, read from the tasks themselves (no query);
- `{% cycle_ratings_link cycle %}` on the cycle page: " · Team ratings (n)" when the user
  owes more than one review in the cycle (three small queries), nothing otherwise."""

from collections import Counter

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from servicescore.org.scope import employee_of

from ..selectors.cycle_ratings import reviews_to_write

register = template.Library()


@register.inclusion_tag("appraisal/cycles/_cycle_ratings_links.html")
def team_ratings_links(tasks):
    """The cycles where the to-do list holds more than one review for the user."""
    counts = Counter(task.cycle_id for task in tasks if task.kind == "review" and task.cycle_id)
    names = {task.cycle_id: task.cycle for task in tasks if task.kind == "review"}
    return {
        "links": [
            {
                "url": reverse("appraisal:cycle_ratings", args=[cycle_id]),
                "cycle": names[cycle_id],
                "count": count,
            }
            for cycle_id, count in counts.items()
            if count > 1
        ]
    }


@register.simple_tag(takes_context=True)
def cycle_ratings_link(context, cycle):
    """A link to the cycle's team rating screen when the user owes several reviews in it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    me = employee_of(user) if user is not None and user.is_authenticated else None
    if me is None:
        return ""
    count = reviews_to_write(user, me, cycle)
    if count < 2:
        return ""
    return format_html(
        ' · <a href="{}" data-action="cycle-ratings">{}</a>',
        reverse("appraisal:cycle_ratings", args=[cycle.pk]),
        _("Team ratings (%(count)d to review)") % {"count": count},
    )
