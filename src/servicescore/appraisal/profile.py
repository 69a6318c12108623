"""The scores part of an employee's profile (org's page, filled in through core/sections.py):
the person's latest scorecards (months and quarters), each linked to its page, for those who may read them."""

from servicescore.org.models import Employee
from servicescore.org.scope import can_see_others_scores

from .models import Scorecard
from .selectors.scorecards import newest_first

# A year of months and its quarters; the scorecard page's period picker has the older ones.
PROFILE_SCORECARDS = 16


def scorecards_section(request, *, employee: Employee, **_page) -> dict | None:
    """The employee's last PROFILE_SCORECARDS scorecards (months and quarters), newest
    first, each with its provisional and insufficient-data marks; nothing for a reader who
    may not see this person's scores. One query (a person has a few dozen scorecards).

    The profile found `employee` in the reader's scope, so the rule of visible_appraisees
    (org/scope.py) reduces to the role: readers of others' scores, or the person himself."""
    user = request.user
    if not (can_see_others_scores(user) or (employee.user_id is not None and employee.user_id == user.pk)):
        return None
    scorecards = {
        card.period: card
        for card in Scorecard.objects.filter(employee=employee).only(
            "period", "final_score", "grade", "vetoed", "provisional", "insufficient_data"
        )
    }
    periods = newest_first(scorecards)
    return {
        "scorecards": [scorecards[code] for code in periods[:PROFILE_SCORECARDS]],
        "more_scorecards": max(len(periods) - PROFILE_SCORECARDS, 0),
    }
