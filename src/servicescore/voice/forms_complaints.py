"""The complaint desk's and the praise page's forms. They only read the request; the
services (voice/services/complaints.py) check every rule and their coded errors are shown
at the field they name."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from servicescore.org.models import Employee
from servicescore.workorders.forms import TablerBoundField
from servicescore.workorders.models import WorkOrder

from .models import Complaint, Praise
from .scope_complaints import complaint_employees, complaint_work_orders, praise_employees
from .services.complaints import HANDLER_POSITIONS

# Files a browser offers first; what is accepted is decided by the content (core/uploads.py).
ACCEPTED_FILES = "application/pdf,image/jpeg,image/png,image/webp,image/gif"
FILE_HELP = gettext_lazy("A PDF or a photo (JPEG, PNG, WebP, GIF), at most 20 MB.")


def _datetime_input():
    return forms.DateTimeInput(
        attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
    )


class _Form(forms.Form):
    bound_field_class = TablerBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(
                widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
            ):
                widget.attrs.setdefault("class", "form-control")


def _employees_by_number(text, queryset, field) -> list:
    numbers = [n for n in (part.strip() for part in (text or "").replace("，", ",").split(",")) if n]
    found = {e.employee_no: e for e in queryset.filter(employee_no__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise forms.ValidationError(
            _("Unknown employee no.: %(numbers)s") % {"numbers": ", ".join(missing)}, code="unknown_employee"
        )
    return [found[n] for n in dict.fromkeys(numbers)]


class ComplaintForm(_Form):
    summary = forms.CharField(label=gettext_lazy("Summary"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("What the customer said"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=Complaint.Source.choices)
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"), choices=[("", "—"), *Complaint.Severity.choices], required=False
    )
    received_at = forms.DateTimeField(
        label=gettext_lazy("Received at"),
        required=False,
        widget=_datetime_input(),
        help_text=gettext_lazy("Leave empty for now."),
    )
    work_order = forms.CharField(
        label=gettext_lazy("Work order no."),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    people = forms.CharField(
        label=gettext_lazy("People concerned (employee no.)"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Separated by commas, e.g. T1, A1."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_work_order(self):
        key = self.cleaned_data["work_order"].strip()
        if not key:
            return None
        order = complaint_work_orders(self.user).filter(external_id=key).first()
        if order is None:
            raise forms.ValidationError(_("No such work order."), code="unknown_work_order")
        return order

    def clean_people(self):
        return _employees_by_number(self.cleaned_data["people"], complaint_employees(self.user), "people")

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        return value or None

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


def initial_for_order(order: WorkOrder) -> dict:
    people = [e.employee_no for e in (order.technician, order.advisor) if e is not None]
    return {"work_order": order.external_id, "people": ", ".join(dict.fromkeys(people)), "source": "phone"}


class AssignForm(_Form):
    handler = forms.ModelChoiceField(label=gettext_lazy("Handler"), queryset=Employee.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = (
            complaint_employees(user).filter(position__in=HANDLER_POSITIONS).order_by("name")
        )


class DetermineForm(_Form):
    responsible = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Responsible"),
        queryset=Employee.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    others = forms.CharField(
        label=gettext_lazy("Others responsible (employee no.)"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Separated by commas, e.g. T1, A1."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the decision"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["responsible"].queryset = Employee.objects.filter(complaint_links__complaint=complaint)

    def clean_others(self):
        return _employees_by_number(self.cleaned_data["others"], complaint_employees(self.user), "others")

    def people(self) -> list:
        return [*self.cleaned_data.get("responsible", []), *self.cleaned_data.get("others", [])]


class ReasonForm(_Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it is not valid"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResolveForm(_Form):
    resolution = forms.CharField(
        label=gettext_lazy("Resolution"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(_Form):
    satisfied_after = forms.TypedChoiceField(
        label=gettext_lazy("Is the customer satisfied now?"),
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class NoteForm(_Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvidenceForm(_Form):
    file = forms.FileField(
        label=pgettext_lazy("complaints", "Evidence"),
        help_text=FILE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
    )
    note = forms.CharField(label=gettext_lazy("What it shows"), max_length=300, required=False)


class PraiseForm(_Form):
    employee = forms.CharField(
        label=gettext_lazy("Employee no."),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Praise.Kind.choices)
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Where it came from: a letter, a platform review, a call…"),
    )
    note = forms.CharField(
        label=gettext_lazy("What the customer said"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    work_order = forms.CharField(label=gettext_lazy("Work order no."), max_length=100, required=False)
    received_at = forms.DateTimeField(
        label=gettext_lazy("Received at"),
        required=False,
        widget=_datetime_input(),
        help_text=gettext_lazy("Leave empty for now."),
    )
    file = forms.FileField(
        label=pgettext_lazy("complaints", "Evidence"),
        required=False,
        help_text=FILE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_employee(self):
        number = self.cleaned_data["employee"].strip()
        employee = praise_employees(self.user).filter(employee_no=number).first()
        if employee is None:
            raise forms.ValidationError(_("Choose an employee you can see."), code="unknown_employee")
        return employee

    def clean_work_order(self):
        key = self.cleaned_data["work_order"].strip()
        if not key:
            return None
        from servicescore.workorders.scope import visible_work_orders

        order = (
            visible_work_orders(self.user).filter(external_id=key).first()
            or complaint_work_orders(self.user).filter(external_id=key).first()
        )
        if order is None:
            raise forms.ValidationError(_("No such work order."), code="unknown_work_order")
        return order

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["upload"] = data.pop("file") or None
        data["received_at"] = data["received_at"] or None
        return data
