"""Forms of the work-order pages. They parse and check types; the rules that need the
database (same service centre, state, role) live in services.py and policy.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from servicescore.org.models import Employee

from .models import Resolution


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
    resolution = forms.ChoiceField(label=_("Resolution"), choices=[("", "—"), *Resolution.choices], required=False)
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
    technician = forms.ModelChoiceField(label=_("Technician"), queryset=Employee.objects.none())
    standard_hours = forms.DecimalField(label=_("Standard hours"), min_value=0, max_digits=7, decimal_places=2)
    clocked_hours = forms.DecimalField(label=_("Clocked hours"), min_value=0, max_digits=7, decimal_places=2)

    def __init__(self, *args, technicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        if technicians is not None:
            self.fields["technician"].queryset = technicians


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
