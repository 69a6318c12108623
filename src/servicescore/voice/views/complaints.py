"""Customer voice, complaints and praise: the pages. Each parses the request, calls one
selector or service and renders; refusals come back as coded errors shown on the form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicescore.core import uploads

from .. import forms_complaints as forms
from .. import policy
from .. import selectors_complaints as selectors
from ..scope_complaints import complaint_work_orders
from ..services import complaints as services


def _require_desk(user):
    if not policy.may_handle_complaints(user):
        # A role without the desk (a technician) learns nothing about any complaint.
        raise Http404


def _put_errors(form, error: ValidationError) -> None:
    """Each message next to the field it names; the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def complaint_desk(request):
    """New, mine, breaching the deadline: counts and the chosen tab's list; a search
    (`q`) narrows both to the complaints it names."""
    _require_desk(request.user)
    context = selectors.complaint_desk(
        request.user,
        tab=request.GET.get("tab", "new"),
        page=request.GET.get("page"),
        q=request.GET.get("q", ""),
    )
    # What the tab links and the pager keep: the search.
    context["search_query"] = urlencode({"q": context["q"]}) if context["q"] else ""
    context["query"] = f"tab={context['tab']}" + (f"&{context['search_query']}" if context["q"] else "")
    return render(request, "voice/complaints/desk.html", context)


@login_required
def complaint_create(request):
    """Register a complaint; from a work order's page the order (and its people) come filled in."""
    _require_desk(request.user)
    posted = request.method == "POST"
    initial = {"source": "phone"}
    order_id = request.GET.get("work_order", "")
    if not posted and order_id.isdigit():
        order = complaint_work_orders(request.user).filter(pk=int(order_id)).first()
        if order is None:
            raise Http404
        initial = forms.initial_for_order(order)
    form = forms.ComplaintForm(request.POST if posted else None, initial=initial, user=request.user)
    if posted and form.is_valid():
        try:
            complaint = services.complaint_register(by=request.user, **form.service_fields())
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, _("Complaint registered."))
            return redirect("voice:complaint", complaint.pk)
    return render(request, "voice/complaints/form.html", {"form": form})


def _step_forms(user, complaint, actions, bound=None):
    """The forms of the steps the user may take now; `bound` replaces one by its bound copy."""
    found = {}
    if actions.assign:
        found["assign"] = forms.AssignForm(user=user, initial={"handler": complaint.handler_id})
    if actions.decide:
        found["determine"] = forms.DetermineForm(
            user=user,
            complaint=complaint,
            initial={
                "responsible": [link.employee_id for link in complaint.people.all() if link.responsible]
            },
        )
        found["not_valid"] = forms.ReasonForm()
    if actions.resolve:
        found["resolve"] = forms.ResolveForm()
    if actions.close:
        found["close"] = forms.CloseForm()
    if actions.note:
        found["note"] = forms.NoteForm()
    if actions.evidence:
        found["evidence"] = forms.EvidenceForm()
    if bound is not None:
        found[bound[0]] = bound[1]
    return found


def _detail(request, complaint, *, bound=None, status=200):
    actions = selectors.complaint_actions(request.user, complaint)
    context = {
        "complaint": complaint,
        "actions": actions,
        "forms": _step_forms(request.user, complaint, actions, bound),
        "overdue": complaint.state in selectors.OPEN_STATES
        and complaint.due_at is not None
        and complaint.due_at < timezone.now(),
    }
    return render(request, "voice/complaints/detail.html", context, status=status)


@login_required
def complaint_detail(request, pk):
    """The complaint, its timeline, evidence, the people concerned and the decision."""
    _require_desk(request.user)
    return _detail(request, selectors.visible_complaint(request.user, pk))


STEPS = ("assign", "start", "determine", "not_valid", "resolve", "close", "note", "evidence")


@login_required
@require_POST
def complaint_step(request, pk, step):
    """One step of the workflow (or a note, or evidence); the page again with the form's
    errors when refused, nothing written."""
    _require_desk(request.user)
    if step not in STEPS:
        raise Http404
    complaint = selectors.visible_complaint(request.user, pk)
    user = request.user
    form = None
    try:
        if step == "start":
            services.complaint_start(by=user, complaint=complaint)
        else:
            form = {
                "assign": lambda: forms.AssignForm(request.POST, user=user),
                "determine": lambda: forms.DetermineForm(request.POST, user=user, complaint=complaint),
                "not_valid": lambda: forms.ReasonForm(request.POST),
                "resolve": lambda: forms.ResolveForm(request.POST),
                "close": lambda: forms.CloseForm(request.POST),
                "note": lambda: forms.NoteForm(request.POST),
                "evidence": lambda: forms.EvidenceForm(request.POST, request.FILES),
            }[step]()
            if not form.is_valid():
                return _detail(request, complaint, bound=(step, form), status=422)
            data = form.cleaned_data
            if step == "assign":
                services.complaint_assign(by=user, complaint=complaint, handler=data["handler"])
            elif step == "determine":
                services.complaint_determine(
                    by=user, complaint=complaint, responsible=form.people(), reason=data["reason"]
                )
            elif step == "not_valid":
                services.complaint_not_valid(by=user, complaint=complaint, reason=data["reason"])
            elif step == "resolve":
                services.complaint_resolve(by=user, complaint=complaint, resolution=data["resolution"])
            elif step == "close":
                services.complaint_close(
                    by=user, complaint=complaint, satisfied_after=data["satisfied_after"]
                )
            elif step == "note":
                services.complaint_note(by=user, complaint=complaint, note=data["note"])
            elif step == "evidence":
                services.complaint_add_evidence(
                    by=user, complaint=complaint, upload=data["file"], note=data.get("note", "")
                )
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return redirect("voice:complaint", complaint.pk)
        _put_errors(form, error)
        complaint = selectors.visible_complaint(user, pk)
        return _detail(request, complaint, bound=(step, form), status=422)
    messages.success(request, _("Saved."))
    return redirect("voice:complaint", complaint.pk)


@login_required
def attachment(request, pk):
    """Evidence of a complaint or a praise, typed by its content (a photo shown, a PDF
    downloaded), for those who see its record; 404 otherwise."""
    found = selectors.visible_attachment(request.user, pk)
    return uploads.serve_file(
        found.file, download_name=f"evidence-{found.pk}", inline_formats=uploads.IMAGE_FORMATS
    )


@login_required
def praise_list(request):
    """The praise and referrals the user may see, newest first."""
    if not policy.may_record_praise(request.user):
        raise PermissionDenied(_("Your role may not record praise."))
    context = selectors.praise_list(request.user, page=request.GET.get("page"))
    return render(request, "voice/complaints/praise_list.html", context)


@login_required
def praise_create(request):
    """Record a praise or a referral, with optional evidence."""
    if not policy.may_record_praise(request.user):
        raise PermissionDenied(_("Your role may not record praise."))
    posted = request.method == "POST"
    initial = {"work_order": request.GET.get("work_order", "")[:100]}
    form = forms.PraiseForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial=initial,
        user=request.user,
    )
    if posted and form.is_valid():
        try:
            services.praise_record(by=request.user, **form.service_fields())
        except ValidationError as error:
            _put_errors(form, error)
        else:
            messages.success(request, _("Praise recorded."))
            return redirect(reverse("voice:praise"))
    return render(
        request, "voice/complaints/praise_form.html", {"form": form}, status=422 if form.errors else 200
    )
