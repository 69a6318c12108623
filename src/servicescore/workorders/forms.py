"""Forms of the work-order pages. They parse and check types; the rules that need the
database (same service centre, state, role) live in services.py and policy.py."""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicescore.core.roles import can_see_full_phone
from servicescore.customers.search import query_too_short
from servicescore.org.models import Employee, OrgUnit
from servicescore.org.scope import visible_employees, visible_org_units
from servicescore.workorders.scope import visible_work_orders

from .models import Channel, Priority, Resolution, State, WorkOrderType
from .selectors import ASSIGNABLE_POSITIONS, DEFAULT_SORT, SORTS, WorkOrderFilters, centres_for_new_orders


class ErrorTextMixin:
    def error_text(self) -> str:
        """All errors in one line for a flash message: 'Field: message'."""
        parts = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            for error in errors:
                parts.append(f"{label}: {error}" if label else str(error))
        return " ".join(parts)


class MultipleImageField(forms.FileField):
    """Several files from one <input type=file multiple>; checked in services.clean_photos."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", _MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleImageField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class TransitionForm(ErrorTextMixin, forms.Form):
    """The inputs any transition may take; each service uses the ones it needs."""

    technician = forms.ModelChoiceField(
        label=_("Technician"), queryset=Employee.objects.none(), required=False, to_field_name="pk"
    )
    resolution = forms.ChoiceField(
        label=_("Resolution"), choices=[("", "—"), *Resolution.choices], required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
    version = forms.CharField(required=False, widget=forms.HiddenInput)
    # Checked (number, range, both or neither) by services.clean_location.
    latitude = forms.CharField(label=_("Latitude"), required=False, max_length=40)
    longitude = forms.CharField(label=_("Longitude"), required=False, max_length=40)
    photos = MultipleImageField(label=_("Photos"), required=False)

    def __init__(self, *args, order=None, technicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        if technicians is not None:
            self.fields["technician"].queryset = technicians


class LabourForm(ErrorTextMixin, forms.Form):
    """A labour line: the operation from the catalogue and the clocked hours; standard hours
    (an override, with a reason, or for work the catalogue does not list) only from the
    roles policy.may_set_standard_hours allows. The technician's page has no such input, and
    a value posted anyway is refused here (services.py refuses it for the API alike)."""

    technician = forms.ModelChoiceField(label=_("Technician"), queryset=Employee.objects.none())
    operation_code = forms.CharField(label=_("Labour operation"), max_length=40, required=False)
    standard_hours = forms.DecimalField(
        label=_("Standard hours"), min_value=0, max_digits=7, decimal_places=2, required=False
    )
    clocked_hours = forms.DecimalField(label=_("Clocked hours"), min_value=0, max_digits=7, decimal_places=2)
    reason = forms.CharField(label=_("Reason for other standard hours"), max_length=500, required=False)

    def __init__(self, *args, technicians=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if technicians is not None:
            self.fields["technician"].queryset = technicians

    def clean_standard_hours(self):
        from .policy import may_set_standard_hours

        hours = self.cleaned_data.get("standard_hours")
        if hours is not None and self.user is not None and not may_set_standard_hours(self.user):
            raise ValidationError(
                _(
                    "Your role may not set standard hours: they come from the labour-operation "
                    "catalogue. Choose the operation and give the clocked hours."
                ),
                code="standard_hours_not_allowed",
            )
        return hours


class PartsForm(ErrorTextMixin, forms.Form):
    part_no = forms.CharField(label=_("Part no."), max_length=64)
    name = forms.CharField(label=_("Part name"), max_length=200)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=9, decimal_places=2)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=12, decimal_places=2)


class NoteForm(ErrorTextMixin, forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
    # Checked (number, range, both or neither) by services.clean_location.
    latitude = forms.CharField(label=_("Latitude"), required=False, max_length=40)
    longitude = forms.CharField(label=_("Longitude"), required=False, max_length=40)
    photos = MultipleImageField(label=_("Photos"), required=False)


# --- the desk pages: list filters, create and edit ------------------------------------

# Above this many people in the user's scope, employee filters take an employee no. typed
# in a text input instead of a select that would list them all.
LARGE_SCOPE = 300
# Dates outside these bounds are typos, and at the ends of the calendar the conversion to
# UTC overflows.
EARLIEST_DATE = datetime.date(1970, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)
# Column names, not states: "Created" is 创建时间 here, where the state New is 新建.
SORT_LABELS = {
    "created": pgettext_lazy("time column", "Created"),
    "due": pgettext_lazy("time column", "Due"),
    "completed": pgettext_lazy("time column", "Completed"),
    "priority": _("Priority"),
    "state": _("State"),
    "id": _("Work-order no."),
}
SORT_CHOICES = [
    choice
    for key in SORTS
    for choice in (
        (key, format_lazy("{} ↑", SORT_LABELS.get(key, key))),
        (f"-{key}", format_lazy("{} ↓", SORT_LABELS.get(key, key))),
    )
]
YES_NO_ANY = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]
TRI_STATE = {"": None, "yes": True, "no": False}


class EmployeeChoiceField(forms.ModelChoiceField):
    """An employee by employee no.: a select, or a text input when the scope is large."""

    default_error_messages = {
        "invalid_choice": _("There is no employee %(value)s among the people you can see."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Employee.objects.none())
        kwargs.setdefault("to_field_name", "employee_no")
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Select(attrs={"class": "form-select"}))
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.employee_no})"

    def use_text_input(self):
        self.widget = forms.TextInput(
            attrs={
                "class": "form-control",
                "placeholder": _("Employee no."),
                "autocomplete": "off",
                "autocapitalize": "characters",
            }
        )

    def to_python(self, value):
        return super().to_python(value.strip() if isinstance(value, str) else value)


class TablerBoundField(BoundField):
    """Marks the input of a field with errors `is-invalid`, as Bootstrap expects."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.form.is_bound and self.errors and not isinstance(widget, forms.CheckboxSelectMultiple):
            attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        return attrs


