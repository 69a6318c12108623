"""`{% goals_summary evaluation user as summary %}`: how many goals the evaluation's person
has in its cycle, their mean progress and whether `user` may set them now, for the
evaluation page's goals card."""

from django import template

from ..selectors.goals import evaluation_goals, goal_attainment
from ..services.goals import may_set_goals

register = template.Library()


@register.simple_tag
def goals_summary(evaluation, user) -> dict:
    progress = evaluation_goals(evaluation)
    return {
        "count": len(progress),
        "attainment": goal_attainment(progress) or 0,
        "may_set": may_set_goals(user, evaluation),
    }
