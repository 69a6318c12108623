"""Work-order pages: the list, the detail, the forms, and the POST endpoints every page
(desk, dispatch board, the technician's phone) uses to act on an order.

Views parse input, ask `selectors` (which start from workorders/scope.py) and call one service; an
order outside the user's scope is a 404 before anything else happens.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from servicescore.core import uploads
from servicescore.core.export_jobs import Export
from servicescore.core.history import history_rows, may_read_record_history
from servicescore.core.periods import local_today
from servicescore.core.sections import render_sections
from servicescore.org.models import Employee, Position
from servicescore.org.scope import visible_employees

from . import catalogue, policy, selectors, services
from .forms import LabourForm, NoteForm, PartsForm, TransitionForm, WorkOrderFilterForm, WorkOrderForm
from .models import Resolution


def _back(request, order):
    """Where to go after a POST: the `next` the page sent (same host only), else the detail."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("workorders:detail", pk=order.pk)


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(message for messages_ in error.message_dict.values() for message in messages_)
    return " ".join(error.messages)


def _report(request, error: ValidationError) -> None:
    """A service's refusal (core.errors: invalid, refused, not found, conflict) as a message."""
    messages.error(request, _error_text(error))


@login_required
@require_POST
def work_order_action(request, pk, action):
    """One named transition (dispatch, reassign, accept, start, complete, close, reopen,
    cancel) with its form fields; photos and location come with `start` (check-in)."""
    order = selectors.visible_work_order(request.user, pk)
    if action not in policy.TRANSITIONS:
        raise Http404
    form = TransitionForm(request.POST, request.FILES, order=order, technicians=_technicians(request.user))
    if not form.is_valid():
        messages.error(request, form.error_text())
        return _back(request, order)
    try:
        services.perform(order, action, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(
            request,
            _("%(id)s: %(action)s done.") % {"id": order.external_id, "action": policy.action_label(action)},
        )
    return _back(request, order)


def _technicians(user):
    return visible_employees(user).select_related("org_unit")


def _line_action(request, pk, form, save):
    """Validate `form` and call `save(order, data)`, one service that checks the role and
    the state itself; flash the outcome."""
    order = selectors.visible_work_order(request.user, pk)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return _back(request, order)
    try:
        save(order, form.cleaned_data)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("%(id)s: saved.") % {"id": order.external_id})
    return _back(request, order)


@login_required
@require_POST
def labour(request, pk):
    """Record (or replace) one technician's labour hours on the order."""
    form = LabourForm(request.POST, technicians=_technicians(request.user), user=request.user)
    return _line_action(
        request,
        pk,
        form,
        lambda order, data: services.record_labour(
            order,
            technician=data["technician"],
            operation_code=data["operation_code"],
            standard_hours=data["standard_hours"],
            clocked_hours=data["clocked_hours"],
            reason=data["reason"],
            by=request.user,
        ),
    )


@login_required
@require_POST
def labour_delete(request, pk, line):
    return _delete_line(
        request, pk, lambda order: services.remove_labour(order, line_id=line, by=request.user)
    )


@login_required
@require_POST
def parts(request, pk):
    """Add a parts line."""
    return _line_action(
        request,
        pk,
        PartsForm(request.POST),
        lambda order, data: services.record_part(order, by=request.user, **data),
    )


@login_required
@require_POST
def parts_delete(request, pk, line):
    return _delete_line(request, pk, lambda order: services.remove_part(order, line_id=line, by=request.user))


def _delete_line(request, pk, remove):
    """Remove a labour or parts line after the scope check (404); the service checks the role."""
    order = selectors.visible_work_order(request.user, pk)
    try:
        remove(order)
    except ValidationError as error:
        _report(request, error)
    return _back(request, order)


@login_required
@require_POST
def note(request, pk):
    """A note, photos and location on the timeline, without a change of state."""
    return _line_action(
        request,
        pk,
        NoteForm(request.POST, request.FILES),
        lambda order, data: services.add_note(order, by=request.user, **data),
    )