def _date_input():
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _pills():
    return forms.CheckboxSelectMultiple(attrs={"class": "form-selectgroup-input"})


class WorkOrderFilterForm(forms.Form):
    """The list's GET filters. Bound to request.GET; a value that does not validate gets a
    field error and is left out of `filters()`, so a bad link never breaks the page."""

    q = forms.CharField(
        label=_("Search"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("Plate, name, phone, VIN or order no."),
            }
        ),
    )
    state = forms.MultipleChoiceField(
        label=_("State"), choices=State.choices, required=False, widget=_pills()
    )
    type = forms.MultipleChoiceField(
        label=_("Type"), choices=WorkOrderType.choices, required=False, widget=_pills()
    )
    priority = forms.MultipleChoiceField(
        label=_("Priority"), choices=Priority.choices, required=False, widget=_pills()
    )
    service_center = forms.ModelChoiceField(
        label=_("Service centre"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("All service centres"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    technician = EmployeeChoiceField(label=_("Technician"), empty_label=_("Anyone"))
    advisor = EmployeeChoiceField(label=_("Service advisor"), empty_label=_("Anyone"))
    created_from = forms.DateField(label=_("Created from"), required=False, widget=_date_input())
    created_to = forms.DateField(label=_("Created to"), required=False, widget=_date_input())
    completed_from = forms.DateField(label=_("Completed from"), required=False, widget=_date_input())
    completed_to = forms.DateField(label=_("Completed to"), required=False, widget=_date_input())
    overdue = forms.ChoiceField(
        label=_("Overdue"),
        choices=YES_NO_ANY,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    comeback = forms.ChoiceField(
        label=_("Comeback"),
        choices=YES_NO_ANY,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=SORT_CHOICES,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    # One import run's request id (the link after an import, exchange/links.py). Not
    # checked here: an id that names no run lists nothing rather than everything.
    imported = forms.CharField(required=False, strip=True, widget=forms.HiddenInput)

    bound_field_class = TablerBoundField
    DATE_RANGES = (("created_from", "created_to"), ("completed_from", "completed_to"))

    def __init__(self, data=None, *, user, **kwargs):
        if data is not None and not data.get("sort"):
            data = data.copy()
            data["sort"] = DEFAULT_SORT  # so that the select shows the order the list is in
        super().__init__(data, **kwargs)
        self.fields["service_center"].queryset = (
            visible_org_units(user).filter(kind=OrgUnit.Kind.SERVICE_CENTER).order_by("code")
        )
        people = visible_employees(user).order_by("employee_no")
        self.fields["technician"].queryset = people.filter(position__in=ASSIGNABLE_POSITIONS)
        self.fields["advisor"].queryset = people
        self.large_scope = people.count() > LARGE_SCOPE
        if self.large_scope:
            self.fields["technician"].use_text_input()
            self.fields["advisor"].use_text_input()

    def clean_q(self):
        text = (self.cleaned_data.get("q") or "").strip()
        if text and query_too_short(text):
            raise ValidationError(
                _(
                    "Type at least three characters (or a two-character name): a plate, a name, "
                    "the last four digits of a phone, a VIN's last six or a work-order number."
                ),
                code="query_too_short",
            )
        return text

    def clean(self):
        cleaned = super().clean()
        for start, end in self.DATE_RANGES:
            for name in (start, end):
                day = cleaned.get(name)
                if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
                    self.add_error(
                        name,
                        _("Give a date between %(first)s and %(last)s.")
                        % {"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
                    )
            first, last = cleaned.get(start), cleaned.get(end)
            if first and last and first > last:
                self.add_error(
                    end,
                    _("%(last)s is before the start date %(first)s.")
                    % {"last": last.isoformat(), "first": first.isoformat()},
                )
        return cleaned

    def _valid_data(self) -> dict:
        self.is_valid()  # fills cleaned_data with the fields that did validate
        return self.cleaned_data

    def filters(self) -> WorkOrderFilters:
        """The filters that validated; the others are ignored (their errors show on the form)."""
        data = self._valid_data()
        return WorkOrderFilters(
            states=data.get("state") or [],
            types=data.get("type") or [],
            priorities=data.get("priority") or [],
            service_center=data.get("service_center"),
            technician=data.get("technician"),
            advisor=data.get("advisor"),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            completed_from=data.get("completed_from"),
            completed_to=data.get("completed_to"),
            overdue=TRI_STATE.get(data.get("overdue") or ""),
            comeback=TRI_STATE.get(data.get("comeback") or ""),
            q=(data.get("q") or "").strip(),
            imported=data.get("imported") or "",
        )

    def sort_key(self) -> str:
        return self._valid_data().get("sort") or DEFAULT_SORT

    @property
    def more_filters_used(self) -> bool:
        """Whether the secondary filters (folded away on a phone) hold a value or an error."""
        if not self.is_bound:
            return False
        used = any(self.data.get(name) for name in self.fields if name not in ("q", "sort", "imported"))
        return used or bool(self.errors)


PHONE_VALIDATOR = RegexValidator(
    r"^\+?[0-9][0-9 \-]{2,30}$",
    _("Give a phone number: digits, spaces or '-', optionally starting with '+'."),
)


def _to_minute(moment):
    """A stored time as a datetime-local input shows it: local time, whole minutes."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(second=0, microsecond=0)


class WorkOrderForm(ErrorTextMixin, forms.Form):
    """Create (`order` None) or edit a work order. It checks types and what the user may
    name (centres, people, orders in scope); services check the rest (same centre, state)."""

    service_center = forms.ModelChoiceField(
        label=_("Service centre"),
        queryset=OrgUnit.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    type = forms.ChoiceField(
        label=_("Type"),
        choices=[("", "—"), *WorkOrderType.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=Priority.choices,
        initial=Priority.NORMAL,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", "—"), *Channel.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}),
    )
    customer_name = forms.CharField(
        label=_("Customer name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    customer_phone = forms.CharField(
        label=_("Customer phone"),
        max_length=32,
        required=False,
        validators=[PHONE_VALIDATOR],
        widget=forms.TextInput(attrs={"class": "form-control", "type": "tel", "autocomplete": "off"}),
    )
    customer_external_id = forms.CharField(
        label=_("Customer id"),
        max_length=100,
        required=False,
        help_text=_("The customer's id in the dealer system, if known."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    asset_external_id = forms.CharField(
        label=_("VIN / serial no."),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "autocapitalize": "characters"}),
    )
    asset_model = forms.CharField(
        label=_("Model"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    asset_plate = forms.CharField(
        label=_("Licence plate"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    advisor = EmployeeChoiceField(label=_("Service advisor"), empty_label="—")
    technician = EmployeeChoiceField(
        label=_("Technician"),
        empty_label=_("Dispatch later"),
        help_text=_("Choose a technician to dispatch the work order at once."),
    )
    difficulty = forms.DecimalField(
        label=_("Difficulty coefficient"),
        min_value=Decimal("0.01"),
        max_digits=5,
        decimal_places=2,
        initial=Decimal("1.00"),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    due_at = forms.DateTimeField(
        label=_("Due at"),
        required=False,
        help_text=_("Leave empty to use the SLA policy of the type and priority."),
        widget=forms.DateTimeInput(
            attrs={"class": "form-control", "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    rework_of = forms.CharField(
        label=_("Comeback of"),
        max_length=100,
        required=False,
        help_text=_("The external id of the earlier work order this one returns to."),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    bound_field_class = TablerBoundField

    def __init__(self, data=None, *, user, order=None, can_dispatch=False, **kwargs):
        self.user, self.order = user, order
        # A role that sees phones masked must not find the full number in the edit form.
        self.phone_hidden = bool(order is not None and order.customer_id and not can_see_full_phone(user))
        if order is not None:
            kwargs["initial"] = self._initial_from(order)
        super().__init__(data, **kwargs)
        people = visible_employees(user).filter(status=Employee.Status.ACTIVE).order_by("employee_no")
        self.fields["advisor"].queryset = people
        self.fields["technician"].queryset = people.filter(position__in=ASSIGNABLE_POSITIONS)
        if people.count() > LARGE_SCOPE:
            self.fields["advisor"].use_text_input()
            self.fields["technician"].use_text_input()
        if order is None:
            self.fields["service_center"].queryset = centres_for_new_orders(user)
        else:
            # The centre is fixed once opened, and the technician changes by reassigning.
            del self.fields["service_center"]
            del self.fields["technician"]
        if not can_dispatch and "technician" in self.fields:
            del self.fields["technician"]
        if self.phone_hidden:
            phone = self.fields["customer_phone"]
            phone.widget.attrs["placeholder"] = order.customer.masked_phone
            phone.help_text = _("Leave empty to keep the number on file.")

    def _initial_from(self, order) -> dict:
        customer, asset = order.customer, order.asset
        return {
            "type": order.type,
            "priority": order.priority,
            "channel": order.channel,
            "description": order.description,
            "customer_name": customer.name if customer else "",
            "customer_phone": customer.phone if customer and not self.phone_hidden else "",
            "customer_external_id": (customer.external_id or "") if customer else "",
            "asset_external_id": asset.external_id if asset else "",
            "asset_model": asset.model if asset else "",
            "asset_plate": asset.plate if asset else "",
            "advisor": order.advisor,
            "difficulty": order.difficulty,
            "due_at": _to_minute(order.due_at),
            "rework_of": order.rework_of.external_id if order.rework_of_id else "",
            "version": order.version,
        }

    def clean_rework_of(self):
        external_id = self.cleaned_data.get("rework_of", "").strip()
        if not external_id:
            return None
        original = visible_work_orders(self.user).filter(external_id=external_id).first()
        if original is None:
            raise ValidationError(
                _("There is no work order %(id)s among those you can see."), params={"id": external_id}
            )
        return original

    def clean_due_at(self):
        due = self.cleaned_data.get("due_at")
        if due is None:
            return None
        if self.order is None and due <= timezone.now():
            raise ValidationError(
                _("The due time %(due)s has already passed."),
                params={"due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
            )
        if self.order is not None and due < self.order.created_at:
            raise ValidationError(
                _("The due time is before the work order was created (%(created)s)."),
                params={"created": timezone.localtime(self.order.created_at).strftime("%Y-%m-%d %H:%M")},
            )
        return due

    def clean(self):
        cleaned = super().clean()
        asset_details = cleaned.get("asset_model") or cleaned.get("asset_plate")
        if asset_details and not cleaned.get("asset_external_id"):
            self.add_error(
                "asset_external_id",
                _("Give the VIN or serial number of the asset, or leave the asset fields empty."),
            )
        return cleaned

    def customer_phone_value(self) -> str:
        """The phone to file: the one typed, else (for a masked edit form) the one on file."""
        phone = self.cleaned_data.get("customer_phone", "")
        if not phone and self.phone_hidden:
            return self.order.customer.phone
        return phone

    def due_at_changed(self) -> bool:
        return self.cleaned_data.get("due_at") != _to_minute(self.order.due_at if self.order else None)
