"""The audit page's filters: they parse and check types; audit_selectors reads."""

import datetime

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from .history import ACTION_LABELS, CHANNEL_LABELS

EARLIEST_DATE = datetime.date(1970, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)


class _TablerBoundField(BoundField):
    """Marks the input of a field with errors `is-invalid`, as Bootstrap expects."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.form.is_bound and self.errors:
            attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        return attrs


def _text(label, max_length: int, **attrs):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off", **attrs}),
    )


def _date(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )


class AuditFilterForm(forms.Form):
    """The list's GET filters. Bound to request.GET; the page lists nothing while a filter
    is wrong, so that an auditor never reads an unfiltered list as a filtered one."""

    record_type = forms.TypedChoiceField(
        label=_("Record type"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    object_id = _text(_("Record id"), 64, inputmode="numeric")
    actor = _text(_("User name"), 150, autocapitalize="none")
    date_from = _date(_("From"))
    date_to = _date(_("To"))
    action = _text(_("Action"), 40, list="audit-actions", autocapitalize="none")
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("Any"))] + list(CHANNEL_LABELS.items()),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    request_id = _text(_("Request id"), 64, autocapitalize="none")

    bound_field_class = _TablerBoundField
    # Shown on a phone too; the others fold away under "More filters".
    MAIN_FIELDS = ("record_type", "object_id", "actor")
    action_suggestions = ACTION_LABELS

    def __init__(self, data=None, *, record_types: list[tuple[int, str]], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["record_type"].choices = [("", _("Any type")), *record_types]

    def clean(self):
        cleaned = super().clean()
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
                self.add_error(
                    name,
                    _("Give a date between %(first)s and %(last)s.")
                    % {"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
                )
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            self.add_error(
                "date_to",
                _("%(last)s is before the start date %(first)s.")
                % {"last": last.isoformat(), "first": first.isoformat()},
            )
        return cleaned

    @property
    def main_fields(self) -> list:
        return [self[name] for name in self.MAIN_FIELDS]

    @property
    def more_fields(self) -> list:
        return [self[name] for name in self.fields if name not in self.MAIN_FIELDS]

    @property
    def more_filters_used(self) -> bool:
        """Whether a secondary filter (folded away on a phone) holds a value or an error."""
        names = [name for name in self.fields if name not in self.MAIN_FIELDS]
        return any(self.data.get(name) for name in names) or any(name in self.errors for name in names)

    def filters(self) -> dict:
        """The keyword arguments of audit_selectors.audit_entries; call after is_valid()."""
        return {name: self.cleaned_data.get(name) or None for name in self.fields}