@login_required
def event_photo(request, photo_id):
    """A timeline photo, served only to users who may see its work order, typed by its
    content (an old file that is no image is only offered as a download)."""
    photo = selectors.event_photo(request.user, photo_id)
    response = uploads.serve_file(
        photo.image, download_name=f"photo-{photo.pk}", inline_formats=uploads.IMAGE_FORMATS
    )
    response["Cache-Control"] = "private, max-age=86400"
    return response


# --- desk pages: list, export, detail, create, edit -----------------------------------

PAGE_SIZE = 50
CENTS = Decimal("0.01")
# The export stops here (with a last row saying so): a bigger workbook takes minutes to
# write and Excel struggles with it; narrow the filters instead.
EXPORT_LIMIT = 100_000
# Sort keys whose first click shows the newest first.
NEWEST_FIRST = {"created", "completed"}

BUTTON_LABELS = {
    "dispatch": gettext_lazy("Dispatch"),
    "reassign": gettext_lazy("Reassign"),
    "accept": gettext_lazy("Accept"),
    "start": gettext_lazy("Check in and start"),
    "complete": gettext_lazy("Complete"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
    "cancel": gettext_lazy("Cancel work order"),
}
EVENT_LABELS = {
    "create": gettext_lazy("Opened"),
    "edit": gettext_lazy("Edited"),
    "dispatch": gettext_lazy("Dispatched"),
    "reassign": gettext_lazy("Reassigned"),
    "accept": gettext_lazy("Accepted"),
    "start": gettext_lazy("Checked in and started"),
    "complete": gettext_lazy("Completed"),
    "close": gettext_lazy("Closed"),
    "reopen": gettext_lazy("Reopened"),
    "cancel": gettext_lazy("Cancelled"),
    "labour": gettext_lazy("Labour"),
    "parts": gettext_lazy("Parts"),
    "note": gettext_lazy("Note"),
}


# The newest audit entries the detail page shows (the audit page has them all).
RECORD_HISTORY_LIMIT = 50
# What the services record beside the order's own fields (services._audit's `extra`).
CHANGE_LABELS = {
    "labour_line": gettext_lazy("Labour line (standard / clocked hours)"),
    "standard_hours_override": gettext_lazy("Standard hours overridden (catalogue → given)"),
    "parts_line": gettext_lazy("Parts line"),
    "note": gettext_lazy("Note"),
    "photos": gettext_lazy("Photos"),
    "location": gettext_lazy("Location"),
}


def _record_changes(user, order) -> list | None:
    """The order's audit entries for the roles that read a record's history (None for the
    others), in the timeline's words (registered in apps.py). A fixed number of queries,
    however many entries."""
    if not may_read_record_history(user):
        return None
    return history_rows(order, limit=RECORD_HISTORY_LIMIT, user=user)


def _query_without(params, *names) -> str:
    query = params.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _sort_links(params, current: str) -> dict:
    """For each sortable column: the URL that sorts by it (the other way round when it is
    the current sort) and its current direction, keeping every filter."""
    links = {}
    for key in selectors.SORTS:
        if current == key:
            target, direction = f"-{key}", "asc"
        elif current == f"-{key}":
            target, direction = key, "desc"
        else:
            target, direction = (f"-{key}" if key in NEWEST_FIRST else key), ""
        query = params.copy()
        query.pop("page", None)
        query["sort"] = target
        links[key] = {"url": f"?{query.urlencode()}", "direction": direction}
    return links


@login_required
def work_order_list(request):
    """The work orders the user can see: filters, sorting and pages of 50, all in the URL."""
    form = WorkOrderFilterForm(request.GET, user=request.user)
    sort = form.sort_key()
    now = timezone.now()
    filters = form.filters()
    orders = selectors.work_order_list(request.user, filters, sort=sort, now=now)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.decorate(list(page.object_list), request.user, now=now)
    return render(
        request,
        "workorders/list.html",
        {
            "form": form,
            "page_obj": page,
            "search_truncated": selectors.search_truncated(request.user, filters.q),
            "match_limit": selectors.MATCH_LIMIT,
            "now": now,
            "query": _query_without(request.GET, "page"),
            "sorts": _sort_links(request.GET, sort),
            "can_create": policy.role_allows(request.user, "create"),
            "export_limit": EXPORT_LIMIT,
        },
    )


def _export_header() -> list[str]:
    return [
        _("External id"),
        _("Type"),
        _("Priority"),
        _("State"),
        _("Service centre"),
        _("Technician no."),
        _("Technician"),
        _("Advisor no."),
        _("Service advisor"),
        _("Customer"),
        _("Customer phone"),
        _("VIN / serial no."),
        _("Model"),
        _("Licence plate"),
        pgettext("time column", "Created"),
        pgettext("time column", "Due"),
        _("SLA"),
        _("Late by (hours)"),
        pgettext("time column", "Completed"),
        pgettext("time column", "Closed"),
        _("Comeback"),
        _("Description"),
        _("Resolution"),
        _("Difficulty coefficient"),
    ]


SLA_LABELS = {
    "none": "",
    "on_time": gettext_lazy("On time"),
    "due_soon": gettext_lazy("Due soon"),
    "overdue": gettext_lazy("Overdue"),
    "met": gettext_lazy("Met"),
    "late": gettext_lazy("Late"),
}


def _local(moment):
    """Excel has no time zones: the company's local time, without tzinfo."""
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0) if moment else ""


