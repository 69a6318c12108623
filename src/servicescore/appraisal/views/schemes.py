"""Appraisal-template pages (考核方案): the list, a new template, a template's page
(settings, versions, history of changes), the editor of a draft (items, live weight sum,
grade bands, a preview of sample employees on the unsaved form, save and activate) and
the what-if over a past month.

Views parse input, ask `selectors.schemes` / `selectors.whatif` (which start from
org.scope) and call one service in `services.schemes`; who may do what is
appraisal/policy.py's. Service managers, HR and administrators edit;
the other roles that read appraisal details (auditors, foremen) read the list, the
template pages and the versions, and are refused (403) anything that writes; everyone
else gets 403. A template outside the user's scope is 404.
"""

from decimal import Decimal, InvalidOperation
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicescore.kpi.catalog import catalog

from ..errors import problems_of
from ..forms import (
    DraftForm,
    GradeBandFormSet,
    ItemFormSet,
    NewTemplateForm,
    TemplateSettingsForm,
    WhatIfForm,
    item_initial,
)
from ..models import TemplateVersion
from ..policy import may_edit_schemes, require_scheme_editor, require_scheme_reader, rights_problem
from ..selectors import whatif
from ..selectors.schemes import (
    history_entries,
    missing_default_templates,
    template_history,
    template_overview,
    template_summary,
    visible_drafts,
    visible_template,
    visible_version,
)
from ..services import schemes

ITEMS_PREFIX, GRADES_PREFIX = "items", "grades"


