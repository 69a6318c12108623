"""The cycle's change log (urls_changes.py, namespace `appraisal`):

- cycles/<pk>/changes/ (`cycle_changes`): every change to the cycle's evaluations the
  user may read — scores, grades, stages, skips, exclusions, appeal decisions — newest
  first, 50 a page, filtered by the appraised person, the actor and the kind. For HR,
  administrators and auditors (everyone) and service managers (their scope); 404 for
  anyone else and for a cycle out of reach. Read-only: nothing here writes.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from servicescore.core.errors import NotFound

from ..models import EvaluationChange
from ..selectors.cycle_changes import (
    CHANGES_PER_PAGE,
    actor_choices,
    cycle_changes,
    filter_changes,
    in_words,
    may_read_cycle_log,
    people_choices,
)
from ..selectors.cycles import cycle_for


class ChangeFilterForm(forms.Form):
    employee = forms.TypedChoiceField(label=_("Employee"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=_("Employee no. or name"), required=False, max_length=100)
    actor = forms.ChoiceField(label=_("Changed by"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, data, *, people, actors):
        super().__init__(data)
        everyone = [("", _("Everyone"))]
        self.fields["employee"].choices = everyone + list(people)
        self.fields["actor"].choices = everyone + list(actors)
        self.fields["kind"].choices = [("", _("All kinds")), *EvaluationChange.Kind.choices]


@login_required
def cycle_changes_page(request, pk):
    if not may_read_cycle_log(request.user):
        raise Http404
    try:
        cycle = cycle_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    form = ChangeFilterForm(
        request.GET,
        people=people_choices(request.user, cycle),
        actors=actor_choices(request.user, cycle),
    )
    status = 200
    changes = cycle_changes(request.user, cycle)
    if form.is_valid():
        data = form.cleaned_data
        changes = filter_changes(
            changes, employee=data["employee"], actor=data["actor"], kind=data["kind"], search=data["q"]
        )
    else:
        # a filter that is not one of the choices: say so and list nothing
        changes = changes.none()
        status = 400
    page = Paginator(changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = in_words(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "appraisal/cycles/changes.html",
        {"cycle": cycle, "form": form, "page_obj": page, "query": query.urlencode()},
        status=status,
    )