def _export_rows(orders, user, now):
    """One row per order (phone masked by role), and a last row if the export was cut."""
    for count, order in enumerate(orders[: EXPORT_LIMIT + 1].iterator(chunk_size=2000)):
        if count == EXPORT_LIMIT:
            message = _("Cut at %(limit)s rows: narrow the filters to export the rest.") % {
                "limit": f"{EXPORT_LIMIT:,}"
            }
            yield [message] + [""] * (len(_export_header()) - 1)
            return
        selectors.decorate([order], user, now=now)
        sla = order.sla
        late_hours = round(sla.delta.total_seconds() / 3600, 2) if sla.is_late and sla.delta else ""
        technician, advisor = order.technician, order.advisor
        customer, asset = order.customer, order.asset
        yield [
            order.external_id,
            order.get_type_display(),
            order.get_priority_display(),
            order.get_state_display(),
            order.service_center.name,
            technician.employee_no if technician else "",
            technician.name if technician else "",
            advisor.employee_no if advisor else "",
            advisor.name if advisor else "",
            customer.name if customer else "",
            order.display_phone,
            asset.external_id if asset else "",
            asset.model if asset else "",
            asset.plate if asset else "",
            _local(order.created_at),
            _local(order.due_at),
            str(SLA_LABELS[sla.code]),
            "" if late_hours == "" else str(late_hours),
            _local(order.completed_at),
            _local(order.closed_at),
            _("Yes") if order.rework_of_id else _("No"),
            order.description,
            order.get_resolution_display(),
            str(order.difficulty),
        ]


EXPORT_KIND = "work_orders"


def build_export(user, parameters: dict[str, list[str]]) -> Export:
    """The filtered list as an `Export` (core/export_jobs.py writes it in the background:
    up to 6 s on the large demo), at most EXPORT_LIMIT rows; the list's form and selector,
    so the same filters and scope (a filter not understood is left out, as on the list).
    `write_xlsx` writes text that looks like a formula (a customer named "=HYPERLINK(...)")
    as escaped text."""
    query = QueryDict(mutable=True)
    for name, values in parameters.items():
        query.setlist(name, values)
    form = WorkOrderFilterForm(query, user=user)
    now = timezone.now()
    orders = selectors.work_order_list(user, form.filters(), sort=form.sort_key(), now=now)
    total = orders.order_by().count()
    return Export(
        filename=f"work-orders-{local_today(now):%Y%m%d}.xlsx",
        title=_("Work orders"),
        header=_export_header(),
        rows=_export_rows(orders, user, now),
        numeric={_("Late by (hours)"), _("Difficulty coefficient")},
        total=min(total, EXPORT_LIMIT + 1),
    )


def export_source_url(parameters: dict[str, list[str]]) -> str:
    """The list with the filters the export was asked with."""
    query = QueryDict(mutable=True)
    for name, values in parameters.items():
        query.setlist(name, values)
    return f"{reverse('workorders:list')}?{query.urlencode()}" if query else reverse("workorders:list")


