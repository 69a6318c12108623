"""The facts pages, under /indicators/facts/ (URL names `indicators:…`): the list, the form
that records or corrects a fact, and its attachment. Each parses the request, calls one
selector or service (kpi/fact_selectors.py, kpi/services/facts.py) and renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from servicescore.core import uploads

from . import fact_selectors as selectors
from .fact_forms import FactForm
from .policy import has_pages, may_record_facts
from .services import facts as services


def _require_pages(user) -> None:
    if not has_pages(user):
        raise PermissionDenied(_("This account has no pages."))


@login_required
def fact_list(request):
    """The facts the user reads (their own, or their scope's), filtered and paged."""
    _require_pages(request.user)
    filters, ignored = selectors.FactFilters.from_query(request.GET)
    context = selectors.fact_list(request.user, filters, page=request.GET.get("page"))
    context["ignored"] = ignored
    return render(request, "kpi/facts.html", context)


def _put_errors(form, error: ValidationError) -> None:
    """Each message next to the field it names; the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _list_url(fact) -> str:
    return f"{reverse('indicators:facts')}?{urlencode({'period': fact.period})}"


@login_required
def fact_create(request):
    """Record a fact; on any refusal nothing is written and the form says why, at the field."""
    _require_pages(request.user)
    if not may_record_facts(request.user):
        raise PermissionDenied(_("Your role may not record facts."))
    posted = request.method == "POST"
    form = FactForm(request.POST if posted else None, request.FILES if posted else None, user=request.user)
    if posted and form.is_valid():
        try:
            fact = services.fact_record(by=request.user, **form.service_fields())
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, _("The fact was recorded; the scores follow shortly."))
            return redirect(_list_url(fact))
    return render(request, "kpi/facts_form.html", {"form": form, "fact": None})


@login_required
def fact_edit(request, pk):
    """Correct a fact the user reads and may record; 404 when out of scope."""
    _require_pages(request.user)
    fact = selectors.visible_fact(request.user, pk)
    if not selectors.may_change_fact(request.user, fact):
        raise PermissionDenied(_("You may not correct this fact."))
    posted = request.method == "POST"
    form = FactForm(
        request.POST if posted else None, request.FILES if posted else None, user=request.user, fact=fact
    )
    if posted and form.is_valid():
        try:
            saved = services.fact_update(
                fact,
                by=request.user,
                remove_attachment=form.cleaned_data.get("remove_attachment", False),
                **form.service_fields(),
            )
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, _("The fact was saved; the scores follow shortly."))
            return redirect(_list_url(saved))
    return render(request, "kpi/facts_form.html", {"form": form, "fact": fact})


@login_required
def fact_attachment(request, pk):
    """A fact's attachment, typed by its content (an image shown, a PDF downloaded), for those
    who read the fact; 404 otherwise."""
    fact = selectors.visible_fact(request.user, pk)
    return uploads.serve_file(
        fact.attachment, download_name=f"fact-{fact.pk}", inline_formats=uploads.IMAGE_FORMATS
    )
