"""Which appraisal cycles and evaluations a user may open: the one access rule of the
cycle pages, the API and the exports. An evaluation is read by the appraised person, the
people whose scope holds them (org.scope.visible_appraisees: their managers, HR, auditors)
and the reviewers the cycle named for it; a 360° rater reads only their own request
(feedback.py). Anything else is 404, never 403, so ids cannot be probed."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from servicescore.core.errors import NotFound
from servicescore.org.scope import employee_of, scope_for, visible_appraisees

from ..models import Cycle, Evaluation


def readable_evaluations(user) -> QuerySet:
    """The evaluations `user` may read."""
    if not getattr(user, "is_authenticated", False):
        return Evaluation.objects.none()
    me = employee_of(user)
    if scope_for(user).everything:
        # No IN list of the whole company: at 10,000 people it cost the cycle page 50 ms.
        reach = Q()
    else:
        reach = Q(employee__in=visible_appraisees(user))
    if me is not None:
        # A draft cycle is its makers' business: the appraised person meets it when it opens.
        reach &= ~Q(employee=me.pk, cycle__stage=Cycle.Stage.DRAFT)
        reach |= Q(reviewer=me) | Q(second_reviewer=me) | Q(cycle__appeal_reviewer=me)
    return Evaluation.objects.filter(reach)


def readable_cycles(user) -> QuerySet:
    """The cycles with at least one evaluation `user` may read."""
    return Cycle.objects.filter(pk__in=readable_evaluations(user).values("cycle"))


def evaluation_for(user, pk) -> Evaluation:
    """The evaluation `pk` if `user` may read it, with its cycle, person and version;
    NotFound otherwise."""
    found = (
        readable_evaluations(user)
        .select_related("cycle", "employee__org_unit", "version__template", "reviewer", "second_reviewer")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No such evaluation."))
    return found