@login_required
def work_order_export(request):
    """The list's "Export to Excel": the export page of core (core/export_jobs.py), which
    writes the file in the background, with the list's filters."""
    target = reverse("exports:start", args=[EXPORT_KIND])
    query = request.GET.urlencode()
    return redirect(f"{target}?{query}" if query else target)


def _centre_technicians(user, order) -> list:
    """Active technicians and foremen of the order's centre whom the user can see."""
    return list(
        visible_employees(user)
        .filter(
            org_unit__path__startswith=order.service_center.path,
            position__in=selectors.ASSIGNABLE_POSITIONS,
            status=Employee.Status.ACTIVE,
        )
        .order_by("employee_no")
    )


def labour_form_context(user, context) -> dict:
    """What the labour forms offer: the catalogue's operations for the order (with their
    hours, read-only), and whether the user may set standard hours himself."""
    if not context["can_labour"]:
        return {"operations": [], "may_set_standard_hours": False}
    return {
        "operations": catalogue.operations_for(context["order"]),
        "may_set_standard_hours": policy.may_set_standard_hours(user),
    }


@login_required
def work_order_detail(request, pk):
    """Everything about one order, its timeline and the forms of the actions the user may take."""
    context = selectors.work_order_detail(request.user, pk)
    for event in context["events"]:
        event.label = EVENT_LABELS.get(event.action, event.action)
    for line in context["parts_lines"]:
        line.amount = (line.quantity * line.unit_price).quantize(CENTS)
    context["parts_total"] = Decimal(context["parts_total"]).quantize(CENTS)
    actions = context["actions"]
    needs_people = context["can_labour"] or {"dispatch", "reassign"} & set(actions)
    context.update(
        technicians=_centre_technicians(request.user, context["order"]) if needs_people else [],
        **labour_form_context(request.user, context),
        action_buttons=[(action, BUTTON_LABELS[action]) for action in actions],
        resolutions=Resolution.choices,
        record_changes=_record_changes(request.user, context["order"]),
        # What higher apps show on the order (voice: the customer's feedback).
        sections=render_sections("work_order", request, work_order=context["order"]),
    )
    return render(request, "workorders/detail.html", context)


# Errors the services raise, by the name they give → the form field that shows them.
ORDER_ERRORS = {"customer": "customer_name", "asset": "asset_external_id", "response_due_at": "due_at"}
EDIT_FIELDS = (
    "type",
    "priority",
    "channel",
    "description",
    "advisor",
    "difficulty",
    "rework_of",
)


