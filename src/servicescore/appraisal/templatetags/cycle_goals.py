"""`{% goals_summary evaluation as summary %}`: how many goals the evaluation's person has
in its cycle and their mean progress, for the evaluation page's goals card."""

from django import template

from ..selectors.goals import evaluation_goals, goal_attainment

register = template.Library()


@register.simple_tag
def goals_summary(evaluation) -> dict:
    progress = evaluation_goals(evaluation)
    return {"count": len(progress), "attainment": goal_attainment(progress) or 0}