def _editor(view):
    """login_required, then 403 unless the role may edit appraisal templates."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        require_scheme_editor(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def _reader(view):
    """login_required, then 403 unless the role may read appraisal templates; a request
    that would write (anything but GET and HEAD) needs a role that may edit them."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        require_scheme_reader(request.user)
        if request.method not in ("GET", "HEAD"):
            require_scheme_editor(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def _require_rights(user, template) -> None:
    """403 with the reason when the user may not change this template (a service manager
    and a company-wide template); the template services refuse the same."""
    problem = rights_problem(template.org_unit, user)
    if problem:
        raise PermissionDenied(problem)


def _problem_text(problem, number=None) -> str:
    index, _field, message, _code = problem
    if index is None:
        return str(message)
    return _("Item %(n)d: %(message)s") % {"n": number or index + 1, "message": message}


def _placed(items, problems) -> list[str]:
    """The problems of a refused save or activation as sentences; those of one item are
    also put on its row (numbered as the page numbers rows, removed ones included)."""
    kept = items.kept_forms()
    texts = []
    for problem in problems:
        index, name, message, _code = problem
        number = None
        if index is not None and index < len(kept):
            form = kept[index]
            number = items.forms.index(form) + 1
            form.add_error(name if name in form.fields else None, message)
        texts.append(_problem_text(problem, number))
    return texts


@_reader
def template_list(request):
    """Templates by position with their active version, drafts and version history; the
    actions only for those who may edit."""
    can_edit = may_edit_schemes(request.user)
    groups = template_overview(request.user)
    for group in groups:
        for summary in group.templates:
            summary.can_edit = rights_problem(summary.template.org_unit, request.user) is None
    may_install = rights_problem(None, request.user) is None
    context = {
        "groups": groups,
        "can_edit": can_edit,
        "missing_defaults": missing_default_templates() if may_install else [],
        "has_drafts": can_edit and visible_drafts(request.user).exists(),
    }
    return render(request, "appraisal/template_list.html", context)


@_reader
def template_detail(request, pk):
    """A template's page: its settings (a form for editors: name and rationale at any time,
    the unit it applies within while no version is active), its versions and its history
    of changes, newest first, a page at a time."""
    summary = template_summary(request.user, pk)
    template = summary.template
    form = None
    read_only_reason = rights_problem(template.org_unit, request.user)
    if request.method == "POST" and read_only_reason:
        raise PermissionDenied(read_only_reason)
    if read_only_reason is None:
        form = TemplateSettingsForm(
            request.POST if request.method == "POST" else None,
            template=template,
            user=request.user,
            unit_locked_by=summary.active,
        )
        if request.method == "POST" and form.is_valid():
            try:
                change = schemes.change_settings(template, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                for _index, name, message, _code in problems_of(error):
                    form.add_error(name if name in form.fields else None, message)
            else:
                if change is None:
                    messages.info(request, _("Nothing changed; the settings are as they were."))
                else:
                    messages.success(
                        request, _("Settings of %(name)s saved.") % {"name": change.template.display_name}
                    )
                return redirect("kpi_templates:template", pk=template.pk)
    history = template_history(request.user, template, request.GET.get("page"))
    context = {
        "summary": summary,
        "template": template,
        "form": form,
        "can_edit": form is not None,
        "read_only_reason": read_only_reason if may_edit_schemes(request.user) else None,
        "history": history,
        "entries": history_entries(history.object_list),
    }
    return render(request, "appraisal/template_detail.html", context)


@_editor
@require_POST
def install_defaults(request):
    problem = rights_problem(None, request.user)
    if problem:
        raise PermissionDenied(problem)
    created = schemes.install_defaults(by=request.user)
    if created:
        messages.success(
            request,
            _("Installed %(n)d default templates: %(codes)s.")
            % {"n": len(created), "codes": ", ".join(t.code for t in created)},
        )
    else:
        messages.info(request, _("All default templates are installed already."))
    return redirect("kpi_templates:list")


@_editor
def template_create(request):
    """A new template for a position; it starts as an empty draft, version 1."""
    form = NewTemplateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            draft = schemes.create_template(**form.cleaned_data, by=request.user)
        except ValidationError as error:
            for _index, name, message, _code in problems_of(error):
                form.add_error(name if name in form.fields else None, message)
            return render(request, "appraisal/template_new.html", {"form": form})
        messages.success(
            request, _("Template %(name)s created; add its items.") % {"name": draft.template.display_name}
        )
        return redirect("kpi_templates:version", pk=draft.pk)
    return render(request, "appraisal/template_new.html", {"form": form})


@_editor
@require_POST
def template_draft(request, pk):
    """Open the template's draft, making one (a copy of the newest version) if needed."""
    template = visible_template(request.user, pk)
    _require_rights(request.user, template)
    had_draft = template.versions.filter(status=TemplateVersion.Status.DRAFT).exists()
    draft = schemes.start_draft(template, by=request.user)
    if not had_draft:
        messages.info(
            request,
            _(
                "Version %(number)d is a new draft; the active version stays in use until you "
                "activate this one."
            )
            % {"number": draft.number},
        )
    return redirect("kpi_templates:version", pk=draft.pk)


def _formsets(version, data=None, indicators=None):
    """The item and grade-band formsets and the draft form, bound to `data` when given,
    else filled from the saved version."""
    indicators = indicators if indicators is not None else catalog()
    if data is not None:
        return (
            ItemFormSet(data, prefix=ITEMS_PREFIX, form_kwargs={"indicators": indicators}),
            GradeBandFormSet(data, prefix=GRADES_PREFIX),
            DraftForm(data),
        )
    return (
        ItemFormSet(
            prefix=ITEMS_PREFIX,
            initial=[item_initial(item) for item in version.items.all()],
            form_kwargs={"indicators": indicators},
        ),
        GradeBandFormSet(prefix=GRADES_PREFIX, initial=version.grade_bands),
        DraftForm(
            initial={
                "note": version.note,
                "stamp": schemes.stamp(version),
                "min_data_share": version.min_data_share,
                "grade_provisional": version.grade_provisional,
            }
        ),
    )


def _render_editor(request, version, items, grades, draft_form, *, problems=(), status=200):
    context = {
        "version": version,
        "template": version.template,
        "items": items,
        "grades": grades,
        "draft_form": draft_form,
        "problems": problems,
        "weight_sum": _weight_sum(items),
    }
    return render(request, "appraisal/template_edit.html", context, status=status)


def _weight_sum(items) -> str:
    """The weight sum the page opens with (the script keeps it live)."""
    total = Decimal(0)
    for form in items.forms:
        prefix = form.prefix
        if form.is_bound:
            if form.data.get(f"{prefix}-DELETE") or form.data.get(f"{prefix}-kind") != "scored":
                continue
            raw = form.data.get(f"{prefix}-weight") or "0"
        else:
            if form.initial.get("kind") != "scored":
                continue
            raw = form.initial.get("weight") or 0
        try:
            total += Decimal(str(raw))
        except InvalidOperation:
            continue
    text = f"{total:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@_reader
def version_edit(request, pk):
    """A draft's editor (GET shows it, POST saves it, or saves and activates it); an
    active or retired version, and any version for those who only read, is shown
    read-only."""
    version = visible_version(request.user, pk)
    if request.method == "POST":
        _require_rights(request.user, version.template)
    can_edit = rights_problem(version.template.org_unit, request.user) is None
    if version.status != TemplateVersion.Status.DRAFT or not can_edit:
        context = {
            "version": version,
            "template": version.template,
            "items": list(version.items.all()),
            "can_edit": can_edit,
        }
        return render(request, "appraisal/template_version.html", context)
    if request.method != "POST":
        return _render_editor(request, version, *_formsets(version))
    action = request.POST.get("action", "save")
    data = request.POST
    if action == "add_row":  # the no-script way to get one more blank item
        data = data.copy()
        count = data.get(f"{ITEMS_PREFIX}-TOTAL_FORMS", "")
        data[f"{ITEMS_PREFIX}-TOTAL_FORMS"] = str(int(count) + 1 if count.isdigit() else 1)
        return _render_editor(request, version, *_formsets(version, data))
    items, grades, draft_form = _formsets(version, data)
    if not (items.is_valid() and grades.is_valid() and draft_form.is_valid()):
        return _render_editor(request, version, items, grades, draft_form)
    write = schemes.save_and_activate if action == "activate" else schemes.save_draft
    try:
        version = write(
            version,
            items=items.item_fields(),
            grade_bands=grades.bands(),
            note=draft_form.cleaned_data["note"],
            min_data_share=draft_form.cleaned_data["min_data_share"],
            grade_provisional=draft_form.cleaned_data["grade_provisional"],
            by=request.user,
            expected_stamp=draft_form.cleaned_data["stamp"] or None,
        )
    except ValidationError as error:
        return _render_editor(
            request, version, items, grades, draft_form, problems=_placed(items, problems_of(error))
        )
    if action != "activate":
        messages.success(request, _("Draft version %(number)d saved.") % {"number": version.number})
        return redirect("kpi_templates:version", pk=version.pk)
    messages.success(
        request,
        _(
            "Version %(number)d of %(name)s is active; the previous version is retired and "
            "past scores keep it."
        )
        % {"number": version.number, "name": version.template.display_name},
    )
    return redirect("kpi_templates:list")


@_editor
@require_POST
def version_preview(request, pk):
    """The scores of sample employees under the editor's unsaved items (an htmx partial)."""
    version = visible_version(request.user, pk)
    indicators = catalog()
    items, grades, draft_form = _formsets(version, request.POST, indicators)
    period = whatif.last_month()
    context = {"period": period, "version": version}
    if not (items.is_valid() and grades.is_valid()):
        context["row_errors"] = items.row_errors() if not items.is_valid() else []
        context["grade_errors"] = grades.non_form_errors() if not grades.is_valid() else []
    else:
        share = draft_form.cleaned_data.get("min_data_share") if draft_form.is_valid() else None
        draft = whatif.draft_of(version, items.items(), grades.bands(), min_data_share=share)
        context["preview"] = whatif.preview(request.user, draft, period, indicators=indicators)
    return render(request, "appraisal/template_preview.html", context)


@_editor
@require_POST
def version_discard(request, pk):
    """Delete a draft version (and a template that had nothing else)."""
    version = visible_version(request.user, pk)
    _require_rights(request.user, version.template)
    try:
        schemes.discard_draft(version, by=request.user)
    except ValidationError as error:
        for problem in problems_of(error):
            messages.error(request, _problem_text(problem))
        return redirect("kpi_templates:version", pk=version.pk)
    messages.success(request, _("Draft version %(number)d discarded.") % {"number": version.number})
    return redirect("kpi_templates:list")


@_editor
@require_POST
def version_retire(request, pk):
    """Retire the active version (no successor)."""
    version = visible_version(request.user, pk)
    _require_rights(request.user, version.template)
    try:
        schemes.retire(version, by=request.user)
    except ValidationError as error:
        for problem in problems_of(error):
            messages.error(request, _problem_text(problem))
    else:
        messages.success(
            request,
            _("Version %(number)d retired: nobody is scored by %(name)s from the next recompute on.")
            % {"number": version.number, "name": version.template.display_name},
        )
    return redirect("kpi_templates:template", pk=version.template_id)


@_editor
def whatif_page(request):
    """A draft over a past month beside the active versions, per service centre, and the
    people whose grade would change."""
    drafts = visible_drafts(request.user)
    data = request.GET.copy()
    data.setdefault("period", whatif.last_month())
    if "version" not in data and drafts:
        data["version"] = str(drafts[0].pk)
    form = WhatIfForm(data, drafts=drafts)
    result = None
    if drafts and form.is_valid():
        result = whatif.what_if(
            request.user, whatif.draft_of(form.cleaned_data["version"]), form.cleaned_data["period"]
        )
    context = {"form": form, "result": result, "has_drafts": bool(drafts), "chart": _chart(result)}
    return render(request, "appraisal/template_whatif.html", context)


def _chart(result) -> dict | None:
    """The grade distribution of everyone compared, for the chart (the table beside it
    holds the same numbers)."""
    if result is None or not result.people:
        return None
    return {
        "grades": [grade or _("no score") for grade in result.grades],
        "series": [
            {"name": _("In use"), "data": result.total.active.cells},
            {"name": _("Draft"), "data": result.total.draft.cells},
        ],
    }
