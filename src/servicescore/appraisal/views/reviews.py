"""The evaluation page, /appraisal/evaluations/<pk>/ (URL name `appraisal:evaluation`), its
forms (targets, sign-off, self review, manager review; each posts to its own URL and
comes back to the page) and the to-do list, /appraisal/todo/ (`appraisal:todo`).

The views parse the request, read through selectors.reviews (which asks
evaluation_for: 404 for an evaluation the user may not read) and call one service. A
refused or conflicting save shows the page again with the message and the service's
status (403, 409, 422), what was typed kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicescore.core.errors import DomainError, NotFound, error_items

from ..forms_reviews import (
    ratings_of,
    revision_of,
    show_posted,
    show_posted_targets,
    submitting,
    targets_of,
)
from ..selectors.evaluations import evaluation_for
from ..selectors.reviews import evaluation_page, todo_for
from ..services.recalculation import evaluation_recalculate as evaluation_recalculate_service
from ..services.recalculation import may_recalculate
from ..services.reviews import manager_review_save, self_review_save, targets_set, targets_sign

TEMPLATE = "appraisal/cycles/evaluation.html"


def _page(user, pk) -> dict:
    try:
        context = evaluation_page(user, pk)
    except NotFound:
        raise Http404 from None
    context["may_recalculate"] = may_recalculate(user, context["evaluation"])
    return context


def _evaluation(user, pk):
    try:
        return evaluation_for(user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def evaluation(request, pk):
    """One evaluation: targets, score, reviews, and the forms the user may fill in."""
    return render(request, TEMPLATE, _page(request.user, pk))


@login_required
@require_POST
def evaluation_recalculate(request, pk):
    """HR freezes the evaluation's figures again from the stored results, with a reason."""
    target = _evaluation(request.user, pk)
    try:
        evaluation_recalculate_service(
            by=request.user,
            evaluation=target,
            revision=revision_of(request.POST),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        return _refused(request, pk, error)
    messages.success(request, _("The evaluation was recalculated from the current figures."))
    return redirect("appraisal:evaluation", pk=pk)


def _refused(request, pk, error: DomainError, place=None):
    """The page again with the error: on the form (`place(context, problems)`) or above."""
    context = _page(request.user, pk)
    problems = error_items(error)
    context["page_errors"] = place(context, problems) if place else [item["message"] for item in problems]
    if error.status == 409:
        context["conflict"] = True
    return render(request, TEMPLATE, context, status=error.status)


def page_with_error(request, pk, error: DomainError):
    """The evaluation page again with `error` above it, for a form posted from it elsewhere
    (the appeal form keeps what was typed: templatetags/cycle_appeals.py)."""
    return _refused(request, pk, error)


@login_required
@require_POST
def evaluation_targets(request, pk):
    target = _evaluation(request.user, pk)
    try:
        targets_set(
            evaluation=target,
            by=request.user,
            revision=revision_of(request.POST),
            targets=targets_of(request.POST),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:

        def place(context, problems):
            return show_posted_targets(context["target_rows"], request.POST, problems)

        return _refused(request, pk, error, place if error.status == 422 else None)
    messages.success(request, _("The personal targets were saved."))
    return redirect("appraisal:evaluation", pk=pk)


@login_required
@require_POST
def evaluation_sign(request, pk):
    target = _evaluation(request.user, pk)
    try:
        targets_sign(evaluation=target, by=request.user, revision=revision_of(request.POST))
    except DomainError as error:
        return _refused(request, pk, error)
    messages.success(request, _("You signed off your targets."))
    return redirect("appraisal:evaluation", pk=pk)


def _form_place(form_key: str, request):
    def place(context, problems):
        form = context.get(form_key)
        if form is None:
            return [item["message"] for item in problems]
        show_posted(form, request.POST, problems)
        return []

    return place


@login_required
@require_POST
def evaluation_self_review(request, pk):
    target = _evaluation(request.user, pk)
    submit = submitting(request.POST)
    try:
        self_review_save(
            evaluation=target,
            by=request.user,
            revision=revision_of(request.POST),
            ratings=ratings_of(request.POST),
            comment=request.POST.get("comment", ""),
            submit=submit,
        )
    except DomainError as error:
        return _refused(
            request, pk, error, _form_place("self_form", request) if error.status == 422 else None
        )
    if submit:
        messages.success(request, _("Your self review was submitted; your reviewer is next."))
    else:
        messages.success(request, _("Your self review was saved as a draft."))
    return redirect("appraisal:evaluation", pk=pk)


@login_required
@require_POST
def evaluation_review(request, pk):
    target = _evaluation(request.user, pk)
    submit = submitting(request.POST)
    try:
        manager_review_save(
            evaluation=target,
            by=request.user,
            revision=revision_of(request.POST),
            ratings=ratings_of(request.POST),
            comment=request.POST.get("comment", ""),
            adjustment=request.POST.get("adjustment"),
            adjustment_reason=request.POST.get("adjustment_reason", ""),
            submit=submit,
        )
    except DomainError as error:
        return _refused(
            request, pk, error, _form_place("review_form", request) if error.status == 422 else None
        )
    if submit:
        messages.success(request, _("The review was submitted."))
    else:
        messages.success(request, _("The review was saved as a draft."))
    return redirect("appraisal:evaluation", pk=pk)


@login_required
def todo(request):
    """The cycle steps waiting for the user."""
    return render(request, "appraisal/cycles/todo.html", {"tasks": todo_for(request.user)})
