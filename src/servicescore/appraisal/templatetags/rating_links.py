"""`{% rating_url employee period as url %}` and `{% team_rating_url period org_unit as url %}`:
the link to the rating page for those who may rate (appraisal/policy.py), else "". The
scorecard page offers it on a manual item with no data, the team page beside its title."""

from django import template
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.http import urlencode

from servicescore.core.periods import last_complete_month

from ..policy import may_rate, may_rate_people
from ..selectors.ratings import rating_month

register = template.Library()


def _url(period_code, org_unit_id=None) -> str:
    try:
        period = rating_month(period_code or last_complete_month())
    except ValidationError:  # a quarter or a month not started: no link
        return ""
    params = {"period": period.code}
    if org_unit_id:
        params["org_unit"] = org_unit_id
    return f"{reverse('kpi:ratings')}?{urlencode(params)}"


@register.simple_tag(takes_context=True)
def rating_url(context, employee, period_code) -> str:
    """The rating page of the employee's org unit for the month, if the user may rate them."""
    user = context.get("user")
    if user is None or employee is None or not may_rate(user, employee):
        return ""
    return _url(period_code, employee.org_unit_id)


@register.simple_tag(takes_context=True)
def team_rating_url(context, period_code, org_unit=None) -> str:
    """The rating page for the team view's month and org unit, if the user's role rates."""
    user = context.get("user")
    if user is None or not may_rate_people(user):
        return ""
    return _url(period_code, getattr(org_unit, "pk", None))
