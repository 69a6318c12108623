"""The goal pages of an appraisal cycle: /appraisal/evaluations/<pk>/goals/ (a person's
objectives and key results, set and changed while the stage allows) and
/appraisal/cycles/<pk>/team-goals/ (the team's shared goals). They parse the request and
call services.goals or selectors.goals; a bad submit shows the form again with what was
typed and the error at its field."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from servicescore.core.errors import Invalid, NotFound, Refused
from servicescore.kpi.catalog import catalog

from ..models import Goal, KeyResult
from ..selectors.evaluations import evaluation_for
from ..selectors.goals import evaluation_goals, goal_attainment, scored_goal_attainment, team_goals
from ..selectors.schemes import indicator_name
from ..services import goals as services

FORM_ROWS = 5  # key-result rows offered by the form


def _evaluation(user, pk):
    try:
        return evaluation_for(user, pk)
    except NotFound:
        raise Http404 from None


def _indicator_choices() -> list[tuple[str, str]]:
    known = catalog(manual=False)
    return sorted(
        ((code, indicator_name(code, known)) for code, item in known.items() if item.computed),
        key=lambda choice: choice[1],
    )


def _posted_key_results(post) -> list[dict]:
    rows = []
    for n in range(FORM_ROWS):
        row = {
            name: post.get(f"kr-{n}-{name}", "").strip()
            for name in ("title", "indicator", "baseline", "target", "weight")
        }
        if row["title"] or row["indicator"] or row["target"]:
            rows.append(row)
    return rows


def _form_rows(rows: list[dict]) -> list[dict]:
    """`rows` padded to FORM_ROWS, each with its index, for the template."""
    padded = [dict(row) for row in rows][:FORM_ROWS]
    padded += [{} for _n in range(FORM_ROWS - len(padded))]
    return [{"n": n, **row} for n, row in enumerate(padded)]


def _goal_rows(goal: Goal) -> list[dict]:
    return [
        {
            "title": kr.title,
            "indicator": kr.indicator,
            "baseline": "" if kr.baseline is None else f"{kr.baseline.normalize():f}",
            "target": "" if kr.target is None else f"{kr.target.normalize():f}",
            "weight": kr.weight,
        }
        for kr in goal.key_results.all()
    ]


@login_required
def goals(request, pk):
    """A person's goals in a cycle; POST adds, changes, removes a goal or marks a manual key
    result (the `action` field says which)."""
    evaluation = _evaluation(request.user, pk)
    editing = None
    form = {"title": "", "shared": True, "rows": _form_rows([])}
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "mark":
                key_result = (
                    KeyResult.objects.select_related("goal").filter(pk=request.POST.get("key_result")).first()
                )
                if (
                    key_result is None
                    or key_result.goal.cycle_id != evaluation.cycle_id
                    or key_result.goal.employee_id != evaluation.employee_id
                ):
                    raise Http404
                services.key_result_mark(
                    by=request.user,
                    key_result=key_result,
                    evaluation=evaluation,
                    done=request.POST.get("done") == "1",
                )
                return redirect(request.path)
            goal = None
            if action in ("update", "remove"):
                goal = Goal.objects.filter(
                    pk=request.POST.get("goal"), cycle=evaluation.cycle_id, employee=evaluation.employee_id
                ).first()
                if goal is None:
                    raise Http404
            if action == "remove":
                services.goal_remove(by=request.user, goal=goal, evaluation=evaluation)
                messages.success(request, _("The goal was removed."))
                return redirect(request.path)
            rows = _posted_key_results(request.POST)
            title = request.POST.get("title", "")
            shared = request.POST.get("shared") == "1"
            form = {"title": title, "shared": shared, "rows": _form_rows(rows)}
            editing = goal
            if action == "update":
                services.goal_update(
                    by=request.user,
                    goal=goal,
                    evaluation=evaluation,
                    title=title,
                    key_results=rows,
                    shared=shared,
                )
                messages.success(request, _("The goal was saved."))
            else:
                services.goal_add(
                    by=request.user, evaluation=evaluation, title=title, key_results=rows, shared=shared
                )
                messages.success(request, _("The goal was added."))
            return redirect(request.path)
        except Refused as refusal:
            raise PermissionDenied(refusal.message_text) from None
        except Invalid as invalid:
            error = invalid
    elif request.GET.get("edit"):
        editing = Goal.objects.filter(
            pk=request.GET["edit"], cycle=evaluation.cycle_id, employee=evaluation.employee_id
        ).first()
        if editing is not None:
            form = {"title": editing.title, "shared": editing.shared, "rows": _form_rows(_goal_rows(editing))}
    if error is not None and (error.field or "").startswith("kr-"):
        _n, row, part = error.field.split("-", 2)
        for shown in form["rows"]:
            if str(shown["n"]) == row:
                shown["invalid"] = part
    progress = evaluation_goals(evaluation)
    context = {
        "evaluation": evaluation,
        "goals": progress,
        "attainment": goal_attainment(progress),
        "scored": scored_goal_attainment(evaluation),
        "may_set": services.may_set_goals(request.user, evaluation),
        "may_mark": services.may_mark_done(request.user, evaluation),
        "indicators": _indicator_choices(),
        "form": form,
        "editing": editing,
        "error": error,
        "error_field": error.field if error is not None else "",
        "back": reverse("appraisal:evaluation", args=[evaluation.pk]) if _has_evaluation_page() else "",
    }
    return render(request, "appraisal/cycles/goals.html", context, status=400 if error else 200)


def _has_evaluation_page() -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse("appraisal:evaluation", args=[0])
    except NoReverseMatch:
        return False
    return True


@login_required
def cycle_team_goals(request, pk):
    """The shared goals of the user's team in a cycle, with their progress."""
    try:
        cycle, progress = team_goals(request.user, pk)
    except NotFound:
        raise Http404 from None
    return render(request, "appraisal/cycles/team_goals.html", {"cycle": cycle, "goals": progress})