def _put_errors(form, error: ValidationError) -> None:
    """Each message next to the field it names; the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, errors in error.error_dict.items():
        field = ORDER_ERRORS.get(key, key)
        form.add_error(field if field in form.fields else None, errors)


def _order_fields(form) -> dict:
    data = form.cleaned_data
    return {
        "type": data["type"],
        "priority": data["priority"],
        "channel": data["channel"],
        "description": data["description"].strip(),
        "advisor": data.get("advisor"),
        "difficulty": data["difficulty"],
        "rework_of": data.get("rework_of"),
    }


def _edit_changes(form, order, fields: dict) -> dict:
    changes = {name: fields[name] for name in EDIT_FIELDS}
    due = form.cleaned_data.get("due_at")
    if due is not None:
        if form.due_at_changed():
            changes["due_at"] = due
    elif fields["type"] == order.type and fields["priority"] == order.priority:
        # Emptied: back to the SLA policy (a new type or priority recomputes it anyway).
        changes["due_at"] = services.sla_deadlines(order.type, order.priority, order.created_at)[1]
    return changes


def _save_work_order(form, user, order=None):
    """Open or edit the order with its customer and asset (one service, one transaction).
    Returns the order, or None after putting the errors on the form (then nothing was
    written)."""
    data = form.cleaned_data
    named = services.CustomerAndAsset(
        customer_external_id=data["customer_external_id"],
        customer_name=data["customer_name"],
        customer_phone=form.customer_phone_value(),
        asset_external_id=data["asset_external_id"],
        asset_model=data["asset_model"],
        asset_plate=data["asset_plate"],
    )
    fields = _order_fields(form)
    try:
        if order is None:
            fields["service_center"] = data["service_center"]
            if data.get("due_at"):
                fields["due_at"] = data["due_at"]
            if data.get("technician"):
                fields["technician"] = data["technician"]
            return services.open_work_order(by=user, customer_and_asset=named, **fields)
        return services.update_work_order(
            order,
            by=user,
            version=data.get("version") or None,
            customer_and_asset=named,
            **_edit_changes(form, order, fields),
        )
    except services.WorkOrderConflict as conflict:
        form.add_error(None, conflict.messages)
        if order is not None:
            # Keep what the user typed, but let the next save go through if they still want it.
            form.data = form.data.copy()
            form.data["version"] = selectors.visible_work_order(user, order.pk).version
    except ValidationError as error:
        _put_errors(form, error)
    return None


def _create_initial(user) -> dict:
    centre = selectors.default_centre(user) or selectors.centres_for_new_orders(user).first()
    initial = {"service_center": centre}
    employee = getattr(user, "employee", None)
    if employee is not None and employee.position == Position.SERVICE_ADVISOR:
        initial["advisor"] = employee
    return initial


@login_required
def work_order_create(request):
    """Open a work order at a centre the user works for; optionally dispatch it at once."""
    if not policy.role_allows(request.user, "create"):
        raise PermissionDenied(_("Your role may not open work orders."))
    data = request.POST if request.method == "POST" else None
    form = WorkOrderForm(
        data,
        user=request.user,
        can_dispatch=policy.role_allows(request.user, "dispatch"),
        initial=_create_initial(request.user) if data is None else None,
    )
    if data is not None and form.is_valid():
        order = _save_work_order(form, request.user)
        if order is not None:
            messages.success(request, _("Work order %(id)s opened.") % {"id": order.external_id})
            return redirect("workorders:detail", pk=order.pk)
    return render(request, "workorders/form.html", {"form": form, "order": None})


@login_required
def work_order_edit(request, pk):
    """Change the descriptive fields of an open or completed order; a stale form is refused
    with who changed what, and the user's input stays on the page."""
    order = selectors.visible_work_order(request.user, pk)
    if not policy.role_allows(request.user, "edit", order):
        raise PermissionDenied(_("Your role may not edit work orders."))
    if not policy.can(request.user, "edit", order):
        messages.error(
            request,
            _("%(id)s is %(state)s and can no longer be edited.")
            % {"id": order.external_id, "state": order.get_state_display()},
        )
        return redirect("workorders:detail", pk=order.pk)
    data = request.POST if request.method == "POST" else None
    form = WorkOrderForm(data, user=request.user, order=order)
    if data is not None and form.is_valid():
        updated = _save_work_order(form, request.user, order)
        if updated is not None:
            if getattr(updated, "last_event", None) is None:
                messages.info(request, _("%(id)s: nothing was changed.") % {"id": order.external_id})
            else:
                messages.success(request, _("%(id)s: saved.") % {"id": order.external_id})
            return redirect("workorders:detail", pk=order.pk)
    return render(request, "workorders/form.html", {"form": form, "order": order})


# --- the labour-operation catalogue (工时定额) ---------------------------------------------

# The category filter's value for the rows that apply to every model.
ALL_MODELS = "*"


@login_required
def labour_operations(request):
    """The labour-operation catalogue for every member of staff (catalogue.py says why):
    search by code or name, filter by model or category, pages of 50; links to its import
    and export for those who maintain it."""
    if not policy.may_read_labour_catalogue(request.user):
        raise PermissionDenied(_("Your role may not read the labour-operation catalogue."))
    q = request.GET.get("q", "").strip()[:100]
    chosen = request.GET.get("category", "")
    category = "" if chosen == ALL_MODELS else (chosen or None)
    rows = catalogue.catalogue_list(q=q, category=category)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workorders/labour_operations.html",
        {
            "page_obj": page,
            "q": q,
            "category": chosen,
            "all_models": ALL_MODELS,
            "categories": catalogue.catalogue_categories(),
            "query": _query_without(request.GET, "page"),
            "may_manage": policy.may_manage_labour_catalogue(request.user),
        },
    )
