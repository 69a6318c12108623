"""The scores part of an employee's profile (org's page, filled in through core/sections.py):
the person's latest monthly scorecards, each linked to its page, for those who may read them."""

from servicescore.org.models import Employee
from servicescore.org.scope import can_see_others_scores

from .models import Scorecard

PROFILE_SCORECARDS = 12


def scorecards_section(request, *, employee: Employee, **_page) -> dict | None:
    """The employee's last PROFILE_SCORECARDS monthly scorecards, newest first, each with
    its provisional and insufficient-data marks; nothing for a reader who may not see this
    person's scores. One query.

    The profile found `employee` in the reader's scope, so the rule of visible_appraisees
    (org/scope.py) reduces to the role: readers of others' scores, or the person himself."""
    user = request.user
    if not (can_see_others_scores(user) or (employee.user_id is not None and employee.user_id == user.pk)):
        return None
    scorecards = list(
        Scorecard.objects.filter(employee=employee, period__regex=r"^\d{4}-\d{2}$")
        .only("period", "final_score", "grade", "vetoed", "provisional", "insufficient_data")
        .order_by("-period")[:PROFILE_SCORECARDS]
    )
    return {"scorecards": scorecards}
