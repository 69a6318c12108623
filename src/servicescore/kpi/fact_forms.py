"""The facts page's form: record or correct one fact. The form only reads the request;
kpi/services/facts.py checks every rule (indicator, month, value, owner and scope, the
attachment's content) and its coded errors are shown at the field they name."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicescore.org.models import Employee
from servicescore.org.scope import visible_org_units
from servicescore.workorders.forms import TablerBoundField

from . import errors
from .fact_selectors import fact_indicators, indicator_label, plain_number
from .models import MetricFact

# Files a browser offers first; what is accepted is decided by the content (core/uploads.py).
ACCEPTED_FILES = "application/pdf,image/jpeg,image/png,image/webp,image/gif"


class FactForm(forms.Form):
    bound_field_class = TablerBoundField

    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"))
    period = forms.CharField(
        label=gettext_lazy("Month"),
        max_length=20,
        help_text=gettext_lazy("YYYY-MM, e.g. 2026-10"),
        widget=forms.TextInput(
            attrs={"placeholder": "2026-10", "inputmode": "numeric", "autocomplete": "off"}
        ),
    )
    value = forms.CharField(
        label=gettext_lazy("Value"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    employee = forms.CharField(
        label=gettext_lazy("Employee no."),
        max_length=Employee._meta.get_field("employee_no").max_length,
        required=False,
        help_text=gettext_lazy("The person the figure is about; or choose an org unit instead."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    org_unit = forms.ModelChoiceField(
        label=gettext_lazy("Org unit"), queryset=None, required=False, empty_label="—"
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=MetricFact._meta.get_field("note").max_length,
        required=False,
        help_text=gettext_lazy("What happened, in a sentence: shown with the figure on the scorecard."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=MetricFact._meta.get_field("reference").max_length,
        required=False,
        help_text=gettext_lazy("The source record, e.g. an incident number."),
    )
    attachment = forms.FileField(
        label=gettext_lazy("Attachment"),
        required=False,
        help_text=gettext_lazy("A PDF or a photo (JPEG, PNG, WebP, GIF), at most 20 MB."),
        widget=forms.FileInput(attrs={"accept": ACCEPTED_FILES}),
    )
    remove_attachment = forms.BooleanField(label=gettext_lazy("Remove the attachment"), required=False)

    def __init__(self, data=None, files=None, *, user, fact: MetricFact | None = None):
        initial = None
        if fact is not None:
            initial = {
                "indicator": fact.indicator,
                "period": fact.period,
                "value": plain_number(fact.value),
                "employee": fact.employee.employee_no if fact.employee else "",
                "org_unit": fact.org_unit,
                "note": fact.note,
                "reference": fact.reference,
            }
        super().__init__(data, files, initial=initial)
        self.fields["indicator"].choices = [("", "—")] + [
            (item.code, f"{indicator_label(item)} ({item.code})") for item in fact_indicators()
        ]
        self.fields["org_unit"].queryset = visible_org_units(user).order_by("path")
        if fact is None or not fact.attachment:
            del self.fields["remove_attachment"]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-control")

    def clean_employee(self):
        number = self.cleaned_data["employee"].strip()
        if not number:
            return None
        employee = Employee.objects.filter(employee_no=number).first()
        if employee is None:
            # The service says the same for an employee out of the user's scope.
            raise forms.ValidationError(
                _("There is no employee %(no)s you may record facts for.") % {"no": number},
                code=errors.FACT_SUBJECT_NOT_FOUND,
            )
        return employee

    def service_fields(self) -> dict:
        """The keyword arguments of fact_record / fact_update."""
        data = self.cleaned_data
        fields = {
            name: data.get(name)
            for name in ("indicator", "period", "value", "employee", "org_unit", "note", "reference")
        }
        fields["attachment"] = data.get("attachment") or None
        return fields
